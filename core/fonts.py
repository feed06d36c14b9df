"""The Korean font of the reports: Noto Sans KR, shipped by the ``pylopdf-fonts-ko`` package.

The PDF and the charts must not depend on a font installed on the server or fetched from
the network, so the font comes from a Python dependency (SIL Open Font License 1.1; the
licence text is in the package's metadata).
"""

from __future__ import annotations

from pathlib import Path

import pylopdf_fonts_ko

FONT_FAMILY = "Hanjari Noto Sans KR"
FONT_FILE = "NotoSansKR-Regular.otf"


def korean_font_path() -> Path:
    return Path(pylopdf_fonts_ko.sans_path())
