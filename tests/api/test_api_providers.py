"""Providers: did:web identifiers under the service's origin, the published DID documents,
public profiles, and a taken slug as a 409 problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import SERVICE_HOST, Provider

from service.app.engine import Engine
from service.app.providers import issuer_did
from service.errors import ConflictError
from service.store import Database, Repositories


def test_a_provider_gets_a_did_web_under_the_service_origin(
    make_provider: Callable[..., Provider], service_engine: Engine, db: Database
) -> None:
    provider = make_provider("Kammer für Handwerk Köln")

    assert provider.slug == "kammer-fur-handwerk-koln"
    assert provider.did == f"did:web:{SERVICE_HOST}:issuers:kammer-fur-handwerk-koln"
    with db.transaction() as session:
        (key,) = Repositories(session).providers.issuer_keys(provider.issuer.id)
    stored = service_engine.keys().info(key.key_name)
    assert stored.controller == provider.did
    assert stored.encrypted and not stored.development
    assert key.verification_method == f"{provider.did}#{stored.public_key_multibase}"


@pytest.mark.parametrize(
    ("base_url", "did"),
    [
        ("https://credentials.example.org", "did:web:credentials.example.org:issuers:acme"),
        ("https://Credentials.Example.org/", "did:web:credentials.example.org:issuers:acme"),
        ("http://localhost:8000", "did:web:localhost%3A8000:issuers:acme"),
        ("https://example.org/tessera/", "did:web:example.org:tessera:issuers:acme"),
    ],
)
def test_did_web_encodes_port_and_path(base_url: str, did: str) -> None:
    assert issuer_did(base_url, "acme") == did


def test_did_document_lists_the_key_under_assertion_method(
    client: Any, provider: Provider, db: Database
) -> None:
    response = client.get(f"/issuers/{provider.slug}/did.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did+json"
    document = response.json()
    with db.transaction() as session:
        key = Repositories(session).providers.active_key(provider.issuer.id)
    assert document["id"] == provider.did
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert document["verificationMethod"] == [
        {
            "id": key.verification_method,
            "type": "Multikey",
            "controller": provider.did,
            "publicKeyMultibase": key.public_key_multibase,
        }
    ]
    assert document["assertionMethod"] == [key.verification_method]


def test_did_document_is_public_and_unknown_providers_are_404(
    client: Any, provider: Provider
) -> None:
    assert client.get(f"/issuers/{provider.slug}/did.json", headers={}).status_code == 200
    missing = client.get("/issuers/nobody-here/did.json")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_public_profile(client: Any, provider: Provider) -> None:
    profile = client.get(f"/issuers/{provider.slug}").json()
    assert profile == {
        "id": provider.did,
        "type": ["Profile"],
        "name": "Vocational Training Centre Hamburg",
        "url": "https://vtc-hamburg.example/",
        "slug": provider.slug,
    }


def test_a_taken_slug_is_a_409_problem(
    app: Any, client: Any, make_provider: Callable[..., Provider]
) -> None:
    make_provider("Welding School", slug="welding")
    with pytest.raises(ConflictError) as raised:
        make_provider("Another Welding School", slug="welding")

    # Providers are created by operators (CLI); render the very error a request would get.
    def create_again() -> None:
        raise raised.value

    app.add_api_route("/_test/create-provider", create_again, methods=["POST"])
    response = client.post("/_test/create-provider")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 409
    assert "welding" in body["detail"]
    assert body["type"].startswith("https://") and body["title"]


def test_registering_providers_over_the_api_is_off_without_an_operator_token(
    client: Any,
) -> None:
    response = client.post("/issuers", json={"name": "Acme"})

    assert response.status_code == 403
    assert "TESSERA_OPERATOR_TOKEN" in response.json()["detail"]
