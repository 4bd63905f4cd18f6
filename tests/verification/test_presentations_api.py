# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""``POST /presentations/verify`` (VC-API): a holder's presentation, signed by the reference
JavaScript wallet stack, around credentials this service issued."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from factories import holder_js_key, presentation
from verification_support import award, make_public, public  # noqa: F401

from service.api.limits import PublicEndpoint

CHALLENGE = "c0ffee00-1234-4abc-8def-0123456789ab"
DOMAIN = "employer.example"
HOLDER = holder_js_key()


def sign_as_holder(node: Any, document: dict[str, Any], **options: Any) -> dict[str, Any]:
    signed: dict[str, Any] = node.request(
        {"op": "signPresentation", "presentation": document, "key": HOLDER, **options}
    )
    return signed


def verify(client: Any, document: Any, **options: Any) -> Any:
    return client.post(
        "/presentations/verify", json={"verifiablePresentation": document, "options": options}
    )


@pytest.mark.interop
def test_a_signed_presentation_of_two_credentials_is_verified_with_each_result(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]], node: Any
) -> None:
    first, second = award(), award(learnerName="Yusuf Demir")
    signed = sign_as_holder(
        node,
        presentation(first, second, holder=HOLDER["controller"]),
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    response = verify(client, signed, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["verified", "presentationResult", "credentialResults", "problemDetails"]
    assert body["verified"] is True and body["problemDetails"] == []
    assert body["presentationResult"]["verified"] is True
    assert {c["check"]: c["status"] for c in body["presentationResult"]["checks"]} == {
        "parse": "passed",
        "context": "passed",
        "proof": "passed",
        "credentials": "passed",
    }
    assert [r["verified"] for r in body["credentialResults"]] == [True, True]

    replayed = verify(client, signed, challenge="a-new-challenge", domain=DOMAIN)
    assert replayed.status_code == 400
    again = replayed.json()
    assert again["verified"] is False and again["presentationResult"]["verified"] is False
    assert [r["verified"] for r in again["credentialResults"]] == [True, True]
    assert "another challenge" in again["problemDetails"][0]["detail"]


@pytest.mark.interop
def test_a_presentation_with_a_forged_credential_is_not_verified(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]], node: Any
) -> None:
    genuine, forged = award(), award()
    forged["credentialSubject"]["name"] = "Someone Else"
    signed = sign_as_holder(node, presentation(genuine, forged), challenge=CHALLENGE)
    response = verify(client, signed, challenge=CHALLENGE)
    assert response.status_code == 400
    body = response.json()
    assert body["presentationResult"]["verified"] is True  # the holder did sign this
    assert [r["verified"] for r in body["credentialResults"]] == [True, False]
    proof = {c["check"]: c["status"] for c in body["credentialResults"][1]["checks"]}["proof"]
    assert proof == "failed"
    assert any(p["title"] == "proof check failed" for p in body["problemDetails"])


def test_an_unsigned_presentation_needs_no_challenge_but_cannot_answer_one(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    unsigned = presentation(award())
    accepted = verify(client, unsigned)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["verified"] is True
    refused = verify(client, unsigned, challenge=CHALLENGE)
    assert refused.status_code == 400
    assert "not signed" in refused.json()["problemDetails"][0]["detail"]


def test_a_presentation_verdict_is_never_cached(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    # Like every verdict (POST /credentials/verify, the pages): about one moment, so no cache
    # may keep or replay it, verified or not.
    unsigned = presentation(award())
    for answer in (verify(client, unsigned), verify(client, unsigned, challenge=CHALLENGE)):
        assert answer.status_code in (200, 400)
        assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"not json", "not JSON"),
        (b'{"verifiableCredential": {}}', "verifiablePresentation"),
        (b'{"verifiablePresentation": "text"}', "verifiablePresentation"),
        (b'{"verifiablePresentation": {}, "options": []}', "options"),
        (b'{"verifiablePresentation": {}, "options": {"challenge": 5}}', "challenge"),
        (b'{"verifiablePresentation": {}, "options": {"domain": ""}}', "domain"),
    ],
)
def test_a_malformed_request_is_a_422_problem(
    client: Any, public: PublicEndpoint, body: bytes, words: str
) -> None:
    response = client.post(
        "/presentations/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"type": "VerifiablePresentation"},
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]},
        {"@context": "https://evil.example/v1", "type": "VerifiablePresentation"},
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "VerifiablePresentation",
            "verifiableCredential": ["eyJhbGciOi.not-a-credential"],
            "proof": 5,
        },
    ],
)
def test_a_malformed_presentation_gets_a_verdict_not_a_500(
    client: Any, public: PublicEndpoint, document: dict[str, Any]
) -> None:
    response = verify(client, copy.deepcopy(document))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["verified"] is False and body["problemDetails"]
