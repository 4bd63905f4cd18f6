"""Awarding a module to one learner: the Open Badges 3.0 credential it returns, its proof
(checked by Tessera and by the reference JavaScript verifier), and privacy by default."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import (
    SERVICE_BASE_URL,
    Provider,
    award_data,
    served_status_lists,
    table_counts,
    verify_offline,
)

from service.app.engine import Engine
from service.store import Database, Repositories

CREDENTIAL_KEYS = {
    "@context",
    "id",
    "type",
    "name",
    "issuer",
    "validFrom",
    "awardedDate",
    "credentialSubject",
    "credentialStatus",
    "proof",
}
STATUS_ENTRY_KEYS = {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"}
SUBJECT_KEYS = {"type", "name", "identifier", "achievement", "activityEndDate"}


def award(client: Any, provider: Provider, module: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(**fields)},
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    # A learner new to the provider gets a wallet link; its address is shown this once.
    assert list(response.json()) == ["verifiableCredential", "walletUrl"]
    assert response.json()["walletUrl"].startswith(f"{SERVICE_BASE_URL}/wallet/")
    return dict(response.json()["verifiableCredential"])


def did_documents(client: Any, provider: Provider) -> dict[str, Any]:
    return {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}


def test_the_credential_is_an_open_badge_with_server_set_fields(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    vc = award(client, provider, module, learner="Amina Haddad", learnerId="E-2025-0042")
    after = datetime.now(UTC)

    assert set(vc) == CREDENTIAL_KEYS
    # Published contexts only: any verifier with an allowlist of published contexts reads it.
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"].startswith(f"{SERVICE_BASE_URL}/credentials/")
    assert vc["issuer"] == {
        "id": provider.did,
        "type": ["Profile"],
        "name": "Vocational Training Centre Hamburg",
        "url": "https://vtc-hamburg.example/",
    }
    valid_from = datetime.fromisoformat(vc["validFrom"])
    assert before <= valid_from <= after
    assert vc["name"] == module["name"]["de"]

    proof = vc["proof"]
    with db.transaction() as session:
        key = Repositories(session).providers.active_key(provider.issuer.id)
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == key.verification_method
    assert proof["proofValue"].startswith("z")

    # One revocation entry (this provider has no suspension) in a list this service serves:
    # a single entry is an object, as 1EdTech's AchievementCredential schema requires.
    entry = vc["credentialStatus"]
    assert isinstance(entry, dict)
    assert set(entry) == STATUS_ENTRY_KEYS
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListCredential"].startswith(f"{SERVICE_BASE_URL}/status/")
    assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"
    assert 0 <= int(entry["statusListIndex"]) < 131_072

    # The stored record is the document returned, under the id in the credential.
    row_id = vc["id"].rsplit("/", 1)[1]
    stored = client.get(f"/issuers/{provider.slug}/credentials/{row_id}", headers=provider.headers)
    assert stored.json() == {"verifiableCredential": vc}


def test_the_achievement_carries_the_module_and_its_alignments(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    subject = award(client, provider, module, result="Pass")["credentialSubject"]

    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    described = f"{achievement['id']}#result"
    assert subject["result"] == [
        {"type": ["Result"], "value": "Pass", "resultDescription": described}
    ]
    assert achievement["resultDescription"] == [
        {"id": described, "type": ["ResultDescription"], "name": "Result", "resultType": "Result"}
    ]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == (
        f"{SERVICE_BASE_URL}/issuers/{provider.slug}/modules/{module['id']}"
    )
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Schweißen Grundlagen (MIG/MAG)"
    assert achievement["inLanguage"] == "de"
    assert achievement["humanCode"] == "WELD-101"
    assert achievement["creditsAvailable"] == 2
    assert achievement["description"] == "Sichere Einrichtung und einfache Kehlnähte."
    assert achievement["criteria"]["narrative"] == (
        "Learning outcomes:\n- Richtet ein MIG/MAG-Gerät sicher ein\n\n"
        "Assessment criteria:\n- Drei Kehlnähte nach ISO 5817 C"
    )
    # Other languages are OB "alternate language editions" (Related), not a private term.
    base = achievement["id"]
    assert achievement["related"] == [
        {
            "id": f"{base}?lang=ar",
            "type": ["Related"],
            "inLanguage": "ar",
            "name": "أساسيات اللحام",
            "description": "الإعداد الآمن ولحامات الزاوية الأساسية.",
        },
        {
            "id": f"{base}?lang=en",
            "type": ["Related"],
            "inLanguage": "en",
            "name": "Welding basics (MIG/MAG)",
            "description": "Safe set-up and basic fillet welds.",
        },
        {
            "id": f"{base}?lang=uk",
            "type": ["Related"],
            "inLanguage": "uk",
            "name": "Основи зварювання",
        },
    ]
    # Nothing from the retired Tessera context; hours and the programme stay in the catalogue.
    retired = {"eqfLevel", "learningHours", "iscedFieldCode", "cefrLevel", "learningOutcome"}
    assert not retired & set(achievement)
    assert not {"nameTranslation", "descriptionTranslation", "partOfQualification"} & set(
        achievement
    )
    by_framework: dict[str, list[dict[str, Any]]] = {}
    for alignment in achievement["alignment"]:
        assert alignment["type"] == ["Alignment"]
        by_framework.setdefault(alignment["targetFramework"], []).append(alignment)
    assert set(by_framework) == {"European Qualifications Framework", "ISCED-F 2013", "ESCO"}
    # The EU's published concept URIs.
    (eqf,) = by_framework["European Qualifications Framework"]
    assert (eqf["targetCode"], eqf["targetUrl"]) == ("3", "http://data.europa.eu/snb/eqf/3")
    (isced,) = by_framework["ISCED-F 2013"]
    assert (isced["targetCode"], isced["targetUrl"]) == (
        "0715",
        "http://data.europa.eu/snb/isced-f/0715",
    )
    assert sorted((a["targetType"], a["targetUrl"]) for a in by_framework["ESCO"]) == sorted(
        [("ext:ESCOSkill", uri) for uri in module["escoSkills"]]
        + [("ext:ESCOOccupation", uri) for uri in module["escoOccupations"]]
    )


def test_the_credential_verifies_and_a_tampered_copy_does_not(
    client: Any, provider: Provider, module: dict[str, Any], service_engine: Engine
) -> None:
    vc = award(client, provider, module)
    documents = did_documents(client, provider)

    result = verify_offline(service_engine, vc, documents)
    assert result.verified, [c.to_json() for c in result.checks]
    assert result.issuer == provider.did

    for tamper in (
        lambda d: d["credentialSubject"].__setitem__("name", "Someone Else"),
        lambda d: d["credentialSubject"]["achievement"]["alignment"][0].__setitem__(
            "targetUrl", "http://data.europa.eu/snb/eqf/4"
        ),
        lambda d: d.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
    ):
        forged = copy.deepcopy(vc)
        tamper(forged)
        outcome = verify_offline(service_engine, forged, documents)
        assert not outcome.verified
        assert outcome.check("proof").status == "failed"


def test_the_credential_does_not_verify_against_another_providers_keys(
    client: Any, provider: Provider, module: dict[str, Any], service_engine: Engine
) -> None:
    vc = award(client, provider, module)
    documents = did_documents(client, provider)
    other = copy.deepcopy(documents[provider.did])
    other["verificationMethod"][0]["publicKeyMultibase"] = (
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    )
    assert not verify_offline(service_engine, vc, {provider.did: other}).verified


@pytest.mark.interop
def test_the_reference_javascript_verifier_agrees(
    client: Any, provider: Provider, module: dict[str, Any], node: Any
) -> None:
    vc = award(client, provider, module, result="87/100", learner="ليلى حداد")
    documents = did_documents(client, provider)
    # The reference verifier reads the credential's status from the list this service serves.
    lists = served_status_lists(client, vc)
    request = {"op": "verify", "didDocuments": documents, "statusLists": lists}

    outcome = node.request({**request, "credential": vc})
    assert outcome == {
        "verified": True,
        "errors": [],
        "statuses": [
            {
                "statusPurpose": "revocation",
                "statusListIndex": vc["credentialStatus"]["statusListIndex"],
                "status": False,
            }
        ],
    }

    forged = copy.deepcopy(vc)
    forged["credentialSubject"]["achievement"]["name"] = "Advanced welding"
    refused = node.request({**request, "credential": forged})
    assert refused["verified"] is False


def test_the_credential_says_only_name_achievement_provider_and_dates(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    vc = award(
        client,
        provider,
        module,
        learner="Amina Haddad",
        learnerId="ENR-4711-SECRET",
        language="ar",
    )

    assert set(vc) == CREDENTIAL_KEYS
    subject = vc["credentialSubject"]
    assert set(subject) == SUBJECT_KEYS
    assert subject["name"] == "Amina Haddad"
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": "Amina Haddad",
            "identityType": "name",
            "hashed": False,
        }
    ]
    assert subject["activityEndDate"] == "2025-06-30T00:00:00Z"
    assert set(vc["issuer"]) == {"id", "type", "name", "url"}
    # The status entry says where to look, nothing about the learner.
    assert set(vc["credentialStatus"]) == STATUS_ENTRY_KEYS
    assert "ENR-4711-SECRET" not in json.dumps(vc)

    with db.transaction() as session:
        (row,) = Repositories(session).credentials.credentials(
            provider.issuer.id, limit=5, offset=0
        )
    assert row.learner_ref == "ENR-4711-SECRET"
    assert row.learner_name == "Amina Haddad"
    assert row.module_id == module["id"]
    assert "ENR-4711-SECRET" not in json.dumps(row.document)


def test_a_learner_did_becomes_the_subject_id(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    subject = award(client, provider, module, learnerDid=did)["credentialSubject"]
    assert subject["id"] == did
    assert set(subject) == SUBJECT_KEYS | {"id"}


PERSONAL_DATA = {
    "nationality": "SY",
    "asylumStatus": "pending",
    "dateOfBirth": "1999-01-01",
    "address": "Hauptstraße 1, Hamburg",
    "photo": "data:image/jpeg;base64,/9j/4AAQ",
    "date_of_birth": "1999-01-01",
    "Nationality": "SY",
}


def test_personal_data_is_refused_naming_the_field(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    before = table_counts(db)
    for field, value in PERSONAL_DATA.items():
        response = client.post(
            f"/issuers/{provider.slug}/awards",
            json={"moduleId": module["id"], **award_data(), field: value},
            headers=provider.headers,
        )

        assert response.status_code == 422, field
        body = response.json()
        assert field in body["detail"], body
        assert [e["path"] for e in body["errors"]] == [f"$.{field}"], body
        assert "personal data" in body["errors"][0]["message"]
    assert table_counts(db) == before


def test_personal_data_nested_in_a_field_is_refused(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    response = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": module["id"], **award_data(), "learner": {"photo": "x"}},
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert "$.learner.photo" in [e["path"] for e in response.json()["errors"]]


def test_an_award_cannot_set_credential_fields(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    for field in (
        "id",
        "issuer",
        "validFrom",
        "proof",
        "credentialSubject",
        "type",
        "credentialStatus",
    ):
        response = client.post(
            f"/issuers/{provider.slug}/awards",
            json={"moduleId": module["id"], **award_data(), field: "urn:x"},
            headers=provider.headers,
        )
        assert response.status_code == 422, field
        assert field in response.json()["detail"], field
    assert table_counts(db)["credentials"] == 0


INVALID_AWARDS: list[tuple[dict[str, Any], str]] = [
    ({"learnerName": "Amina"}, "$"),
    ({"completedOn": "2025-06-30"}, "$"),
    ({"learnerName": "  ", "completedOn": "2025-06-30"}, "$.learnerName"),
    ({"learnerName": "Amina", "completedOn": "30.06.2025"}, "$.completedOn"),
    ({"learnerName": "Amina", "completedOn": "2025-02-30"}, "$.completedOn"),
    ({"learnerName": "Amina", "completedOn": "2025-06-30", "learnerDid": "me"}, "$.learnerDid"),
    ({"learnerName": "Amina", "completedOn": "2025-06-30", "result": ""}, "$.result"),
    ({"learnerName": "A" * 201, "completedOn": "2025-06-30"}, "$.learnerName"),
]


def test_an_invalid_award_is_422(
    client: Any, provider: Provider, module: dict[str, Any], db: Database
) -> None:
    before = table_counts(db)
    for body, path in INVALID_AWARDS:
        response = client.post(
            f"/issuers/{provider.slug}/awards",
            json={"moduleId": module["id"], **body},
            headers=provider.headers,
        )
        assert response.status_code == 422, body
        assert path in [e["path"] for e in response.json()["errors"]], (body, response.json())
    assert table_counts(db) == before


def test_an_unknown_or_missing_module(client: Any, provider: Provider) -> None:
    unknown = client.post(
        f"/issuers/{provider.slug}/awards",
        json={"moduleId": "no-such-module", **award_data()},
        headers=provider.headers,
    )
    assert unknown.status_code == 404
    missing = client.post(
        f"/issuers/{provider.slug}/awards", json=award_data(), headers=provider.headers
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"path": "$.moduleId", "message": "required"}]


def test_issued_credentials_are_listed_newest_first(
    client: Any, provider: Provider, module: dict[str, Any]
) -> None:
    first = award(client, provider, module, learner="First Learner")
    second = award(client, provider, module, learner="Second Learner")
    listed = client.get(f"/issuers/{provider.slug}/credentials", headers=provider.headers).json()
    assert [r["credentialId"] for r in listed] == [second["id"], first["id"]]
    assert [r["learnerName"] for r in listed] == ["Second Learner", "First Learner"]
    issued_at = [datetime.fromisoformat(r["issuedAt"]) for r in listed]
    assert issued_at[0] >= issued_at[1] > datetime.now(UTC) - timedelta(minutes=1)
