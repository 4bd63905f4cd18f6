# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""``POST /credentials/verify``: the VC-API shape, the checks, the limits, and what is kept."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Provider, table_counts
from verification_support import (  # noqa: F401
    TEST_POLICY,
    UNLISTED_POLICY,
    award,
    did_key_badge,
    fake_status,
    make_public,
    public,
)

from service.api.limits import PublicEndpoint, PublicPolicy
from service.store import Database, Repositories
from service.store.models import Base

CHECKS = ["parse", "context", "proof", "issuer", "validity", "status", "trust"]


def verify(client: Any, credential: Any, **options: Any) -> Any:
    return client.post(
        "/credentials/verify", json={"verifiableCredential": credential, "options": options}
    )


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["status"] for c in body["checks"]}


def trust_provider(db: Database, provider: Provider, **fields: Any) -> None:
    from service.app.trust_registry import import_registry

    entry = {"did": provider.did, "name": "VTC Hamburg", "country": "DE", **fields}
    with db.transaction() as session:
        import_registry(
            Repositories(session),
            {"providers": [entry]},
            replace=False,
            actor="test",
            now=datetime.now(UTC),
        )


def test_a_genuine_credential_of_an_unlisted_provider_is_verified_with_trust_unknown(
    client: Any,
    make_public: Callable[..., PublicEndpoint],
    award: Callable[..., dict[str, Any]],
) -> None:
    make_public(policy=UNLISTED_POLICY)
    response = verify(client, award())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert list(body) == ["verified", "checks", "problemDetails"]
    assert body["verified"] is True
    assert [c["check"] for c in body["checks"]] == CHECKS
    assert statuses(body) == {
        "parse": "passed",
        "context": "passed",
        "proof": "passed",
        "issuer": "passed",
        "validity": "passed",
        "status": "passed",
        "trust": "unknown",
    }
    assert body["problemDetails"] == []


def test_the_services_own_provider_is_recognized_out_of_the_box(
    client: Any,
    db: Database,
    public: PublicEndpoint,
    award: Callable[..., dict[str, Any]],
    provider: Provider,
) -> None:
    credential = award()
    body = verify(client, credential).json()
    assert body["verified"] is True
    assert statuses(body)["trust"] == "passed"
    # The operator's own entry wins: a withdrawal before the credential was issued is red.
    trust_provider(db, provider, withdrawnAt="2020-01-01T00:00:00Z")
    public.verification.directory.invalidate()
    body = verify(client, credential).json()
    assert statuses(body)["trust"] == "failed" and body["verified"] is False


@pytest.mark.parametrize(
    "context",
    [
        "https://example.org/untrusted/v1",
        ["https://www.w3.org/ns/credentials/v2", "https://example.org/untrusted/v1"],
        ["https://example.org/untrusted/v1"],
    ],
    ids=["string", "untrusted", "not-vc2-first"],
)
def test_a_credential_whose_context_check_fails_gets_a_verdict_not_a_500(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]], context: Any
) -> None:
    credential = award()
    credential["@context"] = context
    response = verify(client, credential)
    assert response.status_code == 400, response.text  # VC-API: not verified, body says why
    body = response.json()
    assert body["verified"] is False
    assert statuses(body)["context"] == "failed"
    assert statuses(body)["proof"] == "unknown"


def test_a_listed_provider_passes_the_trust_check(
    client: Any, db: Database, provider: Provider, public: PublicEndpoint, award: Any
) -> None:
    trust_provider(db, provider, accreditingBody="AZAV")
    body = verify(client, award()).json()
    assert statuses(body)["trust"] == "passed"
    assert "VTC Hamburg (DE) is recognized" in body["checks"][6]["detail"]


def test_a_provider_withdrawn_before_issuing_fails_the_trust_check(
    client: Any, db: Database, provider: Provider, public: PublicEndpoint, award: Any
) -> None:
    trust_provider(db, provider, withdrawnAt="2020-01-01")
    response = verify(client, award())
    assert response.status_code == 400
    body = response.json()
    assert body["verified"] is False
    assert statuses(body)["trust"] == "failed"
    assert [p["title"] for p in body["problemDetails"]] == ["trust check failed"]


def test_a_tampered_credential_fails_with_problem_details(
    client: Any, public: PublicEndpoint, award: Any
) -> None:
    vc = award(learner="Amina Haddad")
    vc["credentialSubject"]["name"] = "Anna Haddad"
    response = verify(client, vc)
    assert response.status_code == 400
    body = response.json()
    assert body["verified"] is False
    assert statuses(body)["proof"] == "failed"
    assert body["problemDetails"][0]["type"].endswith("CRYPTOGRAPHIC_SECURITY_ERROR")
    assert "changed after it was signed" in body["problemDetails"][0]["detail"]


def test_a_did_key_issuer_resolves_without_any_registry(
    client: Any, public: PublicEndpoint, did_key_badge: dict[str, Any]
) -> None:
    body = verify(client, did_key_badge).json()
    assert body["verified"] is True
    assert statuses(body)["trust"] == "unknown"


def test_a_foreign_did_web_issuer_cannot_be_resolved(
    client: Any, public: PublicEndpoint, award: Any
) -> None:
    vc = award()
    vc["proof"]["verificationMethod"] = "did:web:elsewhere.example#key-1"
    response = verify(client, vc)
    assert response.status_code == 400
    assert statuses(response.json())["proof"] == "unknown"


def test_a_trust_registry_did_document_makes_a_foreign_issuer_resolvable(
    client: Any, db: Database, make_provider: Any, public: PublicEndpoint, award: Any
) -> None:
    provider = make_provider("Lyon", slug="lyon")
    vc = award(who=provider, mod=_module_of(client, provider))
    with db.transaction() as session:
        repo = Repositories(session)
        from service.app.providers import did_document

        document = did_document(repo, repo.providers.issuer_by_slug("lyon"))
        # The provider leaves this service; only the registry still knows its keys.
        session.execute(Base.metadata.tables["credentials"].delete())
    with db.transaction() as session:
        session.execute(
            Base.metadata.tables["issuers"]
            .update()
            .values(did="did:web:gone.example:x")
            .where(Base.metadata.tables["issuers"].c.slug == "lyon")
        )
    public.verification.directory.invalidate()
    assert statuses(verify(client, vc).json())["proof"] == "unknown"
    trust_provider_doc = {"did": provider.did, "name": "CFA Lyon", "didDocument": document}
    from service.app.trust_registry import import_registry

    with db.transaction() as session:
        import_registry(
            Repositories(session),
            {"providers": [trust_provider_doc]},
            replace=False,
            actor="t",
            now=datetime.now(UTC),
        )
    public.verification.directory.invalidate()
    body = verify(client, vc).json()
    assert statuses(body)["proof"] == "passed"
    assert statuses(body)["trust"] == "passed"


def _module_of(client: Any, provider: Provider) -> dict[str, Any]:
    from conftest import module_data

    response = client.post(
        f"/issuers/{provider.slug}/modules", json=module_data(), headers=provider.headers
    )
    assert response.status_code == 201
    return dict(response.json())


def test_a_rotated_key_is_found_without_waiting_for_the_cache(
    client: Any, db: Database, provider: Provider, make_public: Any, award: Any, service_engine: Any
) -> None:
    make_public(PublicPolicy(rate_per_second=1000, burst=1000, directory_seconds=3600))
    assert verify(client, award()).json()["verified"] is True  # caches the DID document
    from service.app.providers import rotate_key

    with db.transaction() as session:
        repo = Repositories(session)
        rotate_key(
            repo,
            service_engine.keys(),
            issuer=repo.providers.issuer_by_slug(provider.slug),
            actor="t",
            now=datetime.now(UTC),
        )
    assert verify(client, award()).json()["verified"] is True


def test_the_offline_qr_payload_is_accepted(
    client: Any, public: PublicEndpoint, did_key_badge: dict[str, Any], vector_signer: Any
) -> None:
    from service.export.offline_qr import encode_offline

    text = encode_offline(did_key_badge, signer=vector_signer)
    body = verify(client, text).json()
    assert statuses(body)["proof"] == "passed"
    assert statuses(body)["parse"] == "passed"
    broken = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    assert verify(client, broken).json()["verified"] is False


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"not json", None),
        (b"[]", "$.verifiableCredential"),
        (b'{"credential": {}}', "$.verifiableCredential"),
        (b'{"verifiableCredential": 42}', "$.verifiableCredential"),
        (b'{"verifiableCredential": "just text"}', "$.verifiableCredential"),
        (b'{"verifiableCredential": {}, "options": []}', "$.options"),
    ],
)
def test_a_malformed_request_is_a_problem(
    client: Any, public: PublicEndpoint, body: bytes, path: str | None
) -> None:
    response = client.post(
        "/credentials/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    if path:
        assert path in [e["path"] for e in response.json()["errors"]]


def test_a_credential_that_is_not_a_vc_is_answered_with_a_failed_parse_check(
    client: Any, public: PublicEndpoint
) -> None:
    response = verify(client, {"hello": "world"})
    assert response.status_code == 400
    assert statuses(response.json())["parse"] == "failed"


# -- limits ------------------------------------------------------------------------------------


def test_an_oversized_body_is_413_before_it_is_read(client: Any, public: PublicEndpoint) -> None:
    limit = public.policy.max_request_bytes
    response = client.post(
        "/credentials/verify",
        content=b"{" + b" " * limit + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("payload-too-large")


def test_an_oversized_chunked_body_is_413_too(client: Any, public: PublicEndpoint) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"verifiableCredential": "'
        for _ in range(40):
            yield b"x" * 16384

    response = client.post(
        "/credentials/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_a_client_over_its_rate_gets_429_with_retry_after(
    client: Any, make_public: Any, award: Any
) -> None:
    vc = award()
    make_public(PublicPolicy(rate_per_second=0.1, burst=3))
    codes = [verify(client, vc).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = verify(client, vc)
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 10
    assert limited.json()["type"].endswith("rate-limited")


def test_a_saturated_verifier_answers_503_with_retry_after(
    client: Any, make_public: Any, award: Any
) -> None:
    vc = award()
    make_public(PublicPolicy(rate_per_second=1000, burst=1000, max_concurrent=0, max_waiting=0))
    response = verify(client, vc)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("busy")


# -- what is kept ---------------------------------------------------------------------------------


def test_nothing_but_aggregate_counts_is_stored(
    client: Any,
    db: Database,
    public: PublicEndpoint,
    award: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = award(learner="Zofia Nowak-Kowalska")
    tampered = copy.deepcopy(good)
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    before = table_counts(db)
    caplog.set_level(logging.DEBUG)
    for credential in (good, good, tampered):
        verify(client, credential)
    public.verification.counter.flush()
    after = table_counts(db)
    changed = {t for t in before if before[t] != after[t]}
    # Both aggregate: outcomes per day, and employer engagement per provider, month and country.
    assert changed == {"verification_counts", "engagement_counts"}
    with db.transaction() as session:
        counts = {
            (r.outcome, r.count) for r in Repositories(session).counters.verification_counts()
        }
    assert counts == {("valid", 2), ("invalid", 1)}  # its own provider: recognized -> green
    dump = json.dumps(
        {
            name: [list(map(str, row)) for row in db.engine.connect().execute(table.select())]
            for name, table in Base.metadata.tables.items()
            if name == "verification_counts"
        }
    )
    assert "Zofia" not in dump and "testclient" not in dump
    assert "testclient" not in caplog.text and "Zofia" not in caplog.text
    assert public.limiter.take("testclient") == 0.0
    assert all(len(key) == 16 for key in public.limiter._buckets)  # hashed, not the address
