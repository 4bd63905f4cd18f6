"""Differencing across periods, attacked: a reader asks for every run of months in a year
(Jan-Mar, Jan-Feb, Feb-Mar, ...), keeps every figure published, and tries to get back a
withheld monthly cell by exact linear algebra over everything they hold. With the protection
(:func:`service.app.disclosure.protect_period`: every period's figures come from the one
protected table of its year) they must fail; with each period's table protected on its own,
as before, the same attacker gets cells back, so the test can fail.

Rounding is off (base 1): it blurs figures too, and the claim under test is that the period
design alone protects.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app.disclosure import (
    CountTable,
    DisclosurePolicy,
    PublishedTable,
    primary_entries,
    protect,
    protect_period,
)

POLICY = DisclosurePolicy(min_count=5, rounding_base=1)
MONTHS = tuple(f"2025-{m:02d}" for m in range(1, 13))
PRIME = 2**61 - 1  # ranks over GF(p) for a large p equal ranks over the rationals here

Publisher = Callable[[CountTable, tuple[str, ...]], PublishedTable]


def periods() -> list[tuple[str, ...]]:
    """Every run of consecutive months within the year (78 of them)."""
    return [MONTHS[a:b] for a in range(12) for b in range(a + 1, 13)]


def new_way(table: CountTable, rows: tuple[str, ...]) -> PublishedTable:
    return protect_period(table, period_rows=rows, policy=POLICY)


def old_way(table: CountTable, rows: tuple[str, ...]) -> PublishedTable:
    """Each period's table protected on its own (what the service did before)."""
    index = [table.rows.index(r) for r in rows]
    part = CountTable(rows, table.columns, tuple(table.cells[i] for i in index))
    return protect(part, policy=POLICY)


def facts(table: CountTable, publish: Publisher) -> set[tuple[int, ...]]:
    """Every published figure of every period as a linear function of the monthly cells
    (unknown ``m * columns + j``): what the attacker can form equations from."""
    width = len(table.columns)
    known: set[tuple[int, ...]] = set()

    def add(cells: list[tuple[int, int]]) -> None:
        vector = [0] * (len(MONTHS) * width)
        for m, j in cells:
            vector[m * width + j] = 1
        known.add(tuple(vector))

    for rows in periods():
        published = publish(table, rows)
        months = [MONTHS.index(r) for r in published.rows]
        for m, line, total in zip(months, published.cells, published.row_totals, strict=True):
            for j, value in enumerate(line):
                if value is not None:
                    add([(m, j)])
            if total is not None:
                add([(m, j) for j in range(width)])
        for j, value in enumerate(published.column_totals):
            if value is not None:
                add([(m, j) for m in months])
        if published.total is not None:
            add([(m, j) for m in months for j in range(width)])
    return known


def determined(known: set[tuple[int, ...]], size: int) -> set[int]:
    """The unknowns whose value the known linear functions fix (unit vector in their span)."""
    basis: dict[int, list[int]] = {}  # pivot -> row, reduced

    def reduce(vector: list[int]) -> list[int]:
        v = vector[:]
        for pivot, row in basis.items():
            if v[pivot]:
                factor = v[pivot] * pow(row[pivot], -1, PRIME) % PRIME
                v = [(a - factor * b) % PRIME for a, b in zip(v, row, strict=True)]
        return v

    for vector in known:
        v = reduce(list(vector))
        pivot = next((i for i, a in enumerate(v) if a), None)
        if pivot is not None:
            for other, row in basis.items():  # keep every row reduced at every pivot
                if row[pivot]:
                    factor = row[pivot] * pow(v[pivot], -1, PRIME) % PRIME
                    basis[other] = [(a - factor * b) % PRIME for a, b in zip(row, v, strict=True)]
            basis[pivot] = v
    return {i for i in range(size) if not any(reduce([int(k == i) for k in range(size)]))}


def recovered(table: CountTable, publish: Publisher) -> set[tuple[str, str]]:
    """The small monthly cells (withheld by every period) that the attacker works out."""
    width = len(table.columns)
    small = {(i, j) for i, j in primary_entries(table, POLICY) if i < len(MONTHS) and j < width}
    solved = determined(facts(table, publish), len(MONTHS) * width)
    return {(MONTHS[i], table.columns[j]) for i, j in small if i * width + j in solved}


counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 40))
tables = st.integers(1, 3).flatmap(
    lambda width: st.lists(
        st.lists(counts, min_size=width, max_size=width), min_size=12, max_size=12
    ).map(
        lambda cells: CountTable(MONTHS, tuple("ABC"[:width]), tuple(tuple(line) for line in cells))
    )
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_differencing_periods_recovers_no_withheld_cell(table: CountTable) -> None:
    assert recovered(table, new_way) == set()


def test_the_attack_works_on_periods_protected_one_by_one() -> None:
    # January's 3 in column A is withheld in every period, but the Jan-Mar and Feb-Mar
    # column totals of A (33 and 30) are each published by its own table.
    cells = [(3, 20), (15, 15), (15, 15)] + [(20, 20)] * 9
    table = CountTable(MONTHS, ("A", "B"), tuple(cells))
    assert ("2025-01", "A") in recovered(table, old_way)
    assert recovered(table, new_way) == set()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_every_period_shows_what_its_year_shows(table: CountTable) -> None:
    year = protect(table, policy=POLICY)
    for rows in periods():
        published = new_way(table, rows)
        first = MONTHS.index(rows[0])
        assert published.cells == year.cells[first : first + len(rows)]
        assert published.row_totals == year.row_totals[first : first + len(rows)]
    whole = new_way(table, MONTHS)
    assert (whole.column_totals, whole.total) == (year.column_totals, year.total)


def test_old_way_recovers_cells_on_random_tables_too() -> None:
    """Not a one-off: over random years, protecting periods one by one leaks."""
    found = 0

    @settings(max_examples=40, deadline=None, database=None)
    @given(tables)
    def attack(table: CountTable) -> None:
        nonlocal found
        found += bool(recovered(table, old_way))

    attack()
    assert found > 0
