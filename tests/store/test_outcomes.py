"""Outcome indicators on both databases: the SQL aggregates count what was stored (by month,
module, programme, status, learner progression, verifier country), one provider never counts
another's, and the published report withholds every small figure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from conftest import Provider

from service.app.disclosure import DisclosurePolicy
from service.app.issuing import create_module, create_programme
from service.app.outcomes import Period, operator_outcomes, provider_outcomes
from service.store import Database, Repository
from service.store.models import StatusEntryRow, StatusListRow
from service.store.repositories import NewCredential, new_id
from service.store.repositories.outcomes import OutcomesRepository

NOW = datetime(2026, 1, 15, tzinfo=UTC)
YEAR = Period.parse("2025-01", "2025-12")


def at(month: int, day: int = 10) -> datetime:
    return datetime(2025, month, day, 9, 30, tzinfo=UTC)


def seed(db: Database, provider: Provider) -> dict[str, str]:
    """Welding (EQF 2) and advanced welding (EQF 3): 30 credentials in March (12 advanced,
    3 of them by learners who held the basic one since February), 4 in April, one in
    December 2024 (outside the year); 2 revoked in April, 1 suspended then lifted."""
    issuer = provider.issuer
    with db.transaction() as session:
        repo = Repository(session)
        programme = create_programme(
            repo,
            issuer=issuer,
            data={"defaultLanguage": "en", "name": {"en": "Metal trades"}},
            actor="test",
            now=NOW,
        )
        basic = create_module(
            repo,
            issuer=issuer,
            data={"defaultLanguage": "en", "code": "WELD-1", "name": {"en": "W"}, "eqfLevel": 2},
            actor="test",
            now=NOW,
        )
        advanced = create_module(
            repo,
            issuer=issuer,
            data={"defaultLanguage": "en", "code": "WELD-2", "name": {"en": "A"}, "eqfLevel": 3},
            actor="test",
            now=NOW,
        )

        def issue(module_id: str, when: datetime, n: int) -> list[str]:
            ids = [new_id() for _ in range(n)]
            repo.add_credentials(
                issuer_id=issuer.id,
                credentials=[NewCredential(i, module_id, "L", None, {"id": i}) for i in ids],
                batch_id=None,
                now=when,
            )
            return ids

        links = [
            repo.add_wallet_link(
                issuer_id=issuer.id, token_hash=new_id(), learner_ref=None, language=None, now=NOW
            ).id
            for _ in range(4)
        ]
        earlier = issue(basic.id, at(2), 4)  # four learners' basic credential
        later = issue(advanced.id, at(3), 3)  # three of them progress in March
        lateral = issue(basic.id, at(3, 20), 1)  # the fourth earns the same level again
        repo.attach_to_wallet_links(
            issuer.id,
            {
                **dict(zip(earlier, links, strict=True)),
                **dict(zip(later, links[:3], strict=True)),
                lateral[0]: links[3],
            },
        )
        issue(basic.id, at(3), 17)
        issue(advanced.id, at(3), 9)
        april = issue(basic.id, at(4), 4)
        issue(basic.id, datetime(2024, 12, 31, 23, 59, tzinfo=UTC), 1)
        for purpose, ids, is_set in (
            ("revocation", april[:2], True),
            ("suspension", april[2:3], False),
        ):
            status_list = StatusListRow(
                id=new_id(),
                issuer_id=issuer.id,
                purpose=purpose,
                size=131072,
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(status_list)
            session.flush()
            for position, credential_id in enumerate(ids):
                session.add(
                    StatusEntryRow(
                        list_id=status_list.id,
                        position=position,
                        credential_id=credential_id,
                        is_set=is_set,
                        reason=None,
                        updated_at=at(4, 20),
                    )
                )
        OutcomesRepository.of(repo).add_engagement(
            {
                (issuer.did, "2025-03", "DE"): 40,
                (issuer.did, "2025-03", ""): 3,
                ("did:web:elsewhere.example", "2025-03", "DE"): 99,  # not ours: not counted
            }
        )
        OutcomesRepository.of(repo).add_engagement({(issuer.did, "2025-03", "DE"): 2})
        return {"programme": programme.id, "basic": basic.id, "advanced": advanced.id}


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
            Repository(session),
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
            Repository(session), period=YEAR, policy=DisclosurePolicy(), now=NOW
        )
    issued = report.indicators[0].table
    assert issued.columns == ("alpha", "beta")
    assert issued.cells[issued.rows.index("2025-03")] == (30, 30)
    assert report.to_json()["provider"] is None
