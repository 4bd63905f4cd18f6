"""The README's pathway walkthrough, end to end: a programme of five modules from two
providers, one of them recognized through RPL (two assessors), yields a qualification and a
CLR 2.0 transcript that verify in Tessera and in the reference JavaScript stack."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SERVICE_BASE_URL, Provider, award_data, module_data, served_status_lists
from conftest import verify_offline as verify_here

from service.credentials.qualification import EXTERNAL, RECOGNIZED, TAUGHT


def define(client: Any, provider: Provider, code: str, name: str) -> str:
    response = client.post(
        f"/issuers/{provider.slug}/modules",
        json=module_data(code=code, name={"en": name}, defaultLanguage="en", hours=40),
        headers=provider.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def post(client: Any, provider: Provider, path: str, body: Any, status: int = 200) -> Any:
    response = client.post(f"/issuers/{provider.slug}{path}", json=body, headers=provider.headers)
    assert response.status_code == status, response.text
    return response.json()


@pytest.mark.interop
def test_five_modules_two_providers_one_by_rpl_yield_a_qualification_and_clr(
    client: Any, make_provider: Any, service_engine: Any, node: Any
) -> None:
    hamburg = make_provider("VTC Hamburg", slug="vtc-hamburg")
    lyon = make_provider("Académie de Lyon", slug="academie-lyon")
    weld, cut, draw, safety = (
        define(client, hamburg, code, name)
        for code, name in (
            ("WELD-101", "Welding basics"),
            ("CUT-110", "Thermal cutting"),
            ("DRAW-120", "Technical drawing"),
            ("SAFE-100", "Workshop safety"),
        )
    )
    french = define(client, lyon, "FR-METAL", "Metal properties")
    french_achievement = f"{SERVICE_BASE_URL}/issuers/{lyon.slug}/modules/{french}"
    post(
        client,
        hamburg,
        "/programmes",
        {
            "name": {"en": "Metal trades assistant"},
            "defaultLanguage": "en",
            "recognizedProviders": [lyon.did],
            "completion": {
                "rule": {"allOf": [weld, cut, draw, safety, french_achievement]},
                "minHours": 160,
            },
        },
        201,
    )
    learner = award_data("Amina Haddad", learnerId="E-7", language="ar")
    taught = [
        post(client, hamburg, "/awards", {"moduleId": m, **learner}, 201) for m in (weld, cut, draw)
    ]
    wallet = "/" + taught[0]["walletUrl"].split("://", 1)[1].split("/", 1)[1]
    abroad = post(client, lyon, "/awards", {"moduleId": french, **award_data("Amina Haddad")}, 201)
    presented = client.post(f"{wallet}/credentials", json=abroad["verifiableCredential"]).json()
    assert presented["results"][0]["accepted"] and presented["qualifications"] == []

    assessors = [post(client, hamburg, "/assessors", {"name": n}, 201)["id"] for n in ("A", "B")]
    case = post(
        client,
        hamburg,
        "/rpl/cases",
        {"learnerName": "Amina Haddad", "learnerId": "E-7", "moduleIds": [safety]},
        201,
    )
    post(
        client,
        hamburg,
        f"/rpl/cases/{case['id']}/evidence",
        {
            "method": "interview",
            "description": "Explained lock-out and PPE from 4 years in a Damascus workshop",
            "assessedOn": "2026-02-20",
        },
    )
    decided = post(
        client,
        hamburg,
        f"/rpl/cases/{case['id']}/decision",
        {
            "assessorIds": assessors,
            "decidedOn": "2026-03-02",
            "outcomes": [{"moduleId": safety, "outcome": "recognized", "reason": "Shown"}],
        },
    )
    [awarded] = decided["qualifications"]

    def stored(document_id: str) -> dict[str, Any]:
        record = document_id.rsplit("/", 1)[-1]
        response = client.get(
            f"/issuers/{hamburg.slug}/credentials/{record}", headers=hamburg.headers
        )
        return dict(response.json()["verifiableCredential"])

    qualification, clr = stored(awarded["credentialId"]), stored(awarded["clrId"])
    assert sorted(e["genre"] for e in qualification["evidence"]) == sorted(
        [TAUGHT, TAUGHT, TAUGHT, RECOGNIZED, EXTERNAL]
    )
    assert len(clr["credentialSubject"]["verifiableCredential"]) == 6
    documents = {p.did: client.get(f"/issuers/{p.slug}/did.json").json() for p in (hamburg, lyon)}
    for document in (qualification, clr, *clr["credentialSubject"]["verifiableCredential"]):
        lists = served_status_lists(client, document)
        assert verify_here(service_engine, document, documents, status_lists=lists).verified
        outcome = node.request(
            {
                "op": "verify",
                "credential": document,
                "didDocuments": documents,
                "statusLists": lists,
            }
        )
        assert outcome["verified"], (document["id"], outcome["errors"])
