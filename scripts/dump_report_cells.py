"""Every cell of some report workbooks, as JSON: run it before and after a change to the
figures on the same database, then compare the two files (``--compare A B``) — a change meant
to make a report faster must not move a single cell.

    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/national_scale
    .venv/bin/python scripts/dump_report_cells.py --user synth-admin --out before.json \\
        /reports/national/2026-11.xlsx /reports/monthly/synth-001/2026-11.xlsx
    # ... the change ...
    .venv/bin/python scripts/dump_report_cells.py --user synth-admin --out after.json \\
        /reports/national/2026-11.xlsx /reports/monthly/synth-001/2026-11.xlsx
    .venv/bin/python scripts/dump_report_cells.py --compare before.json after.json
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def dump(user: str, password: str, paths: list[str]) -> dict:
    import openpyxl

    from app import create_app

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "STARTUP_CHECKS": False})
    cells = {}
    with app.test_client() as client:
        response = client.post("/login", data={"username": user, "password": password})
        if response.status_code != 302:
            sys.exit(f"sign-in as {user} failed: HTTP {response.status_code}")
        for path in paths:
            response = client.get(path)
            print(f"{path}: HTTP {response.status_code}, {len(response.data):,} bytes")
            if response.status_code == 200:
                book = openpyxl.load_workbook(io.BytesIO(response.data))
                cells[path] = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
                               for sheet in book.worksheets}
    return cells


#: A report's own time stamps ("잠정 (2026-12-02 05:11 기준)", its data-as-of time): not figures.
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _without_stamps(rows: list[list]) -> list[list]:
    return [[STAMP.sub("…", cell) if isinstance(cell, str) else cell for cell in row]
            for row in rows]


def compare(before: dict, after: dict) -> int:
    """Prints each sheet with the rows that differ (time stamps aside); returns how many rows
    differ in all."""
    differing = 0
    for path in sorted(set(before) | set(after)):
        sheets_before, sheets_after = before.get(path, {}), after.get(path, {})
        for sheet in sorted(set(sheets_before) | set(sheets_after)):
            rows_before = _without_stamps(sheets_before.get(sheet, []))
            rows_after = _without_stamps(sheets_after.get(sheet, []))
            changed = [(number, old, new) for number, (old, new) in
                       enumerate(zip(rows_before, rows_after, strict=False), 1) if old != new]
            changed += [(number, None, None) for number in
                        range(min(len(rows_before), len(rows_after)) + 1,
                              max(len(rows_before), len(rows_after)) + 1)]
            print(f"{path} [{sheet}]: {len(rows_before)} rows, {len(changed)} differ")
            for number, old, new in changed[:5]:
                print(f"  row {number}: {old} -> {new}")
            differing += len(changed)
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="XLSX pages, e.g. /reports/national/2026-11.xlsx")
    parser.add_argument("--user", help="username to sign in as")
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--out", help="JSON file to write")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(Path(name).read_text()) for name in args.compare)
        sys.exit(1 if compare(before, after) else 0)
    if not (args.user and args.out and args.paths):
        parser.error("--user, --out and at least one path (or --compare BEFORE AFTER)")
    Path(args.out).write_text(json.dumps(dump(args.user, args.password, args.paths),
                                         ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
