"""Repositories hand out frozen records and change rows only by explicit calls, on both
databases: assigning to a record fails and writes nothing; an update call writes once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from conftest import Provider

from service.app.access import revoke_api_key
from service.store import Database, Repositories

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


def test_a_record_cannot_be_edited_into_the_database(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    provider = make_provider("Record Keepers")
    with db.transaction() as session:
        issuer = Repositories(session).providers.issuer(provider.issuer.id)
        with pytest.raises(dataclasses.FrozenInstanceError):
            issuer.name = "Renamed"  # type: ignore[misc]
    with db.transaction() as session:
        assert Repositories(session).providers.issuer(provider.issuer.id).name == "Record Keepers"


def test_revoking_an_api_key_is_one_explicit_write_audited_once(
    db: Database, make_provider: Callable[..., Provider]
) -> None:
    provider = make_provider("Key Holders")
    with db.transaction() as session:
        repo = Repositories(session)
        (key,) = repo.access.api_keys(provider.issuer.id)
        for _ in range(2):
            revoke_api_key(repo, issuer=provider.issuer, key_id=key.id, actor="test", now=NOW)
        assert key.revoked_at is None  # the record read before is a snapshot
    with db.transaction() as session:
        repo = Repositories(session)
        assert repo.access.api_key(provider.issuer.id, key.id).revoked_at == NOW
        revocations = [
            e for e in repo.audit.log(provider.issuer.id) if e.action == "api_key.revoke"
        ]
    assert [e.subject for e in revocations] == [key.id]


def test_a_key_declared_compromised_keeps_its_moment(db: Database, provider: Provider) -> None:
    since = datetime(2025, 6, 1, tzinfo=UTC)
    with db.transaction() as session:
        repo = Repositories(session)
        key = repo.providers.active_key(provider.issuer.id)
        marked = repo.providers.mark_key_compromised(key.id, since=since)
        assert marked.compromised_at == since and key.compromised_at is None
    with db.transaction() as session:
        (stored,) = Repositories(session).providers.issuer_keys(provider.issuer.id)
    assert stored.compromised_at == since


def test_rpl_evidence_and_decision_are_explicit_writes_on_a_snapshot(
    db: Database, provider: Provider
) -> None:
    with db.transaction() as session:
        rpl = Repositories(session).rpl
        opened = rpl.add_case(
            issuer_id=provider.issuer.id,
            learner_name="Case Learner",
            learner_ref=None,
            language=None,
            record={"modules": ["m-1"], "evidence": [], "outcomes": []},
            now=NOW,
        )
        seen = rpl.add_evidence(provider.issuer.id, opened.id, {"method": "interview"})
        assert opened.record["evidence"] == []  # the record read before is a snapshot
        assert seen.record["evidence"] == [{"method": "interview"}]
    with db.transaction() as session:
        rpl = Repositories(session).rpl
        assert rpl.case(provider.issuer.id, opened.id).record["evidence"] == [
            {"method": "interview"}
        ]
        closed = rpl.close_case(
            provider.issuer.id,
            opened.id,
            outcomes=[{"moduleId": "m-1", "outcome": "recognized"}],
            assessor_ids=["a-1"],
            decided_on="2025-06-30",
            now=NOW,
        )
        assert closed.status == "decided" and closed.decided_at == NOW
    with db.transaction() as session:
        stored = Repositories(session).rpl.case(provider.issuer.id, opened.id)
    assert stored.status == "decided" and stored.record["assessors"] == ["a-1"]
    assert stored.record["evidence"] == [{"method": "interview"}]


def test_an_erasure_request_is_marked_done_once(db: Database, provider: Provider) -> None:
    later = datetime(2025, 7, 1, tzinfo=UTC)
    with db.transaction() as session:
        requests = Repositories(session).erasure_requests
        asked = requests.add(
            issuer_id=provider.issuer.id, wallet_link_id=None, requested_by="provider", now=NOW
        )
        done = requests.mark_done(asked.id, credentials_erased=2, now=NOW)
        again = requests.mark_done(asked.id, credentials_erased=0, now=later)
        assert asked.erased_at is None
        assert (
            (done.erased_at, done.credentials_erased)
            == (NOW, 2)
            == (
                again.erased_at,
                again.credentials_erased,
            )
        )
    with db.transaction() as session:
        stored = Repositories(session).erasure_requests.get(provider.issuer.id, asked.id)
    assert (stored.erased_at, stored.credentials_erased) == (NOW, 2)
