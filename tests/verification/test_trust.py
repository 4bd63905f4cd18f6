"""The trust registry: the ``trust`` check's three outcomes, the registry file, import/export."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Provider

from service.app.providers import did_document
from service.app.trust_registry import export_registry, import_registry, list_entries
from service.dids import controller_document
from service.errors import ValidationFailed
from service.keys import Ed25519Signer
from service.store import Database, Repositories
from service.verification.trust import TrustEntry, TrustRegistry
from service.verification.trust_file import load_registry, registry_from_json, registry_to_json

DID = "did:web:vtc-hamburg.example"
ISSUED = datetime(2025, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T00:00:00+00:00")


def entry(**fields: Any) -> TrustEntry:
    values: dict[str, Any] = {
        "did": DID,
        "name": "Vocational Training Centre Hamburg",
        "country": "DE",
        "accrediting_body": "Agentur für Arbeit (AZAV)",
    }
    values.update(fields)
    return TrustEntry(**values)


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({}, "passed", "recognized"),
        ({"valid_from": at("2024-01-01"), "valid_until": at("2027-01-01")}, "passed", "recognized"),
        # withdrawn after the credential was issued: the credential stays recognized
        ({"withdrawn_at": at("2025-09-01")}, "passed", "recognized"),
        # withdrawn before (or at) issuance: failed
        ({"withdrawn_at": at("2025-05-01")}, "failed", "withdrawn"),
        ({"withdrawn_at": ISSUED}, "failed", "withdrawn"),
        # recognition had ended before issuance: failed
        ({"valid_until": at("2025-01-01")}, "failed", "ended"),
        # recognized only later: not a verdict against the provider, but not a yes
        ({"valid_from": at("2025-07-01")}, "unknown", "not_yet"),
    ],
)
def test_a_listed_provider_is_judged_when_the_credential_was_issued(
    fields: dict[str, Any], status: str, reason: str
) -> None:
    registry = TrustRegistry([entry(**fields)])
    assessment = registry.assess(DID, ISSUED, NOW)
    assert (assessment.status, assessment.reason) == (status, reason)
    check = registry.check(DID, ISSUED, NOW)
    assert (check.check, check.status) == ("trust", status)
    assert "Vocational Training Centre Hamburg (DE)" in check.detail


def test_an_unlisted_provider_is_unknown_and_the_detail_says_so() -> None:
    check = TrustRegistry([entry()]).check("did:web:other.example", ISSUED, NOW)
    assert check.status == "unknown"
    assert "did:web:other.example is not in this verifier's trust registry" in check.detail


def test_without_valid_from_the_provider_is_judged_now() -> None:
    registry = TrustRegistry([entry(withdrawn_at=at("2025-09-01"))])
    assert registry.check(DID, None, NOW).status == "failed"
    assert registry.check(DID, None, at("2025-08-01")).status == "passed"


def test_the_detail_names_dates_and_the_accrediting_body() -> None:
    registry = TrustRegistry([entry(withdrawn_at=at("2025-05-01"))])
    assert registry.check(DID, ISSUED, NOW).detail == (
        "The trust registry withdrew its recognition of Vocational Training Centre Hamburg (DE) "
        "on 2025-05-01, before this credential was issued (2025-06-01)."
    )
    passed = TrustRegistry([entry()]).check(DID, ISSUED, NOW).detail
    assert "accredited by Agentur für Arbeit (AZAV)" in passed


# -- the registry file ---------------------------------------------------------------------


def did_web_document(signer: Ed25519Signer, did: str = DID) -> dict[str, Any]:
    from service.keys import encode_public_multikey

    multikey = encode_public_multikey(signer.public_key)
    return controller_document(did, [(f"{did}#key-1", multikey)])


def test_the_file_round_trips(vector_signer: Ed25519Signer) -> None:
    document = did_web_document(vector_signer)
    original = [
        entry(valid_from=at("2024-01-01"), valid_until=at("2027-01-01"), did_document=document),
        TrustEntry(did="did:web:lyon.example", name="Centre de formation Lyon", country="FR"),
    ]
    data = registry_to_json(original, exported_at=NOW)
    assert data["format"] == "tessera-trust-registry"
    assert data["providers"][0]["validFrom"] == "2024-01-01T00:00:00Z"
    entries, extra = registry_from_json(copy.deepcopy(data))
    assert entries == original
    assert entries[0].did_document == document
    assert extra == {}
    registry, documents = load_registry(data)
    assert len(registry) == 2
    assert documents == {DID: document}


def test_dates_may_be_plain_days() -> None:
    entries, _ = registry_from_json(
        {"providers": [{"did": DID, "name": "X", "validFrom": "2024-02-01"}]}
    )
    assert entries[0].valid_from == at("2024-02-01")


def test_every_problem_in_a_file_is_reported_at_once(vector_signer: Ed25519Signer) -> None:
    bad_document = did_web_document(vector_signer, "did:web:someone-else.example")
    data = {
        "providers": [
            {"did": "not a did", "name": "A"},
            {"did": DID, "name": "", "country": "Germany"},
            {"did": "did:web:b.example", "name": "B", "validFrom": "yesterday", "colour": "red"},
            {"did": "did:web:c.example", "name": "C", "didDocument": bad_document},
            {
                "did": "did:web:d.example",
                "name": "D",
                "validFrom": "2025-01-02",
                "validUntil": "2025-01-01",
            },
            {"did": "did:web:e.example", "name": "E"},
            {"did": "did:web:e.example", "name": "E again"},
        ]
    }
    with pytest.raises(ValidationFailed) as caught:
        registry_from_json(data)
    paths = {e["path"] for e in caught.value.errors}
    assert paths >= {
        "$.providers[0].did",
        "$.providers[1].name",
        "$.providers[1].country",
        "$.providers[2].validFrom",
        "$.providers[2].colour",
        "$.providers[3].didDocument.id",
        "$.providers[4].validUntil",
        "$.providers[6].did",
    }
    assert "Nothing was imported" in str(caught.value)


@pytest.mark.parametrize("data", [[], {"providers": {}}, {"format": "other", "providers": []}])
def test_a_file_that_is_not_a_registry_is_refused(data: Any) -> None:
    with pytest.raises(ValidationFailed):
        registry_from_json(data)


# -- use cases over the database -------------------------------------------------------------


def test_import_adds_updates_and_replaces_and_is_audited(db: Database) -> None:
    first = {
        "providers": [
            {"did": DID, "name": "VTC Hamburg", "country": "DE"},
            {"did": "did:web:lyon.example", "name": "CFA Lyon", "country": "FR"},
        ]
    }
    with db.transaction() as session:
        summary = import_registry(Repositories(session), first, replace=False, actor="cli", now=NOW)
    assert (summary.added, summary.updated, summary.removed) == (2, 0, 0)
    second = {"providers": [{"did": DID, "name": "VTC Hamburg", "withdrawnAt": "2025-12-01"}]}
    with db.transaction() as session:
        summary = import_registry(Repositories(session), second, replace=True, actor="cli", now=NOW)
    assert (summary.added, summary.updated, summary.removed) == (0, 1, 1)
    with db.transaction() as session:
        repo = Repositories(session)
        entries = list_entries(repo)
        audit = [(a.action, a.detail) for a in repo.audit.log()]
    assert [(e.did, e.country, e.withdrawn_at) for e in entries] == [(DID, None, at("2025-12-01"))]
    assert ("trust.import", "added=0 updated=1 removed=1") in audit


def test_a_bad_file_writes_nothing(db: Database) -> None:
    with pytest.raises(ValidationFailed), db.transaction() as session:
        import_registry(
            Repositories(session),
            {"providers": [{"did": DID, "name": "ok"}, {"did": "bad", "name": "x"}]},
            replace=False,
            actor="cli",
            now=NOW,
        )
    with db.transaction() as session:
        assert list_entries(Repositories(session)) == []


def test_export_carries_the_services_own_did_documents_without_trusting_them(
    db: Database, make_provider: Any
) -> None:
    listed: Provider = make_provider("Listed Provider", slug="listed")
    unlisted: Provider = make_provider("Unlisted Provider", slug="unlisted")
    with db.transaction() as session:
        repo = Repositories(session)
        import_registry(
            repo,
            {"providers": [{"did": listed.did, "name": "Listed"}]},
            replace=False,
            actor="t",
            now=NOW,
        )
        own = {i.did: did_document(repo, i) for i in repo.providers.issuers()}
        data = export_registry(repo, now=NOW, own_did_documents=own)
    assert [p["did"] for p in data["providers"]] == [listed.did]
    assert data["providers"][0]["didDocument"]["id"] == listed.did
    assert list(data["didDocuments"]) == [unlisted.did]
    registry, documents = load_registry(data)
    assert registry.entry(unlisted.did) is None  # resolvable, not trusted
    assert set(documents) == {listed.did, unlisted.did}
