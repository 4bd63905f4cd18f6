"""Statistical disclosure control for published outcome tables (pure: no I/O, no clock).

A table of counts (rows x columns, e.g. months x modules) is published with its row totals,
column totals and grand total. Before it leaves the service:

1. **Primary suppression.** Every cell *and every total* with ``0 < n < k`` is withheld
   (``k``: :attr:`DisclosurePolicy.min_count`, default 10, never below 5). A zero is
   published: "nobody" identifies no one.
2. **Complementary suppression.** Withholding one cell is not enough: its row total minus
   the row's other cells gives it back. Write the table with its totals as an
   (r+1) x (c+1) grid ``Y`` (cells as they are, row and column totals negated, the grand
   total as it is): every row and every column of ``Y`` sums to zero, and those are all
   the linear facts a reader has. Take the withheld entries as edges of a bipartite graph
   (grid row <-> grid column). An entry is determined by the published figures exactly
   when its edge is a *bridge* of that graph (a tree of unknowns unravels from its
   leaves); an entry on a *cycle* is not: adding +1, -1, +1, ... around the cycle keeps
   every sum, and since every withheld entry is at least 1 (zeros are never withheld),
   every value stays non-negative. So we withhold further cells, the cheapest path of
   them (smallest counts; totals only when no cell will do), until no withheld entry is
   a bridge. Each withheld entry then has at least two values consistent with everything
   published; ``tests/unit/test_disclosure.py`` attacks the output by exact linear
   algebra and by brute force.
3. **Rounding.** Every published figure is rounded to a base (default 5) independently,
   so published totals need not equal the sum of the published cells (that is expected).

Suppression is decided on the exact counts; rounding is applied last and never changes
which entries are withheld.

Periods. Two reports over overlapping periods are linked tables: protected one by one, Jan-Mar
and Jan-Feb would differ by March's column and give back a March cell withheld in both. So a
report is never protected on its own (:func:`protect_period`): every figure in it is taken
from, or added up from, the published figures of fixed tables, one per calendar year (its 12
months x the columns, with month, column and year totals), each protected once as above. The
cells and month totals of any period are those of its years' tables; its column totals and
total are the year's own for a whole calendar year and otherwise the sums of the published
figures (withheld when one is). Whatever periods a reader asks for, everything they hold is a
function of those year tables, so differencing periods gives nothing that the year tables do
not (the fixed-table-design practice of statistical offices: protect the table once and derive
every release from it; e.g. Hundepool et al., *Statistical Disclosure Control*, 2012, 4.4 on
linked tables). Tables of different years share no cell, so they are not linked.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The smallest minimum cell count an operator may configure.
MIN_COUNT_FLOOR = 5


@dataclass(frozen=True)
class DisclosurePolicy:
    """``min_count`` (k): the smallest count published (default 10, never below 5);
    ``rounding_base``: published figures are rounded to a multiple of it (1: not rounded)."""

    min_count: int = 10
    rounding_base: int = 5

    def __post_init__(self) -> None:
        if self.min_count < MIN_COUNT_FLOOR:
            raise ValueError(
                f"The minimum cell count must be at least {MIN_COUNT_FLOOR}; got {self.min_count}."
            )
        if self.rounding_base < 1:
            raise ValueError(f"The rounding base must be at least 1; got {self.rounding_base}.")

    def round(self, n: int) -> int:
        """``n`` rounded to the nearest multiple of the base (halves up)."""
        base = self.rounding_base
        return ((n + base // 2) // base) * base


@dataclass(frozen=True)
class CountTable:
    """Exact counts: ``cells[i][j]`` for row ``rows[i]`` and column ``columns[j]``."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.rows) or any(
            len(line) != len(self.columns) for line in self.cells
        ):
            raise ValueError("A count table needs one cell per row and column.")
        if any(n < 0 for line in self.cells for n in line):
            raise ValueError("Counts are never negative.")

    @classmethod
    def build(
        cls,
        rows: Sequence[str],
        columns: Sequence[str],
        counts: dict[tuple[str, str], int],
    ) -> CountTable:
        """A table from sparse ``{(row, column): n}`` (absent pairs are 0)."""
        return cls(
            rows=tuple(rows),
            columns=tuple(columns),
            cells=tuple(tuple(counts.get((r, c), 0) for c in columns) for r in rows),
        )


@dataclass(frozen=True)
class PublishedTable:
    """What may be shown: ``None`` marks a withheld figure; the rest are rounded."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    min_count: int
    rounding_base: int

    @property
    def withheld(self) -> int:
        """How many figures (cells and totals) are withheld."""
        grid = [*self.cells, self.column_totals]
        return sum(v is None for line in grid for v in line) + sum(
            v is None for v in (*self.row_totals, self.total)
        )


def grid_of(table: CountTable) -> list[list[int]]:
    """The (r+1) x (c+1) grid of exact figures: cells, each row's total in the last column,
    each column's total in the last row, the grand total in the corner."""
    grid = [[*line, sum(line)] for line in table.cells]
    columns = len(table.columns)
    grid.append([sum(line[j] for line in grid) for j in range(columns + 1)])
    return grid


def withheld_entries(table: CountTable, policy: DisclosurePolicy) -> set[tuple[int, int]]:
    """The grid entries (see :func:`grid_of`) to withhold: primary, then complementary."""
    grid = grid_of(table)
    withheld = {
        (i, j)
        for i, line in enumerate(grid)
        for j, n in enumerate(line)
        if 0 < n < policy.min_count
    }
    return complete_suppression(grid, withheld)


def primary_entries(table: CountTable, policy: DisclosurePolicy) -> set[tuple[int, int]]:
    """The grid entries that are small themselves (what complementary suppression protects)."""
    return {
        (i, j)
        for i, line in enumerate(grid_of(table))
        for j, n in enumerate(line)
        if 0 < n < policy.min_count
    }


def complete_suppression(
    grid: list[list[int]], withheld: set[tuple[int, int]]
) -> set[tuple[int, int]]:
    """``withheld`` plus the fewest-and-smallest further entries such that no withheld entry
    is a bridge of the row/column graph (so none can be solved for; module docstring)."""
    withheld = set(withheld)
    rows = len(grid)
    while True:
        bridge = next((e for e in sorted(withheld) if _is_bridge(e, withheld, rows)), None)
        if bridge is None:
            return withheld
        path = _cheapest_cycle_path(grid, withheld, bridge)
        withheld.update(path)


def _neighbours(withheld: set[tuple[int, int]], rows: int) -> dict[int, list[int]]:
    # Nodes: grid row i is i, grid column j is rows + j.
    graph: dict[int, list[int]] = {}
    for i, j in withheld:
        graph.setdefault(i, []).append(rows + j)
        graph.setdefault(rows + j, []).append(i)
    return graph


def _is_bridge(edge: tuple[int, int], withheld: set[tuple[int, int]], rows: int) -> bool:
    """Whether removing ``edge`` disconnects its two ends (then it is determined)."""
    graph = _neighbours(withheld - {edge}, rows)
    start, goal = edge[0], rows + edge[1]
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return False
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return True


def _cost(grid: list[list[int]], i: int, j: int) -> int | None:
    """What withholding entry (i, j) costs readers; ``None``: it cannot protect (a zero)."""
    n = grid[i][j]
    if n == 0:
        return None
    rows, columns = len(grid), len(grid[0])
    grand = grid[rows - 1][columns - 1]
    on_margin = (i == rows - 1) + (j == columns - 1)
    # Totals are what readers use most: take one only when no path of cells exists.
    return n + on_margin * (grand + 1) * rows * columns


def _cheapest_cycle_path(
    grid: list[list[int]], withheld: set[tuple[int, int]], edge: tuple[int, int]
) -> list[tuple[int, int]]:
    """The cheapest set of entries joining the ends of ``edge`` without it (Dijkstra; withheld
    entries cost nothing), which closes a cycle through ``edge``."""
    rows, columns = len(grid), len(grid[0])
    start, goal = edge[0], rows + edge[1]
    best: dict[int, int] = {start: 0}
    came: dict[int, tuple[int, tuple[int, int]]] = {}
    heap = [(0, start)]
    while heap:
        cost, node = heapq.heappop(heap)
        if node == goal:
            break
        if cost > best.get(node, cost):
            continue
        if node < rows:
            steps = [((node, j), rows + j) for j in range(columns)]
        else:
            steps = [((i, node - rows), i) for i in range(rows)]
        for entry, nxt in steps:
            if entry == edge:
                continue
            step = 0 if entry in withheld else _cost(grid, *entry)
            if step is None:
                continue
            total = cost + step
            if total < best.get(nxt, total + 1):
                best[nxt] = total
                came[nxt] = (node, entry)
                heapq.heappush(heap, (total, nxt))
    if goal not in came:
        # Unreachable: a non-zero entry has non-zero totals above it, which join its ends.
        raise RuntimeError("No complementary suppression path; the table is inconsistent.")
    path = []
    node = goal
    while node != start:
        node, entry = came[node]
        path.append(entry)
    return [entry for entry in path if entry not in withheld]


def protect(table: CountTable, *, policy: DisclosurePolicy) -> PublishedTable:
    """The table as it may be published: withheld figures are ``None``, the rest rounded."""
    grid = grid_of(table)
    withheld = withheld_entries(table, policy)
    shown = [
        [None if (i, j) in withheld else policy.round(n) for j, n in enumerate(line)]
        for i, line in enumerate(grid)
    ]
    last = len(table.columns)
    return PublishedTable(
        rows=table.rows,
        columns=table.columns,
        cells=tuple(tuple(line[:last]) for line in shown[:-1]),
        row_totals=tuple(line[last] for line in shown[:-1]),
        column_totals=tuple(shown[-1][:last]),
        total=shown[-1][last],
        min_count=policy.min_count,
        rounding_base=policy.rounding_base,
    )


def protect_period(
    table: CountTable, *, period_rows: Sequence[str], policy: DisclosurePolicy
) -> PublishedTable:
    """The rows ``period_rows`` (months ``YYYY-MM``) as they may be published, taken from the
    protected tables of their calendar years (module docstring, *Periods*). ``table`` holds
    every month of each of those years (its rows grouped by year, in order)."""
    years: dict[str, list[int]] = {}
    for i, row in enumerate(table.rows):
        years.setdefault(row[:4], []).append(i)
    frames = {
        year: protect(
            CountTable(
                rows=tuple(table.rows[i] for i in rows),
                columns=table.columns,
                cells=tuple(table.cells[i] for i in rows),
            ),
            policy=policy,
        )
        for year, rows in years.items()
    }
    wanted = set(period_rows)
    cells: list[tuple[int | None, ...]] = []
    row_totals: list[int | None] = []
    column_totals: list[int | None] = [0] * len(table.columns)
    total: int | None = 0
    for frame in frames.values():
        shown = [i for i, row in enumerate(frame.rows) if row in wanted]
        if not shown:
            continue
        cells.extend(frame.cells[i] for i in shown)
        row_totals.extend(frame.row_totals[i] for i in shown)
        whole = len(shown) == len(frame.rows)
        for j in range(len(table.columns)):
            part = frame.column_totals[j] if whole else _sum(frame.cells[i][j] for i in shown)
            column_totals[j] = _sum((column_totals[j], part))
        total = _sum((total, frame.total if whole else _sum(frame.row_totals[i] for i in shown)))
    return PublishedTable(
        rows=tuple(row for frame in frames.values() for row in frame.rows if row in wanted),
        columns=table.columns,
        cells=tuple(cells),
        row_totals=tuple(row_totals),
        column_totals=tuple(column_totals),
        total=total,
        min_count=policy.min_count,
        rounding_base=policy.rounding_base,
    )


def _sum(values: Iterable[int | None]) -> int | None:
    """The sum of published figures; withheld (None) when one of them is."""
    out = 0
    for value in values:
        if value is None:
            return None
        out += value
    return out


__all__ = [
    "MIN_COUNT_FLOOR",
    "CountTable",
    "DisclosurePolicy",
    "PublishedTable",
    "complete_suppression",
    "grid_of",
    "primary_entries",
    "protect",
    "protect_period",
    "withheld_entries",
]
