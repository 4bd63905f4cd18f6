"""The append-only audit log (who, what, when; never credential content) and key rotation
(new credentials use the new key, old ones keep verifying against the published document)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import Provider, award_data, cohort, served_status_lists, verify_offline
from sqlalchemy import text

from service.app.engine import Engine
from service.app.providers import rotate_key
from service.store import Database, Repositories


def audit_rows(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM audit_log ORDER BY id")).mappings().all()
    return [dict(r) for r in rows]


def award(client: Any, provider: Provider, module: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["verifiableCredential"])


def test_issue_key_and_api_key_events_are_recorded_with_actor_and_time(
    client: Any, provider: Provider, module: dict[str, Any], db: Database, service_engine: Engine
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)
    minted = client.post(
        f"/issuers/{provider.slug}/api-keys", json={"scopes": ["issue"]}, headers=provider.headers
    ).json()
    client.delete(f"/issuers/{provider.slug}/api-keys/{minted['id']}", headers=provider.headers)
    single = award(client, provider, module)
    cohort_ids = client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json={"moduleId": module["id"], "awards": cohort(2)},
        headers=provider.headers,
    ).json()["credentialIds"]
    with db.transaction() as session:
        repo = Repositories(session)
        new_vm = rotate_key(
            repo, service_engine.keys(), issuer=provider.issuer, actor="cli", now=datetime.now(UTC)
        )
    end = datetime.now(UTC) + timedelta(seconds=5)

    rows = audit_rows(db)
    admin_key_id = client.get(
        f"/issuers/{provider.slug}/api-keys", headers=provider.headers
    ).json()[0]["id"]
    admin = f"api-key:{admin_key_id}"
    events = [(r["action"], r["actor"], r["subject"]) for r in rows]
    assert events[:3] == [
        ("issuer.create", "test", provider.did),
        ("key.create", "test", events[1][2]),
        ("api_key.create", "test", admin_key_id),
    ]
    # Each learner got a wallet link in the issuing transaction, after the credentials.
    links = client.get(f"/issuers/{provider.slug}/wallet-links", headers=provider.headers).json()
    link_of = {cid: link["id"] for link in links for cid in link["credentialIds"]}
    single_id, *cohort_uuids = [i.rsplit("/", 1)[1] for i in [single["id"], *cohort_ids]]
    assert set(link_of) == {single_id, *cohort_uuids}
    assert len(set(link_of.values())) == 3
    assert events[3:] == [
        ("module.create", admin, module["id"]),
        ("api_key.create", admin, minted["id"]),
        ("api_key.revoke", admin, minted["id"]),
        ("credential.issue", admin, single_id),
        ("wallet_link.create", admin, link_of[single_id]),
        *[("credential.issue", admin, i) for i in cohort_uuids],
        *[("wallet_link.create", admin, link_of[i]) for i in cohort_uuids],
        ("key.create", "cli", new_vm),
    ]
    for row in rows:
        at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(row["at"])
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        assert start <= at <= end
        assert row["issuer_id"] == provider.issuer.id

    served = client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).json()
    assert [(e["action"], e["actor"], e["subject"]) for e in served] == events[::-1]


def test_the_audit_log_holds_no_credential_content(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    learners = ["Amina Haddad", "ليلى حداد", "Oleksandr Kovalenko"]
    award(client, provider, module, learner=learners[0], learnerId="ENR-0001", result="Distinction")
    client.post(
        f"/issuers/{provider.slug}/awards/batch",
        json={
            "moduleId": module["id"],
            "awards": [award_data(n, learnerId=f"ENR-{i}") for i, n in enumerate(learners[1:])],
        },
        headers=provider.headers,
    )
    client.post(
        "/credentials/issue",
        json={
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"name": "Chidi Okafor"},
            }
        },
        headers=provider.headers,
    )

    dump = json.dumps(
        [{k: str(v) for k, v in r.items()} for r in audit_rows(db)], ensure_ascii=False
    )
    assert dump.count("credential.issue") == 4
    for secret in [*learners, "Chidi Okafor", "ENR-0001", "Distinction", "Haddad", "Schweißen"]:
        assert secret not in dump
    served = client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).text
    for learner in learners:
        assert learner not in served


def test_a_refused_request_leaves_no_audit_trace(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    before = audit_rows(db)
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(), "nationality": "SY"},
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert audit_rows(db) == before


def test_after_rotation_new_credentials_use_the_new_key_and_old_ones_still_verify(
    client: Any, provider: Provider, module: dict[str, Any], db: Database, service_engine: Engine
) -> None:
    old_vc = award(client, provider, module, learner="Before Rotation")
    old_document = client.get(f"/issuers/{provider.slug}/did.json").json()
    with db.transaction() as session:
        new_vm = rotate_key(
            Repositories(session),
            service_engine.keys(),
            issuer=provider.issuer,
            actor="cli",
            now=datetime.now(UTC),
        )

    new_vc = award(client, provider, module, learner="After Rotation")
    document = client.get(f"/issuers/{provider.slug}/did.json").json()

    old_vm = old_vc["proof"]["verificationMethod"]
    assert new_vc["proof"]["verificationMethod"] == new_vm != old_vm
    assert [m["id"] for m in document["verificationMethod"]] == [old_vm, new_vm]
    assert document["assertionMethod"] == [old_vm, new_vm]
    for vc in (old_vc, new_vc):
        result = verify_offline(service_engine, vc, {provider.did: document})
        assert result.verified, [c.to_json() for c in result.checks]
    # The document from before the rotation does not know the new key: the check can fail.
    assert not verify_offline(service_engine, new_vc, {provider.did: old_document}).verified
    # Without the old key, the old credential would not verify either.
    without_old = copy.deepcopy(document)
    without_old["verificationMethod"] = without_old["verificationMethod"][1:]
    without_old["assertionMethod"] = [new_vm]
    assert not verify_offline(service_engine, old_vc, {provider.did: without_old}).verified


@pytest.mark.interop
def test_the_reference_verifier_accepts_credentials_from_before_a_rotation(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    service_engine: Engine,
    node: Any,
) -> None:
    old_vc = award(client, provider, module)
    with db.transaction() as session:
        rotate_key(
            Repositories(session),
            service_engine.keys(),
            issuer=provider.issuer,
            actor="cli",
            now=datetime.now(UTC),
        )
    new_vc = award(client, provider, module)
    documents = {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}
    for vc in (old_vc, new_vc):
        # The status list is signed with the new key now; both credentials' status is read.
        outcome = node.request(
            {
                "op": "verify",
                "credential": vc,
                "didDocuments": documents,
                "statusLists": served_status_lists(client, vc),
            }
        )
        assert outcome["verified"] is True and outcome["errors"] == [], outcome
        assert [s["status"] for s in outcome["statuses"]] == [False]


def test_a_key_declared_compromised_fails_what_it_signed_since_and_only_that(
    client: Any,
    provider: Provider,
    module: dict[str, Any],
    db: Database,
    service_settings: Any,
    service_engine: Engine,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`tessera keys revoke`: the DID document publishes the key's `revoked` time; what the key
    signed before still verifies, a signature it made after does not, and a new key signs from
    then on."""
    from cli_support import Cli, service_env

    from service.proofs import sign

    before = award(client, provider, module, learner="Before The Leak")
    old_vm = before["proof"]["verificationMethod"]
    with db.transaction() as session:
        old_key = next(
            k.key_name
            for k in Repositories(session).providers.issuer_keys(provider.issuer.id)
            if k.verification_method == old_vm
        )
    since = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    cli = Cli(
        monkeypatch,
        service_env(
            tmp_path,
            TESSERA_DATA_DIR=str(service_settings.data_dir),
            TESSERA_KEYS_DIR=str(service_settings.keys_dir),
            TESSERA_DATABASE_URL=db.url,
        ),
    )
    future = cli("keys", "revoke", provider.slug, "--since", "2999-01-01T00:00:00Z")
    assert future.exit_code == 2 and "future" in future.output
    revoked = cli("keys", "revoke", provider.slug, "--since", "2000-01-01")
    assert revoked.exit_code == 2 and "offset" in revoked.output
    import time

    time.sleep(1.2)  # `since` must have come
    result = cli("keys", "revoke", provider.slug, "--since", since.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert result.exit_code == 0, result.output
    assert f"revoked {old_vm}" in result.output and "new signing key" in result.output

    document = client.get(f"/issuers/{provider.slug}/did.json").json()
    old = next(m for m in document["verificationMethod"] if m["id"] == old_vm)
    assert old["revoked"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")
    after = award(client, provider, module, learner="After The Leak")
    assert after["proof"]["verificationMethod"] != old_vm
    # Someone holding the leaked key signs a credential after the compromise.
    forged = sign(
        {k: v for k, v in before.items() if k != "proof"} | {"id": before["id"] + "-forged"},
        signer=service_engine.keys().signer(old_key),
        canonicalizer=service_engine.canonicalizer,
        created=since + timedelta(seconds=1),
    )
    documents = {provider.did: document}
    for vc, verified in ((before, True), (after, True), (forged, False)):
        result = verify_offline(
            service_engine, vc, documents, status_lists=served_status_lists(client, vc)
        )
        assert result.verified is verified, [c.to_json() for c in result.checks]
    issuer_check = verify_offline(service_engine, forged, documents).check("issuer")
    assert issuer_check.status == "failed" and "compromised" in issuer_check.detail
    again = cli("keys", "revoke", provider.slug, "--key", old_vm)
    assert again.exit_code == 2 and "already revoked" in again.output


def test_the_api_declares_a_key_compromised(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    before = award(client, provider, module, learner="Before")
    old_vm = before["proof"]["verificationMethod"]
    url = f"/issuers/{provider.slug}/keys/revoke"
    bad = client.post(url, json={"since": "2026-03-01"}, headers=provider.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "$.since"
    assert client.post(url, json={}).status_code == 401
    response = client.post(url, json={}, headers=provider.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["revoked"] == old_vm and body["signingKey"] not in (None, old_vm)
    document = client.get(f"/issuers/{provider.slug}/did.json").json()
    assert "revoked" in next(m for m in document["verificationMethod"] if m["id"] == old_vm)
    after = award(client, provider, module, learner="After")
    assert after["proof"]["verificationMethod"] == body["signingKey"]
    audit = client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).json()
    assert any(a["action"] == "key.revoke" and a["subject"] == old_vm for a in audit)
