"""Revocation and suspension through the service, on SQLite and PostgreSQL: the status entries
issuing adds, the provider endpoints, the W3C VC-API status endpoint and the CLI, the served
(signed, cacheable) lists, privacy of the reason, the audit log, and what verifiers then see."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import service_env
from conftest import SERVICE_BASE_URL, Provider, module_data
from factories import status_entries
from sqlalchemy import select, text
from status_support import (
    Cli,
    bit,
    change,
    entry,
    issue,
    issue_cohort,
    list_document,
    path_of,
    uuid_of,
    verdict,
)

from service.app.engine import Engine
from service.app.trust_registry import import_registry
from service.dids import StaticResolver, controller_document
from service.keys import Ed25519Signer, generate_seed, public_key_from_seed
from service.keys import encode_public_multikey as multikey
from service.proofs import sign
from service.status.bitstring import MIN_LIST_BITS, decode_list, read_list_credential
from service.store import Database, Repositories
from service.store.models import IssuerRow, StatusEntryRow
from service.verification.pipeline import VerificationResult, verify_credential
from service.verification.public import status_checker

STATUS = "https://www.w3.org/ns/credentials/status-list#"
REASON = "Plagiarism in the final assessment, case 2025-017"


@pytest.fixture
def suspending(make_provider: Callable[..., Provider]) -> Provider:
    return make_provider("Suspending Academy", slug="suspending-academy", suspension=True)


@pytest.fixture
def suspending_module(client: Any, suspending: Provider) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{suspending.slug}/modules", json=module_data(), headers=suspending.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def did_documents(client: Any, *providers: Provider) -> dict[str, Any]:
    return {p.did: client.get(f"/issuers/{p.slug}/did.json").json() for p in providers}


def audit_events(db: Database) -> list[tuple[str, str, str]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action, actor, subject FROM audit_log ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def api_key_actor(client: Any, provider: Provider) -> str:
    keys = client.get(f"/issuers/{provider.slug}/api-keys", headers=provider.headers).json()
    return f"api-key:{keys[0]['id']}"


# -- what issuing adds ----------------------------------------------------------------------


def test_every_credential_has_a_revocation_entry_at_a_random_index(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    cohort = issue_cohort(client, provider, module, 60)
    single = issue(client, provider, module)
    vcapi = client.post(
        "/credentials/issue",
        json={
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"name": "Chidi Okafor"},
            }
        },
        headers=provider.headers,
    ).json()["verifiableCredential"]

    credentials = [*cohort, single, vcapi]
    # One entry each (no suspension): an object, as the AchievementCredential schema wants.
    assert all(isinstance(c["credentialStatus"], dict) for c in credentials)
    entries = [status_entries(c) for c in credentials]
    assert all(len(e) == 1 and e[0]["statusPurpose"] == "revocation" for e in entries)
    urls = {e[0]["statusListCredential"] for e in entries}
    assert len(urls) == 1
    (url,) = urls
    assert url.startswith(f"{SERVICE_BASE_URL}/status/")
    indices = [int(e[0]["statusListIndex"]) for e in entries]
    assert len(set(indices)) == len(indices)
    # Random across a list of at least 131,072 entries, not handed out in issue order: an
    # index must not tell a verifier who was issued when (or how many came before).
    assert all(0 <= i < MIN_LIST_BITS for i in indices)
    assert max(indices) - min(indices) > MIN_LIST_BITS // 4
    assert indices != sorted(indices)
    assert sum(1 for a, b in itertools.pairwise(indices) if abs(a - b) == 1) < 3
    served = list_document(client, url)
    assert len(decode_list(served["credentialSubject"]["encodedList"])) * 8 >= MIN_LIST_BITS


def test_a_provider_with_suspension_gets_a_second_entry_in_another_list(
    client: Any, suspending: Provider, suspending_module: dict[str, Any], db: Database
) -> None:
    credentials = issue_cohort(client, suspending, suspending_module, 20)
    for credential in credentials:
        purposes = [e["statusPurpose"] for e in credential["credentialStatus"]]
        assert purposes == ["revocation", "suspension"]
    revocation_lists = {entry(c)["statusListCredential"] for c in credentials}
    suspension_lists = {entry(c, "suspension")["statusListCredential"] for c in credentials}
    assert len(revocation_lists) == len(suspension_lists) == 1
    assert revocation_lists != suspension_lists
    (suspension_url,) = suspension_lists
    listed = list_document(client, suspension_url)
    assert listed["credentialSubject"]["statusPurpose"] == "suspension"
    # The two indices of one credential are drawn independently.
    same = sum(
        entry(c)["statusListIndex"] == entry(c, "suspension")["statusListIndex"]
        for c in credentials
    )
    assert same <= 1


def test_issuers_create_with_suspension_on_the_command_line(
    client: Any,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    service_engine: Engine,
) -> None:
    cli = Cli(monkeypatch, service_env(tmp_path, TESSERA_DATABASE_URL=db.url))
    plain = cli("issuers", "create", "--name", "Plain Academy", "--slug", "plain")
    with_suspension = cli(
        "issuers", "create", "--name", "Careful Academy", "--slug", "careful", "--suspension"
    )
    assert plain.exit_code == 0 and with_suspension.exit_code == 0, with_suspension.output
    with db.transaction() as session:
        flags = dict(session.execute(select(IssuerRow.slug, IssuerRow.suspension_enabled)).all())
    assert flags == {"plain": False, "careful": True}
    token = with_suspension.output.split("API key", 1)[1].split()[0]
    headers = {"Authorization": f"Bearer {token}"}
    module_id = client.post("/issuers/careful/modules", json=module_data(), headers=headers).json()[
        "id"
    ]
    credential = client.post(
        "/issuers/careful/awards",
        json={"moduleId": module_id, "learnerName": "Amina Haddad", "completedOn": "2025-06-30"},
        headers=headers,
    ).json()["verifiableCredential"]
    assert [e["statusPurpose"] for e in credential["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]


# -- changing a status ----------------------------------------------------------------------


def test_suspend_unsuspend_and_revoke_through_the_provider_endpoints(
    client: Any, suspending: Provider, suspending_module: dict[str, Any]
) -> None:
    vc = issue(client, suspending, suspending_module)
    other = issue(client, suspending, suspending_module, learner="Bohdan Kovalenko")
    status_path = f"/issuers/{suspending.slug}/credentials/{uuid_of(vc)}/status"
    expected = {"credentialId": uuid_of(vc), "revoked": False, "suspended": False}
    assert client.get(status_path, headers=suspending.headers).json() == expected
    assert not bit(client, vc) and not bit(client, vc, "suspension")

    suspended = change(client, suspending, vc, "suspend", reason="Exam board review")
    assert suspended.status_code == 200, suspended.text
    assert suspended.json() == {**expected, "suspended": True}
    assert bit(client, vc, "suspension") and not bit(client, vc)
    assert client.get(status_path, headers=suspending.headers).json()["suspended"] is True

    lifted = change(client, suspending, vc, "unsuspend")
    assert lifted.status_code == 200 and lifted.json() == expected
    assert not bit(client, vc, "suspension")

    revoked = change(client, suspending, vc, "revoke")
    assert revoked.status_code == 200 and revoked.json() == {**expected, "revoked": True}
    assert bit(client, vc)
    again = change(client, suspending, vc, "revoke")  # idempotent
    assert again.status_code == 200 and again.json() == revoked.json()
    # Revocation is permanent: the suspension of a revoked credential cannot change either.
    for action in ("suspend", "unsuspend"):
        refused = change(client, suspending, vc, action)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "permanent" in refused.json()["detail"]
    assert bit(client, vc) and not bit(client, vc, "suspension")
    # Nothing else moved.
    assert not bit(client, other) and not bit(client, other, "suspension")


def test_suspension_needs_the_provider_to_enable_it(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    vc = issue(client, provider, module)
    refused = change(client, provider, vc, "suspend")
    assert refused.status_code == 409
    assert "suspension is not enabled" in refused.json()["detail"]


def test_the_vcapi_status_endpoint(
    client: Any, suspending: Provider, suspending_module: dict[str, Any]
) -> None:
    vc = issue(client, suspending, suspending_module)

    def post(body: Any, headers: dict[str, str] | None = None) -> Any:
        return client.post("/credentials/status", json=body, headers=headers or suspending.headers)

    suspended = post(
        {
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "suspended"}],
        }
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json() == {"credentialId": uuid_of(vc), "revoked": False, "suspended": True}
    assert bit(client, vc, "suspension")

    # The credential's uuid works too, and statusPurpose with a boolean status.
    lifted = post(
        {
            "credentialId": uuid_of(vc),
            "credentialStatus": {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "suspension",
                "status": False,
            },
        }
    )
    assert lifted.status_code == 200 and lifted.json()["suspended"] is False
    assert not bit(client, vc, "suspension")

    revoked = post(
        {
            "credentialId": vc["id"],
            "credentialStatus": [
                {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": True}
            ],
        }
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert bit(client, vc)

    for undo in (
        {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": False},
        {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": "active"},
        {"type": "BitstringStatusListEntry", "status": "active"},
    ):
        refused = post({"credentialId": vc["id"], "credentialStatus": [undo]})
        assert refused.status_code == 409, (undo, refused.text)
    assert bit(client, vc)

    for bad in (
        {"credentialStatus": [{"status": "revoked"}]},
        {"credentialId": vc["id"]},
        {"credentialId": vc["id"], "credentialStatus": []},
        {"credentialId": vc["id"], "credentialStatus": [{"status": "deleted"}]},
        {"credentialId": vc["id"], "credentialStatus": ["revoked"]},
    ):
        assert post(bad).status_code == 422, bad
    assert (
        post(
            {"credentialId": "no-such-credential", "credentialStatus": [{"status": "revoked"}]}
        ).status_code
        == 404
    )


def test_changing_a_status_needs_the_revoke_scope(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    vc = issue(client, provider, module)
    issue_only = client.post(
        f"/issuers/{provider.slug}/api-keys",
        json={"label": "registrar", "scopes": ["issue"]},
        headers=provider.headers,
    ).json()["token"]
    headers = {"Authorization": f"Bearer {issue_only}"}
    body = {"credentialId": vc["id"], "credentialStatus": [{"status": "revoked"}]}
    assert client.post("/credentials/status", json=body, headers=headers).status_code == 403
    revoke_path = f"/issuers/{provider.slug}/credentials/{uuid_of(vc)}/revoke"
    assert client.post(revoke_path, headers=headers).status_code == 403
    assert client.post(revoke_path).status_code == 401
    assert client.post("/credentials/status", json=body).status_code == 401
    assert not bit(client, vc)


def test_another_providers_credential_is_404(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    make_provider: Callable[..., Provider],
) -> None:
    vc = issue(client, provider, module)
    other = make_provider("Other Academy", slug="other-academy")
    attempts = [
        client.post(
            f"/issuers/{other.slug}/credentials/{uuid_of(vc)}/revoke", headers=other.headers
        ),
        client.post(
            f"/issuers/{provider.slug}/credentials/{uuid_of(vc)}/revoke", headers=other.headers
        ),
        client.get(
            f"/issuers/{other.slug}/credentials/{uuid_of(vc)}/status", headers=other.headers
        ),
        client.post(
            "/credentials/status",
            json={"credentialId": vc["id"], "credentialStatus": [{"status": "revoked"}]},
            headers=other.headers,
        ),
    ]
    assert [a.status_code for a in attempts] == [404] * 4
    assert not bit(client, vc)
    assert client.get("/status/no-such-list").status_code == 404


def test_the_cli_revokes_suspends_and_refuses_to_unrevoke(
    client: Any,
    suspending: Provider,
    suspending_module: dict[str, Any],
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = Cli(monkeypatch, service_env(tmp_path, TESSERA_DATABASE_URL=db.url))
    vc = issue(client, suspending, suspending_module)
    slug = suspending.slug

    suspended = cli("credentials", "suspend", vc["id"], "--issuer", slug, "--reason", REASON)
    assert suspended.exit_code == 0, suspended.output
    assert json.loads(suspended.output) == {
        "credentialId": uuid_of(vc),
        "revoked": False,
        "suspended": True,
    }
    assert bit(client, vc, "suspension")
    lifted = cli("credentials", "unsuspend", uuid_of(vc), "--issuer", slug)
    assert lifted.exit_code == 0 and json.loads(lifted.output)["suspended"] is False
    revoked = cli("credentials", "revoke", uuid_of(vc), "--issuer", slug, "--reason", REASON)
    assert revoked.exit_code == 0 and json.loads(revoked.output)["revoked"] is True
    assert bit(client, vc) and not bit(client, vc, "suspension")
    assert REASON not in revoked.output

    again = cli("credentials", "unsuspend", uuid_of(vc), "--issuer", slug)
    assert again.exit_code == 2 and "permanent" in again.output
    unknown = cli("credentials", "revoke", "no-such-credential", "--issuer", slug)
    assert unknown.exit_code == 2
    elsewhere = cli("credentials", "revoke", uuid_of(vc), "--issuer", "no-such-provider")
    assert elsewhere.exit_code == 2
    assert [a for a, actor, s in audit_events(db) if actor == "cli"] == [
        "credential.suspend",
        "credential.unsuspend",
        "credential.revoke",
    ]


def test_the_reason_is_kept_but_never_published(
    client: Any, suspending: Provider, suspending_module: dict[str, Any], db: Database
) -> None:
    vc = issue(client, suspending, suspending_module)
    suspend_reason = "Identity check pending (ticket QX-4711)"
    responses = [
        client.post(
            "/credentials/status",
            json={
                "credentialId": vc["id"],
                "credentialStatus": [{"status": "suspended", "reason": suspend_reason}],
            },
            headers=suspending.headers,
        ),
        change(client, suspending, vc, "revoke", reason=REASON),
    ]
    assert [r.status_code for r in responses] == [200, 200]
    with db.transaction() as session:
        reasons = {
            row.list_id: row.reason
            for row in session.scalars(
                select(StatusEntryRow).where(StatusEntryRow.credential_id == uuid_of(vc))
            )
        }
    list_ids = {
        e["statusPurpose"]: e["statusListCredential"].rsplit("/", 1)[1]
        for e in vc["credentialStatus"]
    }
    assert reasons == {list_ids["revocation"]: REASON, list_ids["suspension"]: suspend_reason}

    published = [r.text for r in responses]
    published += [
        client.get(path_of(e["statusListCredential"])).text for e in vc["credentialStatus"]
    ]
    published.append(
        client.get(
            f"/issuers/{suspending.slug}/credentials/{uuid_of(vc)}/status",
            headers=suspending.headers,
        ).text
    )
    published.append(
        client.get(f"/issuers/{suspending.slug}/audit", headers=suspending.headers).text
    )
    published.append(client.post("/credentials/verify", json={"verifiableCredential": vc}).text)
    published.append(client.get(f"/v/{uuid_of(vc)}").text)
    with db.engine.connect() as connection:
        published.append(
            json.dumps(
                [list(map(str, r)) for r in connection.execute(text("SELECT * FROM audit_log"))]
            )
        )
    for text_ in published:
        for secret in (REASON, suspend_reason, "Plagiarism", "QX-4711"):
            assert secret not in text_


def test_status_changes_are_in_the_audit_log(
    client: Any, suspending: Provider, suspending_module: dict[str, Any], db: Database
) -> None:
    vc = issue(client, suspending, suspending_module)
    before = len(audit_events(db))
    change(client, suspending, vc, "suspend")
    change(client, suspending, vc, "suspend")  # no change: no event
    change(client, suspending, vc, "unsuspend")
    change(client, suspending, vc, "revoke")
    assert change(client, suspending, vc, "unsuspend").status_code == 409  # refused: no event
    actor = api_key_actor(client, suspending)
    assert audit_events(db)[before:] == [
        ("credential.suspend", actor, uuid_of(vc)),
        ("credential.unsuspend", actor, uuid_of(vc)),
        ("credential.revoke", actor, uuid_of(vc)),
    ]
    served = client.get(f"/issuers/{suspending.slug}/audit", headers=suspending.headers).json()
    assert [e["action"] for e in served[:3]] == [
        "credential.revoke",
        "credential.unsuspend",
        "credential.suspend",
    ]


# -- the served list -----------------------------------------------------------------------


def test_the_served_list_is_a_signed_cacheable_bitstring_status_list_credential(
    client: Any, provider: Provider, module: dict[str, Any], service_engine: Engine
) -> None:
    vc = issue(client, provider, module)
    url = entry(vc)["statusListCredential"]
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc+ld+json")
    assert response.headers["access-control-allow-origin"] == "*"
    cache_control = response.headers["cache-control"]
    assert "public" in cache_control and "max-age=60" in cache_control
    etag = response.headers["etag"]
    assert etag.startswith('W/"')

    document = response.json()
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert document["id"] == url
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == provider.did
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == f"{url}#list"
    bits = decode_list(subject["encodedList"])
    assert len(bits) * 8 == MIN_LIST_BITS and not any(bits)
    valid_from = datetime.fromisoformat(document["validFrom"])
    valid_until = datetime.fromisoformat(document["validUntil"])
    assert before - timedelta(seconds=1) <= valid_from <= datetime.now(UTC)
    assert valid_until - valid_from == timedelta(hours=24)  # a saved copy serves a day offline
    # a cache may keep it for max-age; the list itself says when it goes stale
    assert (
        int(cache_control.split("max-age=")[1].split(",")[0]) * 2
        < (valid_until - valid_from).total_seconds()
    )

    # Signed with the provider's key, as its DID document says.
    resolver = StaticResolver(did_documents(client, provider))
    result = verify_credential(
        document, verifier=service_engine.verifier(resolver=resolver), now=datetime.now(UTC)
    )
    assert result.verified, [c.to_json() for c in result.checks]
    assert result.issuer == provider.did
    assert document["proof"]["verificationMethod"].startswith(provider.did + "#")

    # A cache that holds it asks again cheaply.
    again = client.get(path_of(url), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert (
        client.get(path_of(url), headers={"If-None-Match": 'W/"other", ' + etag}).status_code == 304
    )
    assert client.get(path_of(url), headers={"If-None-Match": 'W/"other"'}).status_code == 200

    # After a revocation the next list shows it, under a new ETag.
    assert change(client, provider, vc, "revoke").status_code == 200
    changed = client.get(path_of(url), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    new_bits = read_list_credential(changed.json(), purpose="revocation")
    index = int(entry(vc)["statusListIndex"])
    assert [i for i in range(MIN_LIST_BITS) if new_bits[i // 8] >> (7 - i % 8) & 1] == [index]
    fresh = verify_credential(
        changed.json(), verifier=service_engine.verifier(resolver=resolver), now=datetime.now(UTC)
    )
    assert fresh.verified


def test_an_unchanged_list_is_served_from_the_cache(
    client: Any, provider: Provider, module: dict[str, Any], app: Any
) -> None:
    vc = issue(client, provider, module)
    url = entry(vc)["statusListCredential"]
    signer = app.state.tessera.lists._signer
    calls: list[int] = []
    original = signer.sign_all

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    signer.sign_all = counting
    try:
        first = client.get(path_of(url))
        for _ in range(20):
            assert client.get(path_of(url)).json() == first.json()
        assert len(calls) <= 1  # signed at most once (it may have been cached before)
        change(client, provider, vc, "revoke")
        assert client.get(path_of(url)).json() != first.json()
        # Once more for the change: by this read or the republish job (both, if they race).
        assert len(calls) <= 3
    finally:
        signer.sign_all = original


# -- what verifiers see ----------------------------------------------------------------------


def public_checker(app: Any, client: Any, *providers: Provider) -> Any:
    """The public verifier's status check (service.verification.public.status_checker), over this
    service's own lists, with the providers' DID documents."""
    state = app.state.tessera
    verifier = state.engine.verifier(resolver=StaticResolver(did_documents(client, *providers)))
    checker = status_checker(verifier, lambda url: state.lists.by_url(url, now=state.now()))
    assert checker is not None
    return verifier, checker


def verify_with_status(
    app: Any, client: Any, provider: Provider, vc: dict[str, Any]
) -> VerificationResult:
    verifier, checker = public_checker(app, client, provider)
    import dataclasses

    return verify_credential(
        vc, verifier=dataclasses.replace(verifier, status=checker), now=datetime.now(UTC)
    )


def test_a_revoked_credential_fails_and_a_suspended_one_says_so(
    app: Any, client: Any, suspending: Provider, suspending_module: dict[str, Any]
) -> None:
    vc = issue(client, suspending, suspending_module)

    fine = verify_with_status(app, client, suspending, vc)
    assert fine.verified and fine.check("status").status == "passed"
    assert fine.check("status").detail == "Not revoked or suspended."

    change(client, suspending, vc, "suspend")
    suspended = verify_with_status(app, client, suspending, vc)
    assert not suspended.verified
    assert suspended.check("status").status == "failed"
    assert suspended.check("status").problem_type == STATUS + "SUSPENDED"
    assert "suspended" in suspended.check("status").detail

    change(client, suspending, vc, "unsuspend")
    back = verify_with_status(app, client, suspending, vc)
    assert back.verified and back.check("status").status == "passed"

    change(client, suspending, vc, "revoke")
    revoked = verify_with_status(app, client, suspending, vc)
    assert not revoked.verified
    assert revoked.check("status").problem_type == STATUS + "REVOKED"
    assert "revoked" in revoked.check("status").detail


def trust(db: Database, did: str, name: str, document: dict[str, Any] | None = None) -> None:
    provider: dict[str, Any] = {"did": did, "name": name, "country": "DE"}
    if document is not None:
        provider["didDocument"] = document
    with db.transaction() as session:
        import_registry(
            Repositories(session),
            {"providers": [provider]},
            replace=False,
            actor="test",
            now=datetime.now(UTC),
        )


def test_the_public_endpoints_show_revocation_and_suspension(
    client: Any, suspending: Provider, suspending_module: dict[str, Any], db: Database
) -> None:
    trust(db, suspending.did, "Suspending Academy")
    vc = issue(client, suspending, suspending_module)

    def vcapi() -> Any:
        return client.post("/credentials/verify", json={"verifiableCredential": vc})

    def page() -> str:
        return str(client.get(f"/v/{uuid_of(vc)}?lang=en").text)

    ok = vcapi()
    assert ok.status_code == 200
    assert {c["check"]: c["status"] for c in ok.json()["checks"]}["status"] == "passed"
    assert verdict(page()) == "ok:valid"

    change(client, suspending, vc, "suspend")
    refused = vcapi()
    assert refused.status_code == 400
    status = next(c for c in refused.json()["checks"] if c["check"] == "status")
    assert status["status"] == "failed" and "suspended" in status["detail"]
    html = page()
    assert verdict(html) == "bad:invalid"
    # the check's own words, in the technical details
    assert "The issuer has suspended this credential for now" in html
    # and the plain-language lines an employer reads say "suspended", not "revoked"
    assert 'id="status">Suspended<' in html
    assert "The provider has suspended it for now" in html
    arabic = str(client.get(f"/v/{uuid_of(vc)}?lang=ar").text)
    assert 'id="status">معلّقة<' in arabic

    change(client, suspending, vc, "unsuspend")
    assert vcapi().status_code == 200 and verdict(page()) == "ok:valid"

    change(client, suspending, vc, "revoke")
    revoked = vcapi()
    assert revoked.status_code == 400
    assert STATUS + "REVOKED" in json.dumps(revoked.json()["problemDetails"])
    assert verdict(page()) == "bad:invalid"


class RemoteIssuer:
    """A provider elsewhere (did:web:registrar.example), known from the trust registry,
    whose status lists live on its own host."""

    did = "did:web:registrar.example"

    def __init__(self) -> None:
        seed = generate_seed()
        self.vm = f"{self.did}#key-1"
        self.signer = Ed25519Signer(seed, verification_method=self.vm)
        self.document = controller_document(
            self.did, [(self.vm, multikey(public_key_from_seed(seed)))]
        )

    def credential(self, canonicalizer: Any, list_url: str) -> dict[str, Any]:
        from factories import small_credential

        document = small_credential(issuer=self.did)
        document["credentialStatus"] = [
            {
                "id": f"{list_url}#7",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "7",
                "statusListCredential": list_url,
            }
        ]
        return sign(
            document,
            signer=self.signer,
            canonicalizer=canonicalizer,
            created=datetime(2025, 1, 1, tzinfo=UTC),
        )


def test_an_unreachable_list_is_unknown_and_the_page_is_amber(
    client: Any, db: Database, canonicalizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status of a genuine credential whose list cannot be fetched is *unknown*: the
    VC-API answer is not verified (fail closed) and names a STATUS_RETRIEVAL_ERROR, and the
    page is amber (not red: nothing failed), never green."""
    from service.api.limits import PublicPolicy, build_public_endpoint

    remote = RemoteIssuer()
    trust(db, remote.did, "Registrar Academy", remote.document)
    contacted: list[str] = []

    def unreachable(request: httpx.Request) -> httpx.Response:
        contacted.append(str(request.url))
        raise httpx.ConnectError("connection refused", request=request)

    state = client.app.state.tessera
    client.app.state.public_verification = build_public_endpoint(
        settings=state.settings,
        engine=state.engine,
        database=state.database,
        own_lists=lambda url: state.lists.by_url(url, now=state.now()),
        policy=PublicPolicy(rate_per_second=1000, burst=1000, directory_seconds=0),
        http_client=httpx.Client(transport=httpx.MockTransport(unreachable)),
    )
    own_host = remote.credential(canonicalizer, "https://registrar.example/status/1")
    elsewhere = remote.credential(canonicalizer, "https://lists.elsewhere.example/status/1")

    for vc in (own_host, elsewhere):
        answer = client.post("/credentials/verify", json={"verifiableCredential": vc})
        checks = {c["check"]: c for c in answer.json()["checks"]}
        assert checks["proof"]["status"] == "passed" and checks["trust"]["status"] == "passed"
        assert checks["status"]["status"] == "unknown", checks["status"]
        assert "could not be checked" in checks["status"]["detail"]
        assert answer.json()["verified"] is False and answer.status_code == 400
        assert [p["type"] for p in answer.json()["problemDetails"]] == [
            "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"
        ]

        html = client.post("/verify?lang=en", data={"text": json.dumps(vc)}).text
        assert verdict(html) == "warn:incomplete"
        assert 'data-check="status" data-status="unknown"' in html
        assert "Whether the provider has revoked it could not be checked." in html
    # The issuer's own host was tried; a host nobody named for it was never contacted.
    assert contacted and all(u == "https://registrar.example/status/1" for u in contacted)


def test_concurrent_changes_of_one_credential_are_recorded_once(
    client: Any, suspending: Provider, suspending_module: dict[str, Any], db: Database
) -> None:
    """Eight requests revoke the same credential at once (a retrying client, two operators):
    one change, one audit event, one new list version; every answer says revoked."""
    import threading

    vc = issue(client, suspending, suspending_module)
    with db.engine.connect() as connection:
        version = connection.execute(text("SELECT SUM(version) FROM status_lists")).scalar_one()
    barrier = threading.Barrier(8)
    answers: list[Any] = []

    def revoke() -> None:
        barrier.wait(timeout=10)
        answers.append(change(client, suspending, vc, "revoke"))

    threads = [threading.Thread(target=revoke) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200] * 8
    assert all(a.json()["revoked"] is True for a in answers)
    events = [e for e in audit_events(db) if e[0] == "credential.revoke"]
    assert events == [("credential.revoke", api_key_actor(client, suspending), uuid_of(vc))]
    with db.engine.connect() as connection:
        after = connection.execute(text("SELECT SUM(version) FROM status_lists")).scalar_one()
    assert after == version + 1


@pytest.mark.parametrize(
    "client_id",
    [
        "https://registrar.example.edu/credentials/1872",
        "urn:uuid:0f6e7a52-3b8e-4c61-9d0a-2f5b7c9e1d34",
    ],
)
def test_vcapi_status_finds_a_credential_by_the_id_its_client_chose(
    client: Any, provider: Provider, client_id: str
) -> None:
    issued = client.post(
        "/credentials/issue",
        json={
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": client_id,
                "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:learner", "name": "Amina Haddad"},
            }
        },
        headers=provider.headers,
    )
    assert issued.status_code == 201, issued.text
    vc = issued.json()["verifiableCredential"]
    assert vc["id"] == client_id
    assert not bit(client, vc)

    revoked = client.post(
        "/credentials/status",
        json={
            "credentialId": client_id,
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
        },
        headers=provider.headers,
    )

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] is True
    assert bit(client, vc)
    unknown = client.post(
        "/credentials/status",
        json={
            "credentialId": "https://registrar.example.edu/credentials/9999",
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
        },
        headers=provider.headers,
    )
    assert unknown.status_code == 404
