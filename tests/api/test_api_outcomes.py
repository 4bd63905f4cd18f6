"""GET /issuers/{issuer}/outcomes and the operator's /outcomes: JSON, CSV, SDMX-CSV and a
Frictionless Data Package with every small count withheld; the scope, another provider's
slug, the operator token and bad periods answer with a problem, never a 500."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from conftest import SERVICE_BASE_URL, Provider, served_status_lists, verify_offline
from outcomes_support import NOW, seed
from pydantic import SecretStr

from service.app.access import create_operator_key, revoke_operator_key
from service.app.engine import Engine
from service.app.outcomes_signed import digest_sri
from service.config import Settings
from service.store import Database, Repositories

OPERATOR_TOKEN = "op_" + "x7Qm2vR9tL4pZ8wK1nB6cY3hJ5sD0fGa"
YEAR = {"from": "2025-01", "to": "2025-12"}


@pytest.fixture
def service_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"base_url": SERVICE_BASE_URL, "operator_token": SecretStr(OPERATOR_TOKEN)}
    )


def outcomes_key(client: Any, provider: Provider, scopes: list[str]) -> dict[str, str]:
    created = client.post(
        f"/issuers/{provider.slug}/api-keys",
        json={"label": "funder reports", "scopes": scopes},
        headers=provider.headers,
    )
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


def test_a_provider_reads_its_outcomes_in_four_formats(
    client: Any, db: Database, provider: Provider
) -> None:
    seed(db, provider)
    headers = outcomes_key(client, provider, ["outcomes"])
    url = f"/issuers/{provider.slug}/outcomes"

    body = client.get(url, params=YEAR, headers=headers).json()
    issued = body["indicators"][0]
    assert issued["id"] == "credentialsIssued"
    assert issued["columns"] == ["WELD-1", "WELD-2"]
    assert issued["cells"][2] == [20, 10]
    assert issued["cells"][1] == [None, 0]  # February's 4 basic credentials: withheld
    assert body["disclosureControl"]["minimumCount"] == 10

    response = client.get(url, params={**YEAR, "format": "csv"}, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    feb = next(r for r in rows if r["indicator"] == "credentialsIssued" and r["month"] == "2025-02")
    assert (feb["breakdown"], feb["value"], feb["status"]) == ("WELD-1", "", "withheld")
    assert all(r["value"] == "" or int(r["value"]) in (0,) or int(r["value"]) >= 10 for r in rows)

    sdmx = client.get(url, params={**YEAR, "format": "sdmx-csv"}, headers=headers)
    assert sdmx.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    lines = list(csv.DictReader(io.StringIO(sdmx.text)))
    assert lines[0]["DATAFLOW"] == "TESSERA:OUTCOMES(1.0)"
    march = next(
        r
        for r in lines
        if r["INDICATOR"] == "credentialsIssued"
        and r["TIME_PERIOD"] == "2025-03"
        and r["BREAKDOWN"] == "_T"
    )
    assert (march["OBS_VALUE"], march["CONF_STATUS"]) == ("30", "F")
    assert any(r["CONF_STATUS"] == "C" and r["OBS_VALUE"] == "" for r in lines)

    package = client.get(url, params={**YEAR, "format": "datapackage"}, headers=headers).json()
    resource = package["resources"][0]
    assert package["profile"] == "tabular-data-package"
    assert [f["name"] for f in resource["schema"]["fields"]] == [
        "indicator",
        "month",
        "breakdown",
        "value",
    ]
    assert len(resource["data"]) == len(rows) - 0


def test_scope_other_providers_and_bad_periods_are_problems(
    client: Any, make_provider: Callable[..., Provider]
) -> None:
    provider = make_provider()
    other = make_provider("Beta Academy")
    issue_only = outcomes_key(client, provider, ["issue"])
    url = f"/issuers/{provider.slug}/outcomes"

    denied = client.get(url, params=YEAR, headers=issue_only)
    assert denied.status_code == 403
    assert "outcomes" in denied.json()["detail"]
    assert denied.headers["content-type"].startswith("application/problem+json")

    foreign = client.get(f"/issuers/{other.slug}/outcomes", params=YEAR, headers=provider.headers)
    assert foreign.status_code == 404

    for params, words in (
        ({"from": "2025-13", "to": "2025-12"}, "YYYY-MM"),
        ({"from": "2025-06", "to": "2025-01"}, "before"),
        ({"from": "2015-01", "to": "2025-12"}, "at most 60 months"),
    ):
        bad = client.get(url, params=params, headers=provider.headers)
        assert bad.status_code in (400, 422), bad.text
        assert words in bad.json()["detail"]
    assert (
        client.get(url, params={**YEAR, "format": "xlsx"}, headers=provider.headers).status_code
        == 422
    )


def test_the_operator_sees_every_provider_with_its_token_only(
    client: Any, db: Database, make_provider: Callable[..., Provider]
) -> None:
    a = make_provider("Alpha Skills", slug="alpha")
    b = make_provider("Beta Academy", slug="beta")
    seed(db, a)
    seed(db, b)
    assert client.get("/outcomes", params=YEAR, headers=a.headers).status_code == 401
    response = client.get(
        "/outcomes", params=YEAR, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    issued = response.json()["indicators"][0]
    assert issued["columns"] == ["alpha", "beta"]
    assert issued["cells"][2] == [30, 30]


def signed_report(client: Any, db: Database, provider: Provider) -> dict[str, Any]:
    seed(db, provider)
    response = client.post(
        f"/issuers/{provider.slug}/outcomes/signed", params=YEAR, headers=provider.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_signed_report_binds_the_csv_and_verifies(
    client: Any, db: Database, provider: Provider, service_engine: Engine
) -> None:
    body = signed_report(client, db, provider)
    vc, csv_text = body["verifiableCredential"], body["csv"]
    assert vc["issuer"] == provider.did or vc["issuer"]["id"] == provider.did
    [resource] = vc["relatedResource"]
    assert resource["digestSRI"] == digest_sri(csv_text.encode())
    # The CSV is the one the API serves for the same period (and holds withheld figures).
    served = client.get(
        f"/issuers/{provider.slug}/outcomes",
        params={**YEAR, "format": "csv"},
        headers=provider.headers,
    ).text
    assert served == csv_text and ",withheld" in csv_text
    documents = {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()}
    assert verify_offline(
        service_engine, vc, documents, status_lists=served_status_lists(client, vc)
    ).verified
    verdict = client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
    assert verdict["verified"] is True, verdict
    # A changed figure no longer matches the signed digest.
    assert digest_sri(csv_text.replace("30", "35").encode()) != resource["digestSRI"]
    # Only an admin key may sign in the provider's name.
    reader = outcomes_key(client, provider, ["outcomes"])
    refused = client.post(f"/issuers/{provider.slug}/outcomes/signed", params=YEAR, headers=reader)
    assert refused.status_code == 403


@pytest.mark.interop
def test_the_reference_javascript_verifier_accepts_a_signed_report(
    client: Any, db: Database, provider: Provider, node: Any
) -> None:
    vc = signed_report(client, db, provider)["verifiableCredential"]
    verify = {
        "op": "verify",
        "didDocuments": {provider.did: client.get(f"/issuers/{provider.slug}/did.json").json()},
        "statusLists": served_status_lists(client, vc),
    }
    outcome = node.request({**verify, "credential": vc})
    assert outcome["verified"] is True and outcome["errors"] == [], outcome
    forged = copy.deepcopy(vc)
    forged["relatedResource"][0]["digestSRI"] = digest_sri(b"other figures")
    assert node.request({**verify, "credential": forged})["verified"] is False


def test_a_retried_publish_signs_once(client: Any, db: Database, provider: Provider) -> None:
    seed(db, provider)
    url = f"/issuers/{provider.slug}/outcomes/signed"
    headers = {**provider.headers, "Idempotency-Key": "funder-report-2025"}
    first = client.post(url, params=YEAR, headers=headers)
    retry = client.post(url, params=YEAR, headers=headers)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()  # the same credential, proof and all: signed once
    listed = client.get(f"/issuers/{provider.slug}/credentials", headers=provider.headers).json()
    vc_id = first.json()["verifiableCredential"]["id"]
    assert [c["credentialId"] for c in listed].count(vc_id) == 1
    other = client.post(url, params={"from": "2025-01", "to": "2025-06"}, headers=headers)
    assert other.status_code == 409
    assert "new Idempotency-Key" in other.json()["detail"]
    fresh = client.post(url, params=YEAR, headers={**headers, "Idempotency-Key": "another"})
    assert fresh.status_code == 201
    assert fresh.json()["verifiableCredential"]["id"] != vc_id


def test_an_operator_api_key_reads_every_provider_until_revoked(
    client: Any, db: Database, make_provider: Callable[..., Provider]
) -> None:
    seed(db, make_provider("Alpha Skills", slug="alpha"))
    with db.transaction() as session:
        key = create_operator_key(
            Repositories(session), label="funder", scopes=["outcomes"], actor="test", now=NOW
        )
    assert key.token.startswith("tso_")
    bearer = {"Authorization": f"Bearer {key.token}"}
    answer = client.get("/outcomes", params=YEAR, headers=bearer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["indicators"][0]["columns"] == ["alpha"]
    # One wrong character, or a revoked key: 401 saying what to send.
    forged = {"Authorization": f"Bearer {key.token[:-1]}{'A' if key.token[-1] != 'A' else 'B'}"}
    refused = client.get("/outcomes", params=YEAR, headers=forged)
    assert refused.status_code == 401 and "tessera outcomes keys create" in refused.json()["detail"]
    with db.transaction() as session:
        assert revoke_operator_key(Repositories(session), key_id=key.id, actor="test", now=NOW)
    assert client.get("/outcomes", params=YEAR, headers=bearer).status_code == 401
    # The token stays a fallback where the operator set it.
    token = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    assert client.get("/outcomes", params=YEAR, headers=token).status_code == 200


def test_without_a_token_only_operator_keys_open_the_operators_outcomes(
    service_settings: Settings, db: Database, service_engine: Engine, provider: Provider
) -> None:
    from fastapi.testclient import TestClient

    from service.api import create_app
    from service.app.signing import LocalSigner

    app = create_app(
        service_settings.model_copy(update={"operator_token": None}),
        database=db,
        signer=LocalSigner(service_engine),
        migrate=False,
    )
    with TestClient(app) as plain:
        missing = plain.get("/outcomes", params=YEAR)
        assert missing.status_code == 401
        assert "tso_" in missing.json()["detail"]
        assert plain.get("/outcomes", params=YEAR, headers=provider.headers).status_code == 401
        with db.transaction() as session:
            key = create_operator_key(
                Repositories(session), label="x", scopes=["outcomes"], actor="test", now=NOW
            )
        bearer = {"Authorization": f"Bearer {key.token}"}
        assert plain.get("/outcomes", params=YEAR, headers=bearer).status_code == 200
