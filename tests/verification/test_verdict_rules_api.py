# ruff: noqa: F811  (pytest fixtures imported from verification_support are parameters here)
"""The rules every answer of the public verifier keeps: VC-API ``options.checks`` (fewer checks,
said so; unknown names refused), strict reading on the API and the page, no caching of a
verdict, and HSTS when the service is reached over https."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from conftest import SERVICE_BASE_URL
from verification_support import award, make_public, public  # noqa: F401

from service.api.limits import PublicEndpoint
from service.verification.status import NoLists, StatusChecker

VC_DM = "https://www.w3.org/TR/vc-data-model#"
RETRIEVAL = "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"


def post(client: Any, credential: Any, **options: Any) -> Any:
    return client.post(
        "/credentials/verify", json={"verifiableCredential": credential, "options": options}
    )


def without_status_lists(public: PublicEndpoint) -> None:
    """The verifier cannot get any status list (an unreachable issuer, for instance)."""
    import dataclasses

    checker = StatusChecker(
        lists=NoLists(),
        list_verifier=dataclasses.replace(public.verification.verifier, status=None),
    )
    public.verification.verifier = dataclasses.replace(public.verification.verifier, status=checker)


def test_options_checks_may_leave_out_the_status_and_say_so(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    credential = award()
    without_status_lists(public)
    closed = post(client, credential)
    assert closed.status_code == 400 and closed.json()["verified"] is False
    assert [p["type"] for p in closed.json()["problemDetails"]] == [RETRIEVAL]
    for names in (["proof"], ["proof", "issuer", "validity", "trust"]):
        fewer = post(client, credential, checks=names)
        assert fewer.status_code == 200, fewer.json()
        body = fewer.json()
        assert body["verified"] is True
        assert "status" in body["skippedChecks"]
        status = next(c for c in body["checks"] if c["check"] == "status")
        assert status["status"] == "unknown" and "Skipped" in status["detail"]
    everything = post(client, credential, checks=["proof", "credentialStatus"])
    assert everything.json()["verified"] is False
    assert everything.json()["skippedChecks"] == ["trust"]


def test_skipping_checks_never_hides_a_bad_signature(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    credential = award()
    credential["credentialSubject"]["name"] = "Someone Else"
    body = post(client, credential, checks=["proof"]).json()
    assert body["verified"] is False
    assert body["problemDetails"][0]["type"] == VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"


def test_unknown_check_names_are_refused(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    for checks in (["proof", "credentialStatuss"], "proof", [1]):
        response = post(client, award(), checks=checks)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["type"] == VC_DM + "MALFORMED_VALUE_ERROR"
        assert "options.checks" in problem["detail"]


def test_the_api_reads_strictly(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    credential = award()
    text = json.dumps({"verifiableCredential": credential})
    forged = text.replace(
        '"credentialSubject": {', '"credentialSubject": {"name": "Mallory"}, "credentialSubject": {'
    )
    assert forged != text
    for body in (
        forged,
        text.replace('"Amina Haddad"', "NaN"),
        text.replace('"Amina Haddad"', '"\\ud800"'),
    ):
        response = client.post(
            "/credentials/verify", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["type"] == VC_DM + "PARSING_ERROR"
    invalid_utf8 = text.encode().replace(b"Amina", b"Am\xffna")
    response = client.post(
        "/credentials/verify", content=invalid_utf8, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["type"] == VC_DM + "PARSING_ERROR"


def test_the_page_reads_strictly_and_says_so_in_red(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    text = json.dumps(award())
    forged = text.replace(
        '"credentialSubject": {', '"credentialSubject": {"name": "Mallory"}, "credentialSubject": {'
    )
    for how in ("text", "file"):
        response = (
            client.post("/verify?lang=en", data={"text": forged})
            if how == "text"
            else client.post(
                "/verify?lang=en", files={"file": ("credential.json", forged, "application/json")}
            )
        )
        assert response.status_code == 200
        assert 'data-verdict="invalid"' in response.text
        assert 'data-check="parse" data-status="failed"' in response.text
        assert "Mallory" not in response.text


def test_verdicts_are_never_cached_and_https_gets_hsts(
    client: Any, public: PublicEndpoint, award: Callable[..., dict[str, Any]]
) -> None:
    assert SERVICE_BASE_URL.startswith("https://")
    response = post(client, award())
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert client.get("/verify").headers["strict-transport-security"].startswith("max-age=")


def test_no_hsts_over_plain_http(settings: Any, db: Any) -> None:
    from fastapi.testclient import TestClient

    from service.api import create_app

    app = create_app(settings, database=db, migrate=False)  # base_url http://localhost:8000
    with TestClient(app) as plain:
        assert "strict-transport-security" not in plain.get("/verify").headers


def test_presentations_are_read_strictly_too(client: Any, public: PublicEndpoint) -> None:
    body = '{"verifiablePresentation": {"type": ["VerifiablePresentation"], "holder": "a", "holder": "b"}}'
    response = client.post(
        "/presentations/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == VC_DM + "PARSING_ERROR"
    assert "appears twice" in response.json()["detail"]
    not_json = client.post(
        "/presentations/verify", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["detail"]
