"""Open data: closed months' counts for anyone, with small counts hidden so that no hidden
count can be worked out from what is shown (brute force over every table that fits)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date

import pytest
import test_reports
from test_reports import add_visit

from centers.models import AgencyKind, Domain
from core.roles import Role
from factories import login, make_agency, make_centre, make_staff
from intake.models import StopStatus
from reports.periods import Month
from reports.suppression import HIDE_FROM, CountTable, recoverable, suppress

month = test_reports.month  # the fixture: the hand-built March 2025 at 남양주


# --- the check, against brute force ------------------------------------------------------------

def equations(table: CountTable) -> list[list[tuple[tuple[int, int], int]]]:
    """Each row and column that has a total, as (cell, sign) pairs adding up to 0."""
    lines = []
    if table.row_totals:
        lines += [[((i, j), table.sign((i, j))) for j in range(len(table.grid[i]))]
                  for i in range(len(table.grid))]
    if table.column_totals:
        lines += [[((i, j), table.sign((i, j))) for i in range(len(table.grid))]
                  for j in range(len(table.grid[0]))]
    return lines


def another_fitting_value(table: CountTable, cell: tuple[int, int]) -> int | None:
    """Brute force: a value other than the true one that ``cell`` takes in some table fitting
    all the reader knows (the shown figures, the equations, <5 is 1–4, x is 5 or more), or
    None after trying every such table. x cells are tried up to one more than the largest
    figure of the table: a second value, where there is one, is always within one step."""
    hidden = sorted(table.hidden)
    top = max(HIDE_FROM, max(max(row) for row in table.grid) + 1)
    domain = {c: range(1, 5) if c in table.primary else range(HIDE_FROM, top + 1)
              for c in hidden}
    lines = equations(table)

    def settle(assigned: dict) -> dict | None:
        """Fill in what the equations force; None when something does not fit."""
        assigned = dict(assigned)
        changed = True
        while changed:
            changed = False
            for line in lines:
                unknown = [(c, s) for c, s in line if c in domain and c not in assigned]
                known = sum(s * assigned.get(c, table.value(c)) for c, s in line
                            if (c, s) not in unknown)
                low = sum(min(domain[c]) if s > 0 else -max(domain[c]) for c, s in unknown)
                high = sum(max(domain[c]) if s > 0 else -min(domain[c]) for c, s in unknown)
                if not low <= -known <= high:
                    return None
                if len(unknown) == 1:
                    (c, s), = unknown
                    value = -known * s
                    if value not in domain[c]:
                        return None
                    assigned[c] = value
                    changed = True
        return assigned

    def search(assigned: dict) -> bool:
        assigned = settle(assigned)
        if assigned is None:
            return False
        free = [c for c in hidden if c not in assigned]
        if not free:
            return True
        return any(search({**assigned, free[0]: value}) for value in domain[free[0]])

    for value in domain[cell]:
        if value != table.value(cell) and search({cell: value}):
            return value
    return None


def check_nothing_recoverable(table: CountTable) -> None:
    assert {c for c in table.positions() if 1 <= table.value(c) <= 4} <= table.primary
    assert all(table.value(c) >= HIDE_FROM for c in table.complementary)
    # The rule of thumb holds: an equation with a hidden member has at least two.
    for line in equations(table):
        hidden = [c for c, _s in line if c in table.hidden]
        assert len(hidden) != 1, (table.grid, hidden)
    # And brute force: every hidden cell can take another value.
    for cell in sorted(table.hidden):
        assert another_fitting_value(table, cell) is not None, (
            table.grid, sorted(table.primary), sorted(table.complementary), cell)


def table_of(cells, *, rows=True, columns=True) -> CountTable:
    return suppress(CountTable("t", [str(i) for i in range(len(cells))],
                               [str(j) for j in range(len(cells[0]))], cells,
                               row_totals=rows, column_totals=columns))


@pytest.mark.parametrize("cells, rows, columns", [
    ([[3, 10]], True, False),            # a row of 3 and 10, total 13
    ([[1, 5]], True, False),             # 1 + 5 = 6: <5 and x≥5 would give 1 and 5
    ([[2, 0, 0]], True, False),          # the total is small too
    ([[3], [9], [7]], False, True),      # one column with its total
    ([[1, 6], [6, 1]], True, True),      # a 2×2 whose hidden cells would form a bridge
    ([[0, 4, 9], [8, 0, 2], [5, 7, 0]], True, True),
    ([[1, 1, 1], [1, 1, 1]], True, True),
])
def test_known_traps_are_covered(cells, rows, columns):
    table = table_of(cells, rows=rows, columns=columns)
    if not table.withheld:
        check_nothing_recoverable(table)


def test_no_hidden_count_of_a_random_small_table_can_be_worked_out():
    """Hundreds of small tables, many counts of 1–4 and zeros: brute force finds a second
    value for every hidden cell."""
    generator = random.Random(16)
    checked = 0
    for _ in range(200):
        n, m = generator.choice([(1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2)])
        cells = [[generator.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12]) for _j in range(m)]
                 for _i in range(n)]
        rows, columns = generator.choice([(True, True), (True, False), (False, True)])
        table = table_of(cells, rows=rows, columns=columns)
        if table.withheld:
            continue
        check_nothing_recoverable(table)
        checked += 1
    assert checked > 150


def test_the_exact_check_catches_what_the_rule_of_thumb_misses():
    """Two hidden cells in a line are not enough when their bounds pin them: 1 + x = 6."""
    table = CountTable("t", ["a"], ["p", "q"], [[1, 5]], row_totals=True)
    table.primary, table.complementary = {(0, 0)}, {(0, 1)}
    assert recoverable(table, (0, 0)) and recoverable(table, (0, 1))
    suppress(table)
    assert (0, 2) in table.hidden  # the total had to go as well


# --- the files ---------------------------------------------------------------------------------

def read(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def close_march(app, *centres) -> None:
    for centre in centres:
        manager = app.test_client()
        assert login(manager, make_staff(Role.MANAGER, centre=centre).username).status_code == 302
        assert manager.post(f"/reports/monthly/{centre.code}/2025-03/close").status_code == 302


def test_anyone_reads_a_closed_months_open_csv_with_small_counts_hidden(app, client, month):
    suwon = make_centre(code="suwon", name="수원 고용복지+센터")
    jobs = make_agency(suwon, AgencyKind.EMPLOYMENT)
    for day in range(3, 10):
        add_visit(suwon, date(2025, 3, day), [(jobs, "10:00", "10:05", "10:05", StopStatus.DONE)],
                  purposes=[Domain.JOBS])
    assert client.get("/reports/national/2025-03.open.csv").status_code == 404  # not closed
    close_march(app, month, suwon)
    response = client.get("/reports/national/2025-03.open.csv")  # nobody signed in
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read(response)
    visits = {r["행"]: r["값"] for r in rows if r["표"] == "센터별 방문·사례" and r["열"] == "방문 건수"}
    # 남양주 had 5 visits, 수원 7; no count of 1–4 is shown anywhere.
    assert visits == {"남양주 고용복지+센터": "5", "수원 고용복지+센터": "7", "전국": "12"}
    shown = [r["값"] for r in rows]
    assert not {"1", "2", "3", "4"} & set(shown) and "<5" in shown
    assert all(r["기준월"] == "2025-03" and "2025-03-31 24:00 기준" in r["자료 기준"]
               for r in rows)

    centre = read(client.get("/reports/monthly/namyangju/2025-03.open.csv"))
    mine = {(r["표"], r["열"]): r["값"] for r in centre if r["행"] == "남양주 고용복지+센터"}
    national = {(r["표"], r["열"]): r["값"] for r in rows if r["행"] == "남양주 고용복지+센터"}
    assert mine == national  # hidden the same way in both files
    assert any(r["표"] == "보낸 기관 × 받는 기관 의뢰" for r in centre)


def test_only_months_every_centre_closed_are_published(app, client, month):
    suwon = make_centre(code="suwon", name="수원 고용복지+센터")
    close_march(app, month)
    assert client.get("/reports/national/2025-03.open.csv").status_code == 404  # 수원 has not
    assert client.get("/reports/monthly/namyangju/2025-03.open.csv").status_code == 404
    close_march(app, suwon)
    assert client.get("/reports/monthly/namyangju/2025-03.open.csv").status_code == 200
    assert client.get(f"/reports/national/{Month.current()}.open.csv").status_code == 404
    assert client.get(f"/reports/monthly/namyangju/{Month.current()}.open.csv").status_code == 404
    assert client.get("/reports/monthly/nowhere/2025-03.open.csv").status_code == 404
    assert client.get("/reports/national/2999-01.open.csv").status_code == 404
