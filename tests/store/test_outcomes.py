"""Outcome indicators on both databases: the SQL aggregates count what was stored (by month,
module, programme, status, learner progression, verifier country), one provider never counts
another's, and the published report withholds every small figure."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Provider
from outcomes_support import NOW, seed

from service.app.disclosure import DisclosurePolicy
from service.app.outcomes import Period, operator_outcomes, provider_outcomes
from service.store import Database, Repositories
from service.store.repositories.outcomes import OutcomesRepository

YEAR = Period.parse("2025-01", "2025-12")


def test_sql_aggregates_count_what_was_stored(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    provider = make_provider()
    other = make_provider("Beta Academy")
    ids = seed(db, provider)
    seed(db, other)  # the same again for another provider: never in the first one's counts
    with db.transaction() as session:
        store = OutcomesRepository(session)
        window = {"issuer_id": provider.issuer.id, "start": YEAR.start, "end": YEAR.end}
        assert store.credentials_issued(**window) == {  # type: ignore[arg-type]
            ("2025-02", ids["basic"]): 4,
            ("2025-03", ids["advanced"]): 12,
            ("2025-03", ids["basic"]): 18,
            ("2025-04", ids["basic"]): 4,
        }
        assert store.status_changes(**window) == {("2025-04", "revocation"): 2}  # type: ignore[arg-type]
        assert store.progression(**window) == {("2025-03", "progressed"): 3}  # type: ignore[arg-type]
        assert store.qualifications(**window) == {}  # type: ignore[arg-type]
        assert store.engagement(issuer_id=provider.issuer.id, start="2025-01", end="2025-12") == {
            ("2025-03", "DE"): 42,
            ("2025-03", ""): 3,
        }
        across = store.credentials_issued(issuer_id=None, start=YEAR.start, end=YEAR.end)
        assert across[("2025-03", provider.issuer.id)] == 30
        assert across[("2025-03", other.issuer.id)] == 30


def test_the_report_withholds_every_small_figure(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    provider = make_provider()
    seed(db, provider)
    with db.transaction() as session:
        report = provider_outcomes(
            Repositories(session),
            issuer_slug=provider.slug,
            period=YEAR,
            policy=DisclosurePolicy(),
            now=NOW,
        )
    issued = {ind.id: ind for ind in report.indicators}["credentialsIssued"].table
    assert issued.columns == ("WELD-1", "WELD-2")
    assert len(issued.rows) == 12
    march = issued.rows.index("2025-03")
    assert issued.cells[march] == (20, 10)  # 18 and 12, rounded to base 5
    assert issued.row_totals[march] == 30
    # February (4) and April (4) are small: withheld with their totals, and enough else
    # that neither can be worked out.
    for month in ("2025-02", "2025-04"):
        row = issued.rows.index(month)
        assert issued.cells[row][0] is None and issued.row_totals[row] is None
    progression = {ind.id: ind for ind in report.indicators}["progression"].table
    assert all(cell is None or cell == 0 for line in progression.cells for cell in line)
    engagement = {ind.id: ind for ind in report.indicators}["employerVerifications"].table
    assert engagement.columns == ("DE", "other")
    # 3 of unknown country: withheld; the only other figure in its column is its column
    # total, so the cycle runs through Germany's March and total (45 overall is shown).
    assert engagement.cells[march] == (None, None)
    assert engagement.column_totals == (None, None)
    assert engagement.row_totals[march] == 45
    body = report.to_json()
    assert body["disclosureControl"]["minimumCount"] == 10
    for indicator in body["indicators"]:
        for line in indicator["cells"]:
            assert all(v is None or v == 0 or v >= 10 for v in line)


def test_the_operator_sees_providers_side_by_side(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    a = make_provider("Alpha Skills", slug="alpha")
    b = make_provider("Beta Academy", slug="beta")
    seed(db, a)
    seed(db, b)
    with db.transaction() as session:
        report = operator_outcomes(
            Repositories(session), period=YEAR, policy=DisclosurePolicy(), now=NOW
        )
    issued = report.indicators[0].table
    assert issued.columns == ("alpha", "beta")
    assert issued.cells[issued.rows.index("2025-03")] == (30, 30)
    assert report.to_json()["provider"] is None
