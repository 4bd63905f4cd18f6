"""Across providers: a learner presents another provider's module credential to their wallet;
it is verified with the full pipeline before it counts; the qualification names it; revoking
it flags the qualification for review."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from conftest import SERVICE_BASE_URL, Provider, award_data, module_data
from sqlalchemy import select

from service.credentials.qualification import EXTERNAL
from service.store.models import AuditRow


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def define(client: Any, provider: Provider, code: str) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": f"Module {code}"}, defaultLanguage="en"),
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def give(client: Any, provider: Provider, module_id: str, learner: str = "Amina Haddad") -> Any:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module_id, **award_data(learner, learnerId="E-7")},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_recognized_providers_module_counts_once_verified_and_its_revocation_flags(
    client: Any, make_provider: Any
) -> None:
    hamburg = make_provider("VTC Hamburg", slug="vtc-hamburg")
    lyon = make_provider("Académie de Lyon", slug="academie-lyon")
    stranger = make_provider("Unrecognized School", slug="unrecognized")
    local = define(client, hamburg, "WELD-101")
    abroad = define(client, lyon, "SAFE-100")
    elsewhere = define(client, stranger, "X-1")
    achievement = f"{SERVICE_BASE_URL}/issuers/{lyon.slug}/modules/{abroad}"
    programme = client.post(
        f"/issuers/{hamburg.slug}/programmes",
        json={
            "name": {"en": "Metal trades assistant"},
            "defaultLanguage": "en",
            "recognizedProviders": [lyon.did],
            "completion": {"rule": {"allOf": [local, achievement]}},
        },
        headers=hamburg.headers,
    )
    assert programme.status_code == 201, programme.text
    wallet = path_of(give(client, hamburg, local)["walletUrl"])
    from_lyon = give(client, lyon, abroad)["verifiableCredential"]
    from_stranger = give(client, stranger, elsewhere)["verifiableCredential"]
    other_name = give(client, lyon, abroad, learner="Someone Else")["verifiableCredential"]
    tampered = copy.deepcopy(from_lyon)
    tampered["credentialSubject"]["activityEndDate"] = "2020-01-01T00:00:00Z"

    refused = client.post(
        f"{wallet}/credentials", json=[tampered, from_stranger, other_name]
    ).json()
    assert [r["accepted"] for r in refused["results"]] == [False, False, False]
    reasons = [r["reason"] for r in refused["results"]]
    assert reasons[0].startswith("not verified (proof")
    assert "accepts modules from" in reasons[1] and stranger.did in reasons[1]
    assert "another name" in reasons[2]
    assert refused["qualifications"] == []

    presented = client.post(
        f"{wallet}/credentials",
        json={
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [from_lyon],
        },
    )
    assert presented.status_code == 200, presented.text
    [result] = presented.json()["results"]
    assert result == {"id": from_lyon["id"], "accepted": True, "reason": "verified and counted"}
    [awarded] = presented.json()["qualifications"]
    record = awarded["credentialId"].rsplit("/", 1)[-1]
    qualification = client.get(
        f"/issuers/{hamburg.slug}/credentials/{record}", headers=hamburg.headers
    ).json()["verifiableCredential"]
    external = [e for e in qualification["evidence"] if e["id"] == from_lyon["id"]]
    assert external and external[0]["genre"] == EXTERNAL
    assert "Académie de Lyon" in external[0]["description"]
    [listed] = client.get(f"/issuers/{hamburg.slug}/qualifications", headers=hamburg.headers).json()
    assert {r["issuer"] for r in listed["reliedOn"]} == {hamburg.did, lyon.did}
    # Presenting it again changes nothing.
    again = client.post(f"{wallet}/credentials", json=from_lyon).json()
    assert again["results"][0]["accepted"] and again["qualifications"] == []

    # Lyon revokes its credential: Hamburg's qualification is flagged, never silently valid.
    revoked = client.post(
        f"/issuers/{lyon.slug}/credentials/{from_lyon['id'].rsplit('/', 1)[-1]}/revoke",
        json={"reason": "issued in error"},
        headers=lyon.headers,
    )
    assert revoked.status_code == 200, revoked.text
    [flagged] = client.get(
        f"/issuers/{hamburg.slug}/qualifications",
        params={"flagged": "true"},
        headers=hamburg.headers,
    ).json()
    assert flagged["id"] == awarded["qualificationId"]
    assert from_lyon["id"] in flagged["reviewReason"]
    # Presented now, it no longer counts.
    late = client.post(f"{wallet}/credentials", json=from_lyon).json()
    assert not late["results"][0]["accepted"] and "status" in late["results"][0]["reason"]


def test_recheck_flags_what_no_longer_verifies(client: Any, make_provider: Any) -> None:
    """A provider whose revocation Tessera does not hear of directly (another service): the
    recheck verifies again and flags."""
    hamburg = make_provider("VTC Hamburg", slug="vtc-hamburg")
    lyon = make_provider("Académie de Lyon", slug="academie-lyon")
    local, abroad = define(client, hamburg, "A-1"), define(client, lyon, "B-1")
    achievement = f"{SERVICE_BASE_URL}/issuers/{lyon.slug}/modules/{abroad}"
    client.post(
        f"/issuers/{hamburg.slug}/programmes",
        json={
            "name": {"en": "P"},
            "defaultLanguage": "en",
            "recognizedProviders": [lyon.did],
            "completion": {"rule": {"allOf": [local, achievement]}},
        },
        headers=hamburg.headers,
    )
    wallet = path_of(give(client, hamburg, local)["walletUrl"])
    from_lyon = give(client, lyon, abroad)["verifiableCredential"]
    assert client.post(f"{wallet}/credentials", json=from_lyon).json()["qualifications"]
    clean = client.post(f"/issuers/{hamburg.slug}/qualifications/recheck", headers=hamburg.headers)
    assert clean.json() == {"checked": 1, "failing": [], "flagged": []}
    # Lyon revokes it; Hamburg's qualification is flagged at once (same service). Clear
    # that flag, as if Lyon were another service whose revocation Hamburg never heard of.
    client.post(
        f"/issuers/{lyon.slug}/credentials/{from_lyon['id'].rsplit('/', 1)[-1]}/revoke",
        json={},
        headers=lyon.headers,
    )
    from service.store.models import QualificationRow

    state = client.app.state.tessera
    with state.database.transaction() as session:
        [row] = session.query(QualificationRow).all()
        assert row.flagged_at is not None
        row.flagged_at = None
        row.review_reason = None
    checked = client.post(
        f"/issuers/{hamburg.slug}/qualifications/recheck", headers=hamburg.headers
    ).json()
    assert checked["failing"] == [from_lyon["id"]] and len(checked["flagged"]) == 1


def test_the_wallet_page_takes_the_file_in_the_learners_language(
    client: Any, make_provider: Any
) -> None:
    """No JavaScript: a form on the wallet page uploads the file; the page answers whether it
    counted, in the learner's language; a file that is not a credential is said so, never a 500."""
    hamburg = make_provider("VTC Hamburg", slug="vtc-hamburg")
    lyon = make_provider("Académie de Lyon", slug="academie-lyon")
    local, abroad = define(client, hamburg, "A-1"), define(client, lyon, "B-1")
    wallet = path_of(give(client, hamburg, local)["walletUrl"])
    assert 'action="' + wallet + '/present"' not in client.get(wallet).text  # nothing to add yet
    client.post(
        f"/issuers/{hamburg.slug}/programmes",
        json={
            "name": {"en": "P"},
            "defaultLanguage": "en",
            "recognizedProviders": [lyon.did],
            "completion": {
                "rule": {
                    "allOf": [local, f"{SERVICE_BASE_URL}/issuers/{lyon.slug}/modules/{abroad}"]
                }
            },
        },
        headers=hamburg.headers,
    )
    page = client.get(wallet, params={"lang": "de"}).text
    assert f'action="{wallet}/present"' in page and "Prüfen und hinzufügen" in page
    from_lyon = give(client, lyon, abroad)["verifiableCredential"]
    import json

    added = client.post(
        f"{wallet}/present?lang=de",
        files={"file": ("module.json", json.dumps(from_lyon).encode(), "application/json")},
    )
    assert added.status_code == 200
    assert 'data-accepted="true"' in added.text and "Geprüft und hinzugefügt" in added.text
    assert "1 von 1 Modul" not in added.text and "2 von 2 Modulen" in added.text
    for junk in (b"\xff\xfe not json", b"[" * 100_000, b'{"a": 1, "a": 2}'):
        refused = client.post(
            f"{wallet}/present?lang=de", files={"file": ("x.json", junk, "application/json")}
        )
        assert refused.status_code == 200, refused.text
        assert 'data-accepted="false"' in refused.text and "Nicht hinzugefügt" in refused.text


def test_the_audit_log_names_a_presented_credential_only_by_the_hash_of_its_id(
    client: Any, make_provider: Any, db: Any
) -> None:
    """The other provider chooses the credential's id (it may be a URL with the learner's
    name in it): the audit event keeps its SHA-256, never the id."""
    hamburg = make_provider("VTC Hamburg", slug="vtc-hamburg")
    lyon = make_provider("Académie de Lyon", slug="academie-lyon")
    local, abroad = define(client, hamburg, "WELD-101"), define(client, lyon, "SAFE-100")
    achievement = f"{SERVICE_BASE_URL}/issuers/{lyon.slug}/modules/{abroad}"
    assert (
        client.post(
            f"/issuers/{hamburg.slug}/programmes",
            json={
                "name": {"en": "Metal trades assistant"},
                "defaultLanguage": "en",
                "recognizedProviders": [lyon.did],
                "completion": {"rule": {"allOf": [local, achievement]}},
            },
            headers=hamburg.headers,
        ).status_code
        == 201
    )
    wallet = path_of(give(client, hamburg, local)["walletUrl"])
    from_lyon = give(client, lyon, abroad)["verifiableCredential"]
    assert client.post(f"{wallet}/credentials", json=from_lyon).json()["results"][0]["accepted"]

    with db.transaction() as session:
        events = session.scalars(
            select(AuditRow).where(AuditRow.action == "external_credential.accept")
        ).all()
    assert [e.subject for e in events] == [hashlib.sha256(from_lyon["id"].encode()).hexdigest()]
    assert from_lyon["id"].rsplit("/", 1)[-1] not in f"{events[0].subject} {events[0].detail}"
