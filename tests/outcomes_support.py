"""Shared outcome data: a provider's year with known counts (tests/store, tests/api)."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import Provider

from service.app.catalogue import create_module, create_programme
from service.store import Database, Repositories
from service.store.models import StatusEntryRow, StatusListRow
from service.store.repositories import NewCredential, new_id

NOW = datetime(2026, 1, 15, tzinfo=UTC)


def at(month: int, day: int = 10) -> datetime:
    return datetime(2025, month, day, 9, 30, tzinfo=UTC)


def seed(db: Database, provider: Provider) -> dict[str, str]:
    """Welding (EQF 2) and advanced welding (EQF 3): 30 credentials in March (12 advanced,
    3 of them by learners who held the basic one since February), 4 in April, one in
    December 2024 (outside the year); 2 revoked in April, 1 suspended then lifted."""
    issuer = provider.issuer
    with db.transaction() as session:
        repo = Repositories(session)
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
            repo.credentials.add_credentials(
                issuer_id=issuer.id,
                credentials=[NewCredential(i, module_id, "L", None, {"id": i}) for i in ids],
                batch_id=None,
                now=when,
            )
            return ids

        links = [
            repo.wallet.add_wallet_link(
                issuer_id=issuer.id, token_hash=new_id(), learner_ref=None, language=None, now=NOW
            ).id
            for _ in range(4)
        ]
        earlier = issue(basic.id, at(2), 4)  # four learners' basic credential
        later = issue(advanced.id, at(3), 3)  # three of them progress in March
        lateral = issue(basic.id, at(3, 20), 1)  # the fourth earns the same level again
        repo.wallet.attach_to_wallet_links(
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
        repo.outcomes.add_engagement(
            {
                (issuer.did, "2025-03", "DE"): 40,
                (issuer.did, "2025-03", ""): 3,
                ("did:web:elsewhere.example", "2025-03", "DE"): 99,  # not ours: not counted
            }
        )
        repo.outcomes.add_engagement({(issuer.did, "2025-03", "DE"): 2})
        return {"programme": programme.id, "basic": basic.id, "advanced": advanced.id}
