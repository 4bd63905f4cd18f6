"""The repository on both databases: provider scoping, slugs, key rotation, the idempotency
claim under a real race, and signed documents stored as they were signed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from conftest import Provider, table_counts

from service.app.catalogue import create_module, create_programme
from service.app.engine import Engine
from service.app.providers import rotate_key
from service.errors import ConflictError, NotFoundError
from service.store import Database, Repositories
from service.store.repositories import NewCredential, new_id

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


def test_a_provider_never_reads_another_providers_records(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    a = make_provider("Alpha Skills")
    b = make_provider("Beta Academy")
    credential_id = new_id()
    with db.transaction() as session:
        repo = Repositories(session)
        programme = create_programme(
            repo,
            issuer=a.issuer,
            data={"defaultLanguage": "en", "name": {"en": "Metal trades"}},
            actor="test",
            now=NOW,
        )
        module = create_module(
            repo,
            issuer=a.issuer,
            data={"defaultLanguage": "en", "name": {"en": "Welding"}},
            actor="test",
            now=NOW,
        )
        repo.credentials.add_credentials(
            issuer_id=a.issuer.id,
            credentials=[NewCredential(credential_id, module.id, "Amina", None, {"id": "x"})],
            batch_id=None,
            now=NOW,
        )
        a_key = repo.access.api_keys(a.issuer.id)[0]

    with db.transaction() as session:
        repo = Repositories(session)
        assert repo.catalogue.module(a.issuer.id, module.id).id == module.id
        for read in (
            lambda: repo.catalogue.module(b.issuer.id, module.id),
            lambda: repo.catalogue.programme(b.issuer.id, programme.id),
            lambda: repo.credentials.credential(b.issuer.id, credential_id),
            lambda: repo.access.api_key(b.issuer.id, a_key.id),
        ):
            with pytest.raises(NotFoundError):
                read()
        assert repo.catalogue.modules(b.issuer.id) == []
        assert repo.credentials.credentials(b.issuer.id, limit=10, offset=0) == []
        assert repo.credentials.credentials_by_ids(b.issuer.id, [credential_id]) == []


def test_a_taken_slug_is_a_conflict_and_writes_nothing(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    make_provider("Chamber of Crafts", slug="chamber")
    before = table_counts(db)

    with pytest.raises(ConflictError, match="chamber"):
        make_provider("Another Chamber", slug="chamber")

    assert table_counts(db) == before


def test_rotation_leaves_exactly_one_active_key(
    db: Database, provider: Provider, service_engine: Engine
) -> None:
    with db.transaction() as session:
        repo = Repositories(session)
        first = repo.providers.active_key(provider.issuer.id)
        new_vm = rotate_key(
            repo, service_engine.keys(), issuer=provider.issuer, actor="cli", now=datetime.now(UTC)
        )
    with db.transaction() as session:
        repo = Repositories(session)
        keys = repo.providers.issuer_keys(provider.issuer.id)
        active = repo.providers.active_key(provider.issuer.id)
    assert [k.active for k in keys] == [False, True]
    assert active.verification_method == new_vm != first.verification_method
    assert keys[0].retired_at is not None and keys[1].retired_at is None
    assert {k.key_name for k in keys} == {f"{provider.slug}-1", f"{provider.slug}-2"}


def test_idempotency_claim_race_has_exactly_one_winner(db: Database, provider: Provider) -> None:
    """The second claim waits for the first transaction, then loses without an error."""
    issuer_id = provider.issuer.id
    outcome: dict[str, object] = {}

    def claim(ids: list[str]) -> bool:
        with db.transaction() as session:
            return Repositories(session).credentials.remember_idempotent(
                issuer_id=issuer_id, key="retry-1", request_hash="h", credential_ids=ids, now=NOW
            )

    def loser() -> None:
        try:
            outcome["second"] = claim(["second"])
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcome["second"] = exc

    with db.transaction() as session:
        assert Repositories(session).credentials.remember_idempotent(
            issuer_id=issuer_id, key="retry-1", request_hash="h", credential_ids=["first"], now=NOW
        )
        thread = threading.Thread(target=loser)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), f"the second claim did not wait: {outcome}"
    thread.join(timeout=30)

    assert outcome["second"] is False
    with db.transaction() as session:
        row = Repositories(session).credentials.idempotent_result(issuer_id, "retry-1")
    assert row is not None and row.credential_ids == {"ids": ["first"]}
    assert table_counts(db)["idempotency_keys"] == 1


def test_signed_documents_come_back_exactly(db: Database, provider: Provider) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "name": {"@value": "أساسيات اللحام", "@language": "ar", "@direction": "rtl"},
        "credits": 2.5,
        "hours": 40,
        "nested": [{"z": 1, "a": None, "b": True}],
    }
    cid = new_id()
    with db.transaction() as session:
        Repositories(session).credentials.add_credentials(
            issuer_id=provider.issuer.id,
            credentials=[NewCredential(cid, None, "ليلى حداد", "E-7", document)],
            batch_id=None,
            now=NOW,
        )
    with db.transaction() as session:
        row = Repositories(session).credentials.credential(provider.issuer.id, cid)
    assert row.document == document
    assert list(row.document) == list(document)
    assert (row.learner_name, row.learner_ref) == ("ليلى حداد", "E-7")
    assert row.issued_at == NOW
    assert row.issued_at.utcoffset() is not None  # aware on SQLite too


def test_a_taken_credential_id_is_a_conflict_and_writes_nothing(
    db: Database, provider: Provider
) -> None:
    """Two requests that chose the same urn:uuid: the second is a 409, never a 500."""
    cid = new_id()
    record = NewCredential(cid, None, "Amina Haddad", None, {"id": f"urn:uuid:{cid}"})
    with db.transaction() as session:
        Repositories(session).credentials.add_credentials(
            issuer_id=provider.issuer.id, credentials=[record], batch_id=None, now=NOW
        )
    before = table_counts(db)

    with pytest.raises(ConflictError, match="new id"), db.transaction() as session:
        Repositories(session).credentials.add_credentials(
            issuer_id=provider.issuer.id, credentials=[record], batch_id=None, now=NOW
        )

    assert table_counts(db) == before


def test_times_read_back_in_utc(db: Database, provider: Provider) -> None:
    """Whatever offset a time was written with, it is read back as the same instant in UTC."""
    from zoneinfo import ZoneInfo

    berlin = datetime(2025, 6, 30, 14, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with db.transaction() as session:
        Repositories(session).audit.record(actor="cli", action="probe", now=berlin)
    with db.transaction() as session:
        (event,) = Repositories(session).audit.log(limit=1)
    assert event.at == NOW
    assert event.at.tzinfo is not None and event.at.utcoffset().total_seconds() == 0


def test_public_ids_carry_128_random_bits() -> None:
    """Every bit of a public id varies (a version-4 UUID would pin 6 of them), and the id
    still reads as a UUID everywhere (short ids, links, the offline QR's 16 bytes)."""
    import uuid

    from service.export import qr
    from service.store.repositories import new_public_id

    values = [uuid.UUID(new_public_id()).int for _ in range(2000)]
    assert len(set(values)) == len(values)
    ones = [sum(v >> bit & 1 for v in values) for bit in range(128)]
    assert all(0 < count < len(values) for count in ones)
    sample = new_public_id()
    assert str(qr.uuid_from_short_id(qr.short_id(sample))) == sample
