#!/bin/sh
# Refresh the vendored front-end files from npm: the government design system (KRDS) that the
# app serves itself (static/vendor/krds: tokens, Pretendard GOV fonts, licence, version) and
# axe-core, which only the accessibility test loads (tests/e2e/vendor). Centre intranets have
# no internet and the Content-Security-Policy allows only this site's files: nothing is ever
# loaded from a CDN. Usage: scripts/vendor_krds.sh [krds-version] [axe-version]
set -eu
KRDS_VERSION=${1:-1.1.0}
AXE_VERSION=${2:-4.14.1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "krds-uiux@$KRDS_VERSION" "axe-core@$AXE_VERSION" >/dev/null
mkdir krds axe
tar xzf "krds-uiux-$KRDS_VERSION.tgz" -C krds --strip-components=1
tar xzf "axe-core-$AXE_VERSION.tgz" -C axe --strip-components=1

OUT="$ROOT/static/vendor/krds"
rm -rf "$OUT"
mkdir -p "$OUT/fonts"
cp krds/resources/css/token/krds_tokens.css "$OUT/krds_tokens.css"
cp krds/resources/fonts/PretendardGOV-*.subset.woff2 "$OUT/fonts/"
cp krds/package.json "$OUT/package.json"
cp krds/README.md "$OUT/README.md"
{
  echo "KRDS (Korea Responsive Design System) krds-uiux $KRDS_VERSION, https://www.npmjs.com/package/krds-uiux"
  echo "Licence: ISC (package.json), under the terms of use of the Korean digital government design"
  echo "system (https://www.krds.go.kr). Pretendard GOV fonts: SIL Open Font License 1.1."
  echo "Vendored by scripts/vendor_krds.sh; do not edit these files by hand."
} > "$OUT/LICENSE"
echo "$KRDS_VERSION" > "$OUT/VERSION"

AXE_OUT="$ROOT/tests/e2e/vendor"
mkdir -p "$AXE_OUT"
cp axe/axe.min.js "$AXE_OUT/axe.min.js"
cp axe/LICENSE "$AXE_OUT/axe-LICENSE"
echo "$AXE_VERSION" > "$AXE_OUT/axe-VERSION"
echo "KRDS $KRDS_VERSION -> $OUT; axe-core $AXE_VERSION -> $AXE_OUT"
