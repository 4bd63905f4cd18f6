"""Disclosure control attacked: a reader who holds every published figure tries to get back
each withheld one, by exact linear algebra over the rationals and by brute force over the
integers, and must fail. The attackers are written from the table's meaning (cells sum to
their row and column totals, counts are non-negative), not from the module's graph argument.

Suppression is attacked with rounding off (base 1): rounding also blurs figures, and the
claim under test is that suppression alone protects. The attackers are shown to succeed on
primary suppression alone, so the tests would fail if complementary suppression went.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import disclosure
from service.app.disclosure import (
    CountTable,
    DisclosurePolicy,
    PublishedTable,
    grid_of,
    primary_entries,
    protect,
)

Entry = tuple[int, int]


def published_grid(published: PublishedTable) -> list[list[int | None]]:
    grid: list[list[int | None]] = [
        [*line, total] for line, total in zip(published.cells, published.row_totals, strict=True)
    ]
    grid.append([*published.column_totals, published.total])
    return grid


def equations(rows: int, columns: int) -> list[dict[Entry, int]]:
    """Every linear fact about an (r+1) x (c+1) grid: each row's cells minus its total, and
    each column's cells minus its total, are zero (the totals row/column included)."""
    facts: list[dict[Entry, int]] = []
    for i in range(rows + 1):
        facts.append({**{(i, j): 1 for j in range(columns)}, (i, columns): -1})
    for j in range(columns + 1):
        facts.append({**{(i, j): 1 for i in range(rows)}, (rows, j): -1})
    return facts


def rank(matrix: list[list[Fraction]]) -> int:
    """Rank by exact Gaussian elimination."""
    m = [row[:] for row in matrix]
    r = 0
    width = len(m[0]) if m else 0
    for col in range(width):
        pivot = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                factor = m[i][col] / m[r][col]
                m[i] = [a - factor * b for a, b in zip(m[i], m[r], strict=True)]
        r += 1
    return r


def solvable_by_algebra(published: PublishedTable) -> set[Entry]:
    """Withheld entries that the published figures determine (over the reals): those whose
    unit vector lies in the row space of the system restricted to the unknowns."""
    grid = published_grid(published)
    unknown = [(i, j) for i, line in enumerate(grid) for j, v in enumerate(line) if v is None]
    if not unknown:
        return set()
    system = [
        [Fraction(fact.get(entry, 0)) for entry in unknown]
        for fact in equations(len(published.rows), len(published.columns))
    ]
    base = rank(system)
    solved = set()
    for k, entry in enumerate(unknown):
        unit = [Fraction(int(n == k)) for n in range(len(unknown))]
        if rank([*system, unit]) == base:
            solved.add(entry)
    return solved


def feasible_values(published: PublishedTable, bound: int) -> dict[Entry, set[int]]:
    """Brute force: every non-negative integer completion of the withheld figures (each at
    most ``bound``) that agrees with every published one; the values each entry takes.
    (A depth-first search over the withheld cells that prunes partial sums above a published
    total; it still visits every completion.)"""
    grid = published_grid(published)
    rows, columns = len(published.rows), len(published.columns)
    unknown = [(i, j) for i in range(rows) for j in range(columns) if grid[i][j] is None]
    seen: dict[Entry, set[int]] = {
        (i, j): set() for i, line in enumerate(grid) for j, v in enumerate(line) if v is None
    }
    cells = [[grid[i][j] or 0 for j in range(columns)] for i in range(rows)]

    def cap(total: int | None, partial: int) -> int:
        return bound if total is None else total - partial

    def search(k: int) -> None:
        if k == len(unknown):
            full = grid_of(
                CountTable(
                    rows=published.rows,
                    columns=published.columns,
                    cells=tuple(tuple(line) for line in cells),
                )
            )
            if all(
                grid[i][j] is None or grid[i][j] == full[i][j]
                for i in range(rows + 1)
                for j in range(columns + 1)
            ):
                for i, j in seen:
                    seen[(i, j)].add(full[i][j])
            return
        i, j = unknown[k]
        cells[i][j] = 0
        top = min(
            cap(grid[i][columns], sum(cells[i])),
            cap(grid[rows][j], sum(line[j] for line in cells)),
            cap(grid[rows][columns], sum(map(sum, cells))),
        )
        for v in range(top + 1):
            cells[i][j] = v
            search(k + 1)
        cells[i][j] = 0

    search(0)
    return seen


def primary_only(table: CountTable, policy: DisclosurePolicy) -> PublishedTable:
    """What would be published without complementary suppression (the attackers' control)."""
    primary = primary_entries(table, policy)
    grid = grid_of(table)
    shown = [
        [None if (i, j) in primary else n for j, n in enumerate(line)]
        for i, line in enumerate(grid)
    ]
    c = len(table.columns)
    return PublishedTable(
        rows=table.rows,
        columns=table.columns,
        cells=tuple(tuple(line[:c]) for line in shown[:-1]),
        row_totals=tuple(line[c] for line in shown[:-1]),
        column_totals=tuple(shown[-1][:c]),
        total=shown[-1][c],
        min_count=policy.min_count,
        rounding_base=1,
    )


EXACT = DisclosurePolicy(min_count=5, rounding_base=1)


def tables(max_rows: int, max_columns: int, max_count: int) -> st.SearchStrategy[CountTable]:
    @st.composite
    def build(draw: st.DrawFn) -> CountTable:
        rows = draw(st.integers(1, max_rows))
        columns = draw(st.integers(1, max_columns))
        # Small counts and zeros are what make tables disclosive; weight towards them.
        count = st.one_of(st.integers(0, 6), st.integers(0, max_count))
        cells = draw(
            st.lists(
                st.lists(count, min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            )
        )
        return CountTable(
            rows=tuple(f"r{i}" for i in range(rows)),
            columns=tuple(f"c{j}" for j in range(columns)),
            cells=tuple(tuple(line) for line in cells),
        )

    return build()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=6, max_columns=7, max_count=60))
def test_linear_algebra_recovers_no_withheld_figure(table: CountTable) -> None:
    published = protect(table, policy=EXACT)
    assert solvable_by_algebra(published) == set()
    # Every small figure is withheld, and no zero is.
    grid, shown = grid_of(table), published_grid(published)
    for i, line in enumerate(grid):
        for j, n in enumerate(line):
            if 0 < n < EXACT.min_count:
                assert shown[i][j] is None
            if n == 0:
                assert shown[i][j] == 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=2, max_columns=3, max_count=8))
def test_brute_force_finds_two_values_for_every_withheld_figure(table: CountTable) -> None:
    published = protect(table, policy=EXACT)
    bound = grid_of(table)[-1][-1] + 1
    for entry, values in feasible_values(published, bound).items():
        true = grid_of(table)[entry[0]][entry[1]]
        assert true in values
        assert len(values) >= 2, f"{entry} recovered as {values}"


def test_the_attackers_succeed_on_primary_suppression_alone() -> None:
    # One small cell; its row and column totals are large: primary suppression withholds
    # only it, and the row total gives it back. Complementary suppression must add more.
    table = CountTable(rows=("jan", "feb"), columns=("weld", "care"), cells=((3, 20), (15, 25)))
    exposed = primary_only(table, EXACT)
    assert solvable_by_algebra(exposed) == {(0, 0)}
    assert feasible_values(exposed, 80)[(0, 0)] == {3}

    published = protect(table, policy=EXACT)
    assert solvable_by_algebra(published) == set()
    assert published.cells == ((None, None), (None, None))  # a 2 x 2 must withhold a cycle
    assert published.row_totals == (23, 40)
    assert published.total == 63


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=5, max_columns=5, max_count=40))
def test_primary_suppression_alone_is_often_recovered(table: CountTable) -> None:
    """Whenever primary suppression alone leaves a figure solvable, the full method does not:
    the pair shows the attack has teeth and the complement is what stops it."""
    if solvable_by_algebra(primary_only(table, EXACT)):
        assert solvable_by_algebra(protect(table, policy=EXACT)) == set()


def test_removing_complementary_suppression_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(disclosure, "complete_suppression", lambda grid, withheld: set(withheld))
    table = CountTable(rows=("jan", "feb"), columns=("weld", "care"), cells=((3, 20), (15, 25)))
    assert solvable_by_algebra(protect(table, policy=EXACT)) == {(0, 0)}


def test_complements_prefer_small_cells_to_totals() -> None:
    table = CountTable(
        rows=("jan", "feb", "mar"),
        columns=("a", "b", "c"),
        cells=((2, 40, 30), (50, 60, 12), (70, 80, 90)),
    )
    published = protect(table, policy=DisclosurePolicy(min_count=10, rounding_base=1))
    assert published.cells[0][0] is None
    # The cheapest cycle through (jan, a): 12 (feb, c), then (jan, c) 30 and (feb, a) 50.
    assert published.cells == ((None, 40, None), (None, 60, None), (70, 80, 90))
    assert None not in published.row_totals and None not in published.column_totals
    assert solvable_by_algebra(published) == set()


def test_rounding_and_policy_bounds() -> None:
    policy = DisclosurePolicy()
    assert (policy.min_count, policy.rounding_base) == (10, 5)
    assert [policy.round(n) for n in (0, 2, 3, 10, 12, 13, 17, 18)] == [0, 0, 5, 10, 10, 15, 15, 20]
    with pytest.raises(ValueError, match="at least 5"):
        DisclosurePolicy(min_count=4)
    with pytest.raises(ValueError, match="rounding base"):
        DisclosurePolicy(rounding_base=0)
    table = CountTable(rows=("jan",), columns=("a", "b"), cells=((12, 33),))
    published = protect(table, policy=policy)
    assert published.cells == ((10, 35),)
    assert published.row_totals == (45,)
    assert published.withheld == 0


def test_a_small_total_is_withheld_with_its_cells() -> None:
    # A whole small row: its total is small too; both it and its cells are protected.
    table = CountTable(rows=("jan", "feb"), columns=("a", "b"), cells=((1, 2), (30, 40)))
    published = protect(table, policy=EXACT)
    assert published.row_totals[0] is None
    assert published.cells[0] == (None, None)
    assert solvable_by_algebra(published) == set()
