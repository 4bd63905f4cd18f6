"""Recognition of prior learning: a case with evidence (descriptions and digests only) and a
foreign credential's mapping, decided by two assessors whose own keys sign each RPL credential
(a Data Integrity proof set); Tessera and the reference JavaScript stack verify both proofs
and fail when either fails; recognized modules count toward the qualification."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import (
    Provider,
    award_data,
    module_data,
    served_status_lists,
    table_counts,
    verify_offline,
)

from service.credentials.qualification import RECOGNIZED, TAUGHT, digest_multibase
from service.store import Database

DIGEST = digest_multibase({"photo of weld sample": 1})


def define(client: Any, provider: Provider, code: str) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": f"Module {code}"}, defaultLanguage="en"),
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def post(client: Any, provider: Provider, path: str, body: Any, status: int = 200) -> Any:
    response = client.post(f"/issuers/{provider.slug}{path}", json=body, headers=provider.headers)
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def case(client: Any, provider: Provider) -> dict[str, Any]:
    m1, m2, m3 = (define(client, provider, code) for code in ("WELD-101", "SAFE-100", "CUT-110"))
    post(
        client,
        provider,
        "/programmes",
        {
            "name": {"en": "Metal trades assistant"},
            "defaultLanguage": "en",
            "completion": {"rule": {"allOf": [m1, m2, m3]}},
        },
        201,
    )
    post(client, provider, "/awards", {"moduleId": m1, **award_data(learnerId="E-7")}, 201)
    assessors = [
        post(client, provider, "/assessors", {"name": name}, 201)["id"]
        for name in ("Maria Schulz", "Yusuf Demir")
    ]
    opened = post(
        client,
        provider,
        "/rpl/cases",
        {
            "learnerName": "Amina Haddad",
            "learnerId": "E-7",
            "moduleIds": [m2, m3],
            "foreignCredentials": [
                {
                    "description": "Welder certificate, Aleppo Vocational Institute, 2019",
                    "digestMultibase": DIGEST,
                    "mappings": [
                        {"moduleId": m2, "match": "full", "reason": "Same safety content"},
                        {"moduleId": m3, "match": "partial", "reason": "Cutting not covered"},
                    ],
                }
            ],
        },
        201,
    )
    return {"id": opened["id"], "modules": [m1, m2, m3], "assessors": assessors}


def decide(client: Any, provider: Provider, case: dict[str, Any], **overrides: Any) -> Any:
    _, m2, m3 = case["modules"]
    body = {
        "assessorIds": case["assessors"],
        "decidedOn": "2026-03-02",
        "outcomes": [
            {"moduleId": m2, "outcome": "recognized", "result": "Competent", "reason": "Shown"},
            {"moduleId": m3, "outcome": "recognized", "reason": "Work sample and test passed"},
        ],
        **overrides,
    }
    return client.post(
        f"/issuers/{provider.slug}/rpl/cases/{case['id']}/decision",
        json=body,
        headers=provider.headers,
    )


def add_evidence(client: Any, provider: Provider, case: dict[str, Any]) -> None:
    for method in ("skills-demonstration", "work-sample"):
        post(
            client,
            provider,
            f"/rpl/cases/{case['id']}/evidence",
            {
                "method": method,
                "description": "Three fillet welds, inspected to ISO 5817 level C",
                "digestMultibase": DIGEST,
                "assessedOn": "2026-02-20",
            },
        )


@pytest.mark.interop
def test_two_assessors_sign_a_proof_set_that_both_stacks_verify_and_the_module_counts(
    client: Any, provider: Provider, case: dict[str, Any], service_engine: Any, node: Any
) -> None:
    add_evidence(client, provider, case)
    open_cases = client.get(
        f"/issuers/{provider.slug}/rpl/cases", params={"status": "open"}, headers=provider.headers
    ).json()
    assert [c["id"] for c in open_cases] == [case["id"]]

    decided = decide(client, provider, case)
    assert decided.status_code == 200, decided.text
    answer = decided.json()
    assert answer["case"]["status"] == "decided"
    [qualification] = answer["qualifications"]
    documents = {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}
    assessor_keys = {
        a["verificationMethod"]
        for a in client.get(f"/issuers/{provider.slug}/assessors", headers=provider.headers).json()
    }
    for credential in answer["verifiableCredentials"]:
        subject = credential["credentialSubject"]
        assert subject["narrative"].startswith("Recognized through assessment of prior learning")
        assert {e["genre"] for e in credential["evidence"]} == {RECOGNIZED}
        assert {e["name"] for e in credential["evidence"]} == {
            "Skills demonstration",
            "Work sample",
        }
        assert all(e["digestMultibase"] == DIGEST for e in credential["evidence"])
        proofs = credential["proof"]
        assert len(proofs) == 2 and {p["verificationMethod"] for p in proofs} == assessor_keys
        lists = served_status_lists(client, credential)
        ours = verify_offline(service_engine, credential, documents, status_lists=lists)
        detail = ours.check("proof").detail
        assert ours.verified and "2 signature(s) verified" in detail
        assert all(key in detail for key in assessor_keys)  # it shows both
        theirs = node.request(
            {
                "op": "verify",
                "credential": credential,
                "didDocuments": documents,
                "statusLists": lists,
            }
        )
        assert theirs["verified"], theirs["errors"]
        for broken in range(2):  # either proof failing fails the credential in Tessera
            tampered = copy.deepcopy(credential)
            value = tampered["proof"][broken]["proofValue"]
            tampered["proof"][broken]["proofValue"] = value[:-4] + (
                "1111" if value[-4:] != "1111" else "2222"
            )
            assert not verify_offline(service_engine, tampered, documents).verified
            # jsonld-signatures accepts a proof set when *some* proof verifies (ProofSet.js
            # `results.some(r => r.verified)`), so its verdict stays true; it does report the
            # failed proof, which is what Tessera refuses on.
            outcome = node.request(
                {
                    "op": "verify",
                    "credential": tampered,
                    "didDocuments": documents,
                    "skipStatusCheck": True,
                }
            )
            assert any(
                "Invalid signature" in e or "signature" in e.lower() for e in outcome["errors"]
            ), outcome
            both = copy.deepcopy(tampered)
            both["proof"][1 - broken]["proofValue"] = tampered["proof"][broken]["proofValue"]
            outcome = node.request(
                {
                    "op": "verify",
                    "credential": both,
                    "didDocuments": documents,
                    "skipStatusCheck": True,
                }
            )
            assert not outcome["verified"]

    record = qualification["credentialId"].rsplit("/", 1)[-1]
    issued = client.get(
        f"/issuers/{provider.slug}/credentials/{record}", headers=provider.headers
    ).json()["verifiableCredential"]
    assert sorted(e["genre"] for e in issued["evidence"]) == sorted(
        [RECOGNIZED, RECOGNIZED, TAUGHT]
    )


def test_every_step_is_audited_and_a_decided_case_is_closed(
    client: Any, provider: Provider, case: dict[str, Any], db: Database
) -> None:
    before = table_counts(db)
    refused = decide(client, provider, case)  # no evidence yet
    assert refused.status_code == 422 and "evidence" in refused.json()["detail"]
    personal = client.post(
        f"/issuers/{provider.slug}/rpl/cases/{case['id']}/evidence",
        json={
            "method": "document-review",
            "description": "Passport checked",
            "assessedOn": "2026-02-20",
            "passportNumber": "X123",
        },
        headers=provider.headers,
    )
    assert personal.status_code == 422 and "personal data" in personal.text
    assert table_counts(db) == before
    add_evidence(client, provider, case)
    _, m2, _m3 = case["modules"]
    partial = decide(
        client,
        provider,
        case,
        outcomes=[{"moduleId": m2, "outcome": "recognized", "reason": "Shown"}],
    )
    assert partial.status_code == 422 and "no outcome for module" in partial.json()["detail"]
    assert decide(client, provider, case).status_code == 200
    again = client.post(
        f"/issuers/{provider.slug}/rpl/cases/{case['id']}/evidence",
        json={"method": "test", "description": "x", "assessedOn": "2026-03-03"},
        headers=provider.headers,
    )
    assert again.status_code == 409
    assert decide(client, provider, case, decidedOn="2026-03-03").status_code == 409
    shown = client.get(
        f"/issuers/{provider.slug}/rpl/cases/{case['id']}", headers=provider.headers
    ).json()
    assert [f["match"] for f in shown["foreignCredentials"][0]["mappings"]] == ["full", "partial"]
    assert all(o["credentialId"] for o in shown["outcomes"])
    audit = client.get(f"/issuers/{provider.slug}/audit", headers=provider.headers).json()
    actions = [e["action"] for e in audit]
    for action in ("rpl.assessor.add", "rpl.case.open", "rpl.evidence.add", "rpl.case.decide"):
        assert action in actions, action
    assert "Amina" not in str(audit) and "fillet" not in str(audit)


def test_the_same_decision_again_answers_as_before_and_awards_what_a_dead_attempt_left(
    client: Any, provider: Provider, case: dict[str, Any]
) -> None:
    """The first attempt stored the RPL credentials and closed the case, and its process died
    before the qualification was awarded (injected: qualify never runs). Sending the decision
    again gives the same credentials and the qualification; a different decision is a 409."""
    import service.app.rpl as rpl

    add_evidence(client, provider, case)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rpl, "qualify", lambda *args, **kwargs: [])
        first = decide(client, provider, case)
    assert first.status_code == 200 and first.json()["qualifications"] == []
    issued = [c["id"] for c in first.json()["verifiableCredentials"]]
    assert len(issued) == 2

    retry = decide(client, provider, case)
    assert retry.status_code == 200, retry.text
    assert [c["id"] for c in retry.json()["verifiableCredentials"]] == issued
    assert retry.json()["case"] == first.json()["case"]
    [qualification] = retry.json()["qualifications"]

    again = decide(client, provider, case)
    assert again.status_code == 200 and again.json()["qualifications"] == []
    listed = client.get(f"/issuers/{provider.slug}/qualifications", headers=provider.headers)
    assert [q["id"] for q in listed.json()] == [qualification["qualificationId"]]
    _, m2, m3 = case["modules"]
    other = decide(
        client,
        provider,
        case,
        outcomes=[
            {"moduleId": m2, "outcome": "recognized", "result": "Competent", "reason": "Shown"},
            {"moduleId": m3, "outcome": "not-recognized", "reason": "Cutting not shown"},
        ],
    )
    assert other.status_code == 409 and "reassess" in other.json()["detail"]


def test_another_providers_assessor_cannot_sign(
    client: Any, provider: Provider, case: dict[str, Any], make_provider: Any
) -> None:
    other = make_provider("Other School", slug="other-school")
    foreign = post(client, other, "/assessors", {"name": "Somebody"}, 201)["id"]
    add_evidence(client, provider, case)
    answer = decide(client, provider, case, assessorIds=[case["assessors"][0], foreign])
    assert answer.status_code == 404
