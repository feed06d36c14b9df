"""The reports as XLSX (openpyxl, one sheet per section, numbers as numbers) and as CSV
(UTF-8 with a byte-order mark, so Excel opens the Hangul correctly).

openpyxl (and the numpy it loads) is imported at the first XLSX, not when the app starts.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from reports.editions import seoul_text
from reports.national import NationalReport
from reports.sections import MonthlyReport, SectionResult

if TYPE_CHECKING:
    from openpyxl import Workbook

UNITS = {"count": "건", "people": "명", "minutes": "분", "hours": "시간", "percent": "%"}
# A text cell starting with one of these is a formula to Excel or LibreOffice (an agency named
# '=HYPERLINK(…)' would become a live link): such text gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value):
    """The value as a spreadsheet shows it, never as a formula (OWASP: CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row) -> list:
    return [safe_cell(value) for value in row]


def unit_label(unit: str) -> str:
    return _(UNITS.get(unit, ""))


def change_unit_label(unit: str) -> str:
    """The unit of a change: percentage points for a share, the figure's own unit else."""
    return _("%p") if unit == "percent" else unit_label(unit)


def headline_table(report: MonthlyReport) -> tuple[list[str], list[list]]:
    """The front page's table: each headline figure this month and its changes. A change is
    in the unit of its own column ("증감 단위": %p for shares); an empty comparison cell
    means the centre had no data that month."""
    columns = [_("항목"), _("단위"), _("이번 달"), _("전월"), _("전월 대비"), _("증감 단위"),
               _("전월 대비 증감률(%)"), _("전년 동월"), _("전년 동월 대비"),
               _("전년 동월 대비 증감률(%)")]
    rows = [[row.label, unit_label(row.unit), row.value, row.previous, row.change_previous,
             change_unit_label(row.unit), row.change_previous_pct, row.year_before,
             row.change_year, row.change_year_pct]
            for row in report.headlines]
    return columns, rows


def standing_rows(report: MonthlyReport) -> list[list]:
    """Where the figures stand: closed (edition, when, by whom, why) or provisional (as of
    when), and the running month's mark; the same lines in the XLSX and the CSV."""
    rows = []
    stamp = report.stamp
    if stamp is not None:
        rows.append([_("상태"), stamp.text])
        rows.append([_("자료 기준"), seoul_text(stamp.as_of)])
        if stamp.closed:
            rows.append([_("마감한 사람"), stamp.closed_by or _("기한이 지나 자동 마감")])
            if stamp.reason:
                rows.append([_("재작성 사유"), stamp.reason])
    if report.is_partial:
        rows.append([_("진행 중인 달: 지금까지의 수치")])
    return rows


def section_rows(section: SectionResult) -> list[tuple[list, bool]]:
    """A section as (row, is_heading) pairs: its key numbers, then each table with its
    title and column header."""
    rows: list[tuple[list, bool]] = [([section.title], True)]
    rows += [([figure.label, figure.value, unit_label(figure.unit)], False)
             for figure in section.figures]
    for table in section.tables:
        rows += [([], False), ([table.title], True), (list(table.columns), True)]
        rows += [(list(row), False) for row in table.rows]
        if table.footer:
            rows.append((list(table.footer), True))
    return rows


def monthly_xlsx(report: MonthlyReport) -> bytes:
    workbook = _new_workbook()
    summary = workbook.active
    summary.title = _sheet_title(_("요약"), set())
    columns, rows = headline_table(report)
    _append(summary, [([_("한자리 월간 보고서")], True), ([_("센터"), report.centre_name], False),
                      ([_("기간"), report.period_label], False),
                      *((row, False) for row in standing_rows(report)),
                      ([], False), (columns, True), *((row, False) for row in rows)])
    used = {summary.title}
    for section in report.sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        used.add(sheet.title)
        _append(sheet, section_rows(section))
    if report.definitions:
        sheet = workbook.create_sheet(_sheet_title(_("용어 정의"), used))
        _append(sheet, [([_("항목"), _("정의")], True),
                        *((list(pair), False) for pair in report.definitions)])
    return _save(workbook)


def monthly_csv(report: MonthlyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row([_("한자리 월간 보고서"), report.centre_name, report.month.key]))
    writer.writerows(safe_row(row) for row in standing_rows(report))
    writer.writerow([])
    columns, rows = headline_table(report)
    writer.writerows(safe_row(row) for row in [[_("요약")], columns, *rows])
    for section in report.sections:
        writer.writerow([])
        writer.writerows(safe_row(row) for row, _heading in section_rows(section))
    if report.definitions:
        writer.writerow([])
        writer.writerows(safe_row(row) for row in [[_("용어 정의")], *report.definitions])
    return buffer.getvalue().encode("utf-8-sig")


def national_xlsx(report: NationalReport) -> bytes:
    workbook = _new_workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(_("전국 현황"), set())
    header = [_("센터 코드"), _("센터"), _("마감")] + [
        f"{label} ({unit_label(unit)})" for _key, label, unit in report.headlines]
    rows = [[row.code, row.name, row.standing,
             *(row.values[key] for key, _l, _u in report.headlines)] for row in report.rows]
    total = ["", _("전국 합계"), "", *(report.total[key] for key, _l, _u in report.headlines)]
    _append(sheet, [([_("한자리 전국 현황"), report.period_label], True),
                    ([_("상태"), report.stamp_text], False), ([], False),
                    (header, True), *((row, False) for row in rows), (total, True)])
    return _save(workbook)


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split())[:31]
    name, n = base, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def _new_workbook() -> Workbook:
    from openpyxl import Workbook

    return Workbook()


def _append(sheet, rows: list[tuple[list, bool]]) -> None:
    from openpyxl.styles import Font

    bold = Font(bold=True)
    for row, is_heading in rows:
        sheet.append(safe_row(row))
        if is_heading:
            for cell in sheet[sheet.max_row]:
                cell.font = bold


def _fit_columns(sheet) -> None:
    """Column widths from the longest text (Hangul counts double)."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                text = str(cell.value)
                width = sum(2 if ord(char) > 0x2E80 else 1 for char in text) + 2
                widths[cell.column] = max(widths.get(cell.column, 0), width)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(60, max(8, width))


def _save(workbook: Workbook) -> bytes:
    for sheet in workbook.worksheets:
        _fit_columns(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
