"""Programmes with completion rules on the catalogue: validated (schema, then what the schema
cannot see) and shown as defined."""

from __future__ import annotations

import json
import threading
from typing import Any

import jsonschema
import pytest
from conftest import (
    SHARED,
    Provider,
    award_data,
    module_data,
    served_status_lists,
    table_counts,
    verify_offline,
)

from service.credentials.qualification import digest_multibase
from service.store import Database


def define_module(client: Any, provider: Provider, code: str, **fields: Any) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": f"Module {code}"}, defaultLanguage="en", **fields),
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_programme_shows_its_completion_rules(client: Any, provider: Provider) -> None:
    a, b, c = (define_module(client, provider, code) for code in ("A-1", "B-1", "C-1"))
    completion = {
        "rule": {"allOf": [a, {"anyOf": [b, "https://academy.example/achievements/b"]}]},
        "minHours": 60,
        "withinMonths": 24,
        "notBefore": "2024-01-01",
    }
    body = {"name": {"en": "Metal trades"}, "defaultLanguage": "en", "version": 2}
    created = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={**body, "completion": completion},
        headers=provider.headers,
    )
    assert created.status_code == 201, created.text
    shown = client.get(
        f"/issuers/{provider.slug}/programmes/{created.json()['id']}", headers=provider.headers
    ).json()
    assert shown["completion"] == completion and shown["version"] == 2
    assert c not in str(shown)


def test_rules_that_cannot_be_met_are_refused_and_nothing_is_written(
    client: Any, provider: Provider, db: Database
) -> None:
    a = define_module(client, provider, "A-1")
    before = table_counts(db)
    unknown = "0a0a0a0a-0000-4000-8000-000000000000"
    refused = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "name": {"en": "P"},
            "defaultLanguage": "en",
            "completion": {"rule": {"nOf": 3, "of": [a, unknown]}},
        },
        headers=provider.headers,
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["path"] for e in problem["errors"]] == [
        "$.completion.rule",
        "$.completion.rule.of[1]",
    ]
    assert "asks for more than the 2 listed" in problem["detail"]
    malformed = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={"name": {"en": "P"}, "defaultLanguage": "en", "completion": {"rule": {"n": 1}}},
        headers=provider.headers,
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["path"] == "$.completion.rule"
    assert table_counts(db) == before


# -- the automatic award -----------------------------------------------------------------


def programme_of(client: Any, provider: Provider, completion: dict[str, Any]) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/programmes",
        json={
            "name": {"en": "Metal trades assistant", "ar": "مساعد في المهن المعدنية"},
            "defaultLanguage": "en",
            "code": "MT-3",
            "eqfLevel": 3,
            "completion": completion,
        },
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def award(
    client: Any, provider: Provider, module_id: str, learner: str = "Amina Haddad", **fields: Any
) -> dict[str, Any]:
    fields.setdefault("learnerId", f"ref-{learner}")
    body = {"moduleId": module_id, **award_data(learner, **fields)}
    response = client.post(f"/issuers/{provider.slug}/awards", json=body, headers=provider.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def five_modules(client: Any, provider: Provider) -> tuple[list[str], str]:
    modules = [define_module(client, provider, f"M-{i}", hours=20) for i in range(1, 7)]
    m1, m2, m3, m4, m5, m6 = modules
    programme = programme_of(
        client,
        provider,
        {
            "rule": {"allOf": [m1, m2, {"anyOf": [m3, m6]}, {"nOf": 2, "of": [m4, m5, m6]}]},
            "minHours": 100,
        },
    )
    return modules, programme


def test_the_last_module_awards_the_qualification_and_its_transcript_once(
    client: Any, provider: Provider, service_engine: Any
) -> None:
    modules, programme = five_modules(client, provider)
    m1, m2, m3, m4, m5, _ = modules
    issued = [award(client, provider, m)["verifiableCredential"] for m in (m1, m2, m3, m4)]
    assert (
        client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers).json()
        == []
    )
    last = award(client, provider, m5, completedOn="2025-07-15")
    issued.append(last["verifiableCredential"])
    [awarded] = last["qualifications"]
    assert awarded["programmeId"] == programme

    listed = client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers)
    [record] = listed.json()
    assert record["id"] == awarded["qualificationId"] and not record["flaggedForReview"]
    assert {r["id"] for r in record["reliedOn"]} == {c["id"] for c in issued}
    assert {r["digestMultibase"] for r in record["reliedOn"]} == {
        digest_multibase(c) for c in issued
    }

    # Another module later, or the same one again: still one qualification.
    assert "qualifications" not in award(client, provider, m5)
    assert (
        len(client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers).json())
        == 1
    )
    # Another learner with the same name but another learner id starts from nothing.
    other = award(client, provider, m1, "Amina Haddad", learnerId="someone-else")
    assert "qualifications" not in other


def test_a_retried_award_whose_first_attempt_died_before_the_award_qualifies(
    app: Any, client: Any, provider: Provider
) -> None:
    """The first attempt stored the last module credential and died before the award; the
    retry with the same Idempotency-Key replays that credential and awards the qualification."""
    from datetime import UTC, datetime

    from service.app.issuing import issue_awards

    m1, m2 = (define_module(client, provider, code) for code in ("A-1", "B-1"))
    programme = programme_of(client, provider, {"rule": {"allOf": [m1, m2]}})
    award(client, provider, m1)
    body = {"moduleId": m2, **award_data("Amina Haddad", learnerId="ref-Amina Haddad")}
    state = app.state.tessera
    first = issue_awards(
        state.repository,
        state.issue_setup(),
        issuer_id=provider.issuer.id,
        module_id=m2,
        awards=[body],
        actor="test",
        now=datetime.now(UTC),
        idempotency_key="last-module",
        idempotency_body=body,
    )
    retry = client.post(
        f"/issuers/{provider.slug}/awards",
        json=body,
        headers={**provider.headers, "Idempotency-Key": "last-module"},
    )
    assert retry.status_code == 201, retry.text
    answer = retry.json()
    assert answer["verifiableCredential"]["id"] == first.credentials[0]["id"]
    [awarded] = answer["qualifications"]
    assert awarded["programmeId"] == programme
    again = client.post(
        f"/issuers/{provider.slug}/awards",
        json=body,
        headers={**provider.headers, "Idempotency-Key": "last-module"},
    )
    assert "qualifications" not in again.json()
    listed = client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers)
    assert len(listed.json()) == 1


def stored(client: Any, provider: Provider, document_id: str) -> dict[str, Any]:
    record = document_id.rsplit("/", 1)[-1]
    response = client.get(
        f"/issuers/{provider.slug}/credentials/{record}", headers=provider.headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["verifiableCredential"])


def clr_schema_errors(clr: dict[str, Any]) -> list[str]:
    """Every way ``clr`` breaks 1EdTech's ClrCredential schema, except two places where this
    draft-4 schema predates VC 2.0 and OB 3.0.3: it requires VC 1.1's ``issuanceDate`` (VC 2.0
    and 1EdTech's own CLR 2.0 test vector have ``validFrom``), and its ``CredentialStatus``
    allows only ``id`` and ``type``, so no status method with its own fields (a Bitstring
    Status List entry's ``statusPurpose``, ``statusListIndex``, ``statusListCredential``)
    could pass; OB 3.0.3's AchievementCredential schema accepts the same entries."""
    schema = json.loads(
        (SHARED / "schemas-1edtech" / "clr_v2p0_clrcredential_schema_draft4.json").read_text()
    )
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(clr)
        if not (e.validator == "required" and "'issuanceDate'" in e.message)
        and not (e.absolute_path and e.absolute_path[-1] == "credentialStatus")
    ]


@pytest.mark.interop
def test_the_qualification_and_transcript_verify_in_tessera_and_the_reference_stack(
    client: Any, provider: Provider, service_engine: Any, node: Any
) -> None:
    modules, _ = five_modules(client, provider)
    answers = [award(client, provider, m) for m in modules[:5]]
    issued = [a["verifiableCredential"] for a in answers]
    [awarded] = answers[-1]["qualifications"]
    qualification = stored(client, provider, awarded["credentialId"])
    clr = stored(client, provider, awarded["clrId"])

    # The qualification names each module credential by id and digest, in OB and VC terms.
    assert {e["id"]: e["digestMultibase"] for e in qualification["evidence"]} == {
        c["id"]: digest_multibase(c) for c in issued
    }
    assert {r["id"] for r in qualification["relatedResource"]} == {c["id"] for c in issued}
    assert {e["genre"] for e in qualification["evidence"]} == {"Module credential"}
    achievement = qualification["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Metal trades assistant"
    # The transcript bundles the module credentials and the qualification as signed.
    subject = clr["credentialSubject"]
    assert subject["verifiableCredential"] == [*sorted_like(issued, qualification), qualification]
    assert {a["sourceId"] for a in subject["association"]} == {
        c["credentialSubject"]["achievement"]["id"] for c in issued
    }
    assert {a["targetId"] for a in subject["association"]} == {achievement["id"]}

    schema = json.loads(
        (SHARED / "schemas-1edtech" / "ob_v3p0_achievementcredential_schema.json").read_text()
    )
    ob = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [
        e.message for e in ob.iter_errors({**qualification, "proof": [qualification["proof"]]})
    ] == []
    errors = clr_schema_errors(clr)
    assert errors == [], "\n".join(errors)

    documents = {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}
    for document in (qualification, clr):
        lists = served_status_lists(client, document)
        assert verify_offline(service_engine, document, documents, status_lists=lists).verified
        outcome = node.request(
            {
                "op": "verify",
                "credential": document,
                "didDocuments": documents,
                "statusLists": lists,
            }
        )
        assert outcome["verified"], outcome["errors"]
    # A changed digest is caught by both: the evidence is signed.
    tampered = json.loads(json.dumps(qualification))
    tampered["evidence"][0]["digestMultibase"] = digest_multibase({"other": 1})
    assert not verify_offline(service_engine, tampered, documents).verified
    outcome = node.request(
        {"op": "verify", "credential": tampered, "didDocuments": documents, "skipStatusCheck": True}
    )
    assert not outcome["verified"]


def sorted_like(
    issued: list[dict[str, Any]], qualification: dict[str, Any]
) -> list[dict[str, Any]]:
    """The module credentials in the order the qualification's evidence names them."""
    by_id = {c["id"]: c for c in issued}
    return [by_id[e["id"]] for e in qualification["evidence"]]


def test_a_cohort_upload_awards_every_learner_who_completes(
    client: Any, provider: Provider
) -> None:
    m1, m2 = (define_module(client, provider, code) for code in ("A-1", "B-1"))
    programme_of(client, provider, {"rule": {"allOf": [m1, m2]}})
    learners = [award_data(f"Learner {i}", learnerId=f"E-{i}") for i in range(3)]
    for module_id, rows in ((m1, learners), (m2, learners[:2])):
        response = client.post(
            f"/issuers/{provider.slug}/awards/batch",
            json={"moduleId": module_id, "awards": rows},
            headers=provider.headers,
        )
        assert response.status_code == 201, response.text
    assert (
        "qualifications"
        not in client.post(
            f"/issuers/{provider.slug}/awards/batch",
            json={"moduleId": m1, "awards": learners[:1]},
            headers=provider.headers,
        ).json()
    )
    assert len(response.json()["qualifications"]) == 2
    listed = client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers)
    assert len(listed.json()) == 2


def test_revoked_modules_do_not_count_and_revoking_a_relied_on_one_flags_the_qualification(
    client: Any, provider: Provider, db: Database
) -> None:
    m1, m2 = (define_module(client, provider, code) for code in ("A-1", "B-1"))
    programme_of(client, provider, {"rule": {"allOf": [m1, m2]}})
    first = award(client, provider, m1)["verifiableCredential"]
    record = first["id"].rsplit("/", 1)[-1]
    revoked = client.post(
        f"/issuers/{provider.slug}/credentials/{record}/revoke",
        json={"reason": "issued in error"},
        headers=provider.headers,
    )
    assert revoked.status_code == 200, revoked.text
    assert "qualifications" not in award(client, provider, m2)  # m1 no longer counts
    again = award(client, provider, m1)
    [awarded] = again["qualifications"]
    relied = again["verifiableCredential"]["id"]

    url = f"/issuers/{provider.slug}/qualifications"
    assert client.get(url, params={"flagged": "true"}, headers=provider.headers).json() == []
    client.post(
        f"/issuers/{provider.slug}/credentials/{relied.rsplit('/', 1)[-1]}/revoke",
        json={"reason": "exam fraud"},
        headers=provider.headers,
    )
    [flagged] = client.get(url, params={"flagged": "true"}, headers=provider.headers).json()
    assert flagged["id"] == awarded["qualificationId"] and flagged["flaggedForReview"]
    assert relied in flagged["reviewReason"] and "fraud" not in flagged["reviewReason"]
    audit = client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).json()
    assert [e["action"] for e in audit].count("qualification.flag") == 1
    # Revoking it a second way (VC-API) does not flag it twice.
    client.post(
        "/credentials/status",
        json={
            "credentialId": relied,
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
        },
        headers=provider.headers,
    )
    audit = client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).json()
    assert [e["action"] for e in audit].count("qualification.flag") == 1


@pytest.mark.parametrize(
    "db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
@pytest.mark.parametrize("stale_read", [False, True], ids=["as-is", "all-read-before-any-wrote"])
def test_concurrent_last_modules_award_one_qualification(
    app: Any,
    client: Any,
    provider: Provider,
    db: Database,
    stale_read: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight requests complete the same learner's programme at once. Each stores its module
    credential, then all evaluate together (a barrier), see the programme satisfied and sign:
    one qualification is kept, and the losers store nothing of theirs. ``stale_read`` makes
    every request miss the others' qualification when it looks (as if all read before any
    wrote), so all eight reach the insert and the unique constraint alone decides."""
    from datetime import UTC, datetime

    from service.app.issuing import issue_awards
    from service.app.pathways import qualify

    m1, m2 = (define_module(client, provider, code) for code in ("A-1", "B-1"))
    programme_of(client, provider, {"rule": {"allOf": [m1, m2]}})
    award(client, provider, m1)
    if stale_read:
        from service.store.repositories.pathways import PathwaysRepository

        monkeypatch.setattr(PathwaysRepository, "qualifications_of_links", lambda *_: [])
    state = app.state.tessera
    barrier = threading.Barrier(8)
    results: list[Any] = []
    errors: list[BaseException] = []

    def last_module() -> None:
        try:
            now = datetime.now(UTC)
            issued = issue_awards(
                state.repository,
                state.issue_setup(),
                issuer_id=provider.issuer.id,
                module_id=m2,
                awards=[award_data("Amina Haddad", learnerId="ref-Amina Haddad")],
                actor="test",
                now=now,
            )
            barrier.wait(timeout=30)
            results.append(
                qualify(
                    state.repository,
                    state.issue_setup(),
                    issuer_id=provider.issuer.id,
                    link_ids=[link.link_id for link in issued.wallet_links.values()],
                    actor="test",
                    now=now,
                )
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=last_module) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(len(r) for r in results) == [0] * 7 + [1]
    counts = table_counts(db)
    assert counts["qualifications"] == 1
    # 1 + 8 module credentials, one qualification and one transcript: the losers' are gone.
    assert counts["credentials"] == 1 + 8 + 2


def test_the_provider_reviews_a_flagged_qualification(client: Any, provider: Provider) -> None:
    m1, m2 = (define_module(client, provider, code) for code in ("A-1", "B-1"))
    programme_of(client, provider, {"rule": {"allOf": [m1, m2]}})
    awarded = {}
    for learner in ("Amina Haddad", "Chidi Okafor"):
        award(client, provider, m1, learner)
        last = award(client, provider, m2, learner)
        awarded[learner] = (last["qualifications"][0], last["verifiableCredential"]["id"])
        client.post(
            f"/issuers/{provider.slug}/credentials/{awarded[learner][1].rsplit('/', 1)[-1]}/revoke",
            json={},
            headers=provider.headers,
        )
    url = f"/issuers/{provider.slug}/qualifications"
    assert len(client.get(url, params={"flagged": "true"}, headers=provider.headers).json()) == 2
    kept_id = awarded["Amina Haddad"][0]["qualificationId"]
    kept = client.post(
        f"{url}/{kept_id}/review",
        json={"decision": "keep", "reason": "module re-assessed in person"},
        headers=provider.headers,
    )
    assert kept.status_code == 200, kept.text
    assert (
        not kept.json()["flaggedForReview"] and "kept after review" in kept.json()["reviewReason"]
    )
    again = client.post(
        f"{url}/{kept_id}/review",
        json={"decision": "keep", "reason": "x"},
        headers=provider.headers,
    )
    assert again.status_code == 409
    gone = awarded["Chidi Okafor"][0]
    revoked = client.post(
        f"{url}/{gone['qualificationId']}/review",
        json={"decision": "revoke", "reason": "module obtained by fraud"},
        headers=provider.headers,
    )
    assert revoked.status_code == 200, revoked.text
    for document_id in (gone["credentialId"], gone["clrId"]):
        status = client.get(
            f"/issuers/{provider.slug}/credentials/{document_id.rsplit('/', 1)[-1]}/status",
            headers=provider.headers,
        )
        assert status.status_code == 200 and status.json()["revoked"], status.text
    bad = client.post(
        f"{url}/{kept_id}/review",
        json={"decision": "maybe", "reason": "x"},
        headers=provider.headers,
    )
    assert bad.status_code == 422
