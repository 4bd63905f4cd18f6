"""The operator API: POST /issuers registers a provider (did:web or did:key) when the operator
has set TESSERA_OPERATOR_TOKEN, and nobody else can."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SERVICE_BASE_URL, Provider, table_counts, verify_offline
from pydantic import SecretStr

from service.app.engine import Engine
from service.config import Settings
from service.errors import ConfigurationError
from service.store import Database

OPERATOR_TOKEN = "op_" + "x7Qm2vR9tL4pZ8wK1nB6cY3hJ5sD0fGa"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
def service_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"base_url": SERVICE_BASE_URL, "operator_token": SecretStr(OPERATOR_TOKEN)}
    )


def test_a_did_key_provider_registered_over_the_api_issues_verifiable_credentials(
    client: Any, service_engine: Engine
) -> None:
    response = client.post(
        "/issuers",
        json={"name": "Mobile Training Team North", "didMethod": "key"},
        headers=OPERATOR,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["slug"] == "mobile-training-team-north"
    assert created["did"].startswith("did:key:z6Mk")
    assert "didDocument" not in created
    assert created["apiKey"]["token"].startswith("tsk_")
    issued = client.post(
        "/credentials/issue",
        json={
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": created["did"],
                "credentialSubject": {"id": "did:example:learner", "name": "Amina Haddad"},
            }
        },
        headers={"Authorization": f"Bearer {created['apiKey']['token']}"},
    )
    assert issued.status_code == 201, issued.text
    vc = issued.json()["verifiableCredential"]
    assert vc["proof"]["verificationMethod"].startswith(created["did"] + "#")
    # did:key needs no DID document: the key is in the identifier
    assert verify_offline(service_engine, vc, {}).verified


def test_a_did_web_provider_gets_its_published_did_document(client: Any) -> None:
    response = client.post(
        "/issuers",
        json={"name": "Kammer Köln", "slug": "kammer", "suspension": True},
        headers=OPERATOR,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["did"] == "did:web:credentials.example.org:issuers:kammer"
    assert created["didDocument"] == f"{SERVICE_BASE_URL}/issuers/kammer/did.json"
    assert client.get("/issuers/kammer/did.json").json()["id"] == created["did"]


def test_only_the_operator_registers_providers(
    client: Any, provider: Provider, db: Database
) -> None:
    before = table_counts(db)
    body = {"name": "Someone"}
    for headers in ({}, provider.headers, {"Authorization": "Bearer " + OPERATOR_TOKEN[:-1]}):
        response = client.post("/issuers", json=body, headers=headers)
        assert response.status_code == 401, headers
        assert "operator token" in response.json()["detail"]
    assert table_counts(db) == before


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"name": "Acme", "didMethod": "peer"}, 422, "didMethod"),
        ({"name": "Acme", "nationality": "SY"}, 422, "nationality"),
        ({"slug": "acme"}, 422, "name"),
        ({"name": "Acme", "slug": "Not A Slug"}, 422, "Slug"),
        ({"name": "Vocational Training Centre Hamburg"}, 409, "already exists"),
    ],
)
def test_bad_registrations_are_problems_that_say_what_is_wrong(
    client: Any, provider: Provider, db: Database, body: dict[str, Any], status: int, says: str
) -> None:
    before = table_counts(db)
    response = client.post("/issuers", json=body, headers=OPERATOR)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]
    assert table_counts(db) == before


def test_a_guessable_operator_token_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        Settings(operator_token=SecretStr("letmein"))
