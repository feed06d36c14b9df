"""Open data (공공데이터 개방): a closed month's aggregate counts for anyone, as CSV, with
small counts hidden (:mod:`reports.suppression`).

The national file has two tables over all centres: visits and cases per centre with the
national totals, and closed cases by reason with both totals. A centre's file is its rows of
those same tables, hidden exactly as in the national file (hiding them differently in two files
would give a cell away by comparing them), and its referral matrix (sending × receiving agency,
with both totals), which no other file publishes.

Figures come from each centre's latest closed edition (:mod:`reports.closing`); a month is
published once every centre closed it.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from cases.models import ClosureReason
from centers.models import Centre
from reports import closing
from reports.exports import safe_row
from reports.periods import Month
from reports.sections import MonthlyReport, SectionResult
from reports.suppression import CountTable, suppress

#: The headline figures of the first table, by key.
CENTRE_COUNTS = ("visits", "people", "first_time", "cases_opened", "open_at_end")


def closed_reports(centres: list[Centre], month: Month) -> dict[int, MonthlyReport]:
    """Each centre's report of the month as its latest closed edition stored it."""
    return {c.id: closing.report_for(c, month) for c in centres}


def _section(report: MonthlyReport, key: str) -> SectionResult | None:
    return next((s for s in report.sections if s.key == key), None)


def national_tables(centres: list[Centre], reports: dict[int, MonthlyReport]) -> list[CountTable]:
    """The national tables, hidden; rows are the centres in the order given."""
    names = [c.name for c in centres]
    labels = {row.key: row.label for report in reports.values() for row in report.headlines}
    activity = CountTable(
        _("센터별 방문·사례"), names, [labels.get(key, key) for key in CENTRE_COUNTS],
        [[int(next((r.value for r in reports[c.id].headlines if r.key == key), 0) or 0)
          for key in CENTRE_COUNTS] for c in centres],
        column_totals=True, total_label=_("전국"))
    closures = CountTable(
        _("종결 사유별 종결 사례"), names, [r.label for r in ClosureReason],
        [_closure_counts(reports[c.id]) for c in centres],
        row_totals=True, column_totals=True, total_label=_("합계"))
    return [suppress(activity), suppress(closures)]


def _closure_counts(report: MonthlyReport) -> list[int]:
    """The cases section's first table: closed cases per reason, in ClosureReason order."""
    cases = _section(report, "cases")
    rows = cases.tables[0].rows if cases and cases.tables else []
    counts = [int(row[1] or 0) for row in rows]
    return (counts + [0] * len(ClosureReason))[:len(ClosureReason)]


def referral_table(report: MonthlyReport) -> CountTable | None:
    """The centre's referrals of the month, sending × receiving agency (the referral
    section's matrix without its totals, which are worked out again), hidden."""
    section = _section(report, "referrals")
    matrix = section.tables[0] if section and section.tables else None
    if matrix is None or not matrix.rows:
        return None
    return suppress(CountTable(
        _("보낸 기관 × 받는 기관 의뢰"), [row[0] for row in matrix.rows],
        list(matrix.columns[1:-1]),
        [[int(value or 0) for value in row[1:-1]] for row in matrix.rows],
        row_totals=True, column_totals=True, total_label=_("합계")))


def centre_rows(table: CountTable, index: int) -> CountTable:
    """One centre's row of a national table, keeping how it was hidden there."""
    row = CountTable(table.title, [table.row_labels[index]], table.column_labels,
                     [table.cells[index]], row_totals=table.row_totals,
                     total_label=table.total_label)
    row.withheld = table.withheld
    row.primary = {(0, j) for i, j in table.primary if i == index}
    row.complementary = {(0, j) for i, j in table.complementary if i == index}
    return row


def open_csv(month: Month, status: str, tables: list[CountTable]) -> bytes:
    """Long format, one figure a line (month, data as of, table, row, column, value, note),
    UTF-8 with a byte-order mark as the other CSVs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("기준월"), _("자료 기준"), _("표"), _("행"), _("열"), _("값"), _("비고")])
    notes = {"<5": _("1~4건이라 숨김"), "x": _("합계로 숨긴 값을 알아낼 수 없도록 함께 숨김(5 이상)"),
             "": _("숨겨도 작은 값이 드러나 표 전체를 공개하지 않음")}
    for table in tables:
        rows = table.row_labels + ([table.total_label] if table.column_totals else [])
        columns = table.column_labels + ([table.total_label] if table.row_totals else [])
        for i, label in enumerate(rows):
            for j, column in enumerate(columns):
                shown = table.shown((i, j))
                note = notes.get(shown, "") if isinstance(shown, str) else ""
                writer.writerow(safe_row([month.key, status, table.title, label, column, shown,
                                          note]))
    return buffer.getvalue().encode("utf-8-sig")
