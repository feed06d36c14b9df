"""Small-cell suppression for published count tables.

A count of 1 to 4 is shown as ``<5`` (primary suppression). A table's totals would give such a
cell back (a row of 3, 10 and a total of 13), so more cells are hidden (``x``, complementary
suppression) until no hidden cell can be worked out from what is shown.

"Worked out" is checked exactly, not by the rule of thumb "two hidden cells per line": a reader
knows every shown figure, every row and column equation, that a ``<5`` cell is 1–4 and that an
``x`` cell is at least 5 (only such cells are chosen to hide). A hidden cell is recoverable when
no other table fitting all of that gives it another value. The row and column equations of a
table with totals are a transportation problem: another fitting table differs from the true one
by a circulation on the hidden cells, which decomposes into cycles that each move one unit
within the bounds (the constraint matrix is totally unimodular). So a cell can take another
value exactly when a cycle through it exists in the residual graph, a path search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SMALL = range(1, 5)
HIDE_FROM = 5  # complementary cells are chosen among counts of at least this
UNBOUNDED = 10**12

Cell = tuple[int, int]


@dataclass
class CountTable:
    """Counts with optional margins, on one grid: rows ``0..n-1`` and columns ``0..m-1`` are the
    table, column ``m`` holds the row totals (when ``row_totals``), row ``n`` the column totals
    (when ``column_totals``), and ``(n, m)`` the grand total when both are there."""

    title: str
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int]]
    row_totals: bool = False
    column_totals: bool = False
    total_label: str = ""
    primary: set[Cell] = field(default_factory=set)
    complementary: set[Cell] = field(default_factory=set)
    #: Not published: no hiding pattern kept every hidden cell safe.
    withheld: bool = False

    def __post_init__(self):
        n, m = len(self.cells), len(self.column_labels)
        grid = [list(row) for row in self.cells]
        if self.row_totals:
            for row in grid:
                row.append(sum(row[:m]))
        if self.column_totals:
            grid.append([sum(grid[i][j] for i in range(n)) for j in range(len(grid[0]) if grid
                                                                            else m)])
        self.grid = grid

    @property
    def size(self) -> tuple[int, int]:
        """The table's own rows and columns, margins aside."""
        return len(self.cells), len(self.column_labels)

    def positions(self) -> Iterable[Cell]:
        for i, row in enumerate(self.grid):
            for j in range(len(row)):
                yield i, j

    def value(self, cell: Cell) -> int:
        return self.grid[cell[0]][cell[1]]

    @property
    def hidden(self) -> set[Cell]:
        return self.primary | self.complementary

    def shown(self, cell: Cell) -> str | int:
        """What the published table says for a cell."""
        if self.withheld:
            return ""
        if cell in self.primary:
            return "<5"
        if cell in self.complementary:
            return "x"
        return self.value(cell)

    # --- the grid's structure ------------------------------------------------------------------

    def is_margin(self, cell: Cell) -> bool:
        n, m = self.size
        return cell[0] == n or cell[1] == m

    def sign(self, cell: Cell) -> int:
        """+1 for a cell of the table and the grand total, -1 for a row or column total: every
        row and column of the signed grid then adds up to 0."""
        n, m = self.size
        return -1 if (cell[0] == n) != (cell[1] == m) else 1

    def nodes(self, cell: Cell) -> tuple[object, object]:
        """The row and the column a cell balances in; a line without a total is no equation, all
        of them one free node."""
        row = ("row", cell[0]) if self.row_totals else "free"
        column = ("column", cell[1]) if self.column_totals else "free"
        return row, column

    def members(self, cell: Cell) -> list[Cell]:
        """The other cells of the equations ``cell`` is in."""
        i, j = cell
        found = []
        if self.row_totals:
            found += [(i, k) for k in range(len(self.grid[i])) if k != j]
        if self.column_totals:
            found += [(k, j) for k in range(len(self.grid)) if k != i]
        return found

    def bounds(self, cell: Cell) -> tuple[int, int]:
        """What a reader knows of a hidden cell."""
        return (1, 4) if cell in self.primary else (HIDE_FROM, UNBOUNDED)


def _may_move(table: CountTable, cell: Cell, up: bool) -> bool:
    """Can the signed value of a hidden cell go up (or down) by one within its bounds?"""
    low, high = table.bounds(cell)
    value = table.value(cell)
    raise_value = up == (table.sign(cell) > 0)
    return value < high if raise_value else value > low


def recoverable(table: CountTable, cell: Cell) -> bool:
    """Is the hidden ``cell`` the only value that fits everything the table shows?"""
    row, column = table.nodes(cell)
    if row == column == "free":
        return False
    arcs: dict[object, list[object]] = {}
    for other in table.hidden - {cell}:
        a, b = table.nodes(other)
        if _may_move(table, other, up=True):
            arcs.setdefault(a, []).append(b)
        if _may_move(table, other, up=False):
            arcs.setdefault(b, []).append(a)

    def reaches(start, goal) -> bool:
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            for following in arcs.get(node, ()):
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        return False

    up = _may_move(table, cell, up=True) and reaches(column, row)
    down = _may_move(table, cell, up=False) and reaches(row, column)
    return not (up or down)


def suppress(table: CountTable) -> CountTable:
    """Hide the small counts and as few others as the check needs; returns the table."""
    table.primary = {cell for cell in table.positions() if table.value(cell) in SMALL}
    table.complementary, table.withheld = set(), False
    while True:
        exposed = sorted(cell for cell in table.hidden if recoverable(table, cell))
        if not exposed:
            return table
        cell = exposed[0]
        candidates = [c for c in table.members(cell) if c not in table.hidden
                      and table.value(c) >= HIDE_FROM]
        if not candidates:
            # Nothing left to hide beside it: hide every count of 5 or more; if even that
            # gives something away, the table is not published at all.
            table.complementary |= {c for c in table.positions()
                                    if c not in table.primary and table.value(c) >= HIDE_FROM}
            table.withheld = any(recoverable(table, c) for c in table.hidden)
            return table
        # The smallest count of the table itself first; a total only when nothing else is left.
        table.complementary.add(min(candidates, key=lambda c: (table.is_margin(c),
                                                                table.value(c), c)))
