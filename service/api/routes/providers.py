"""The operator API: register a training provider over HTTP (what `tessera issuers create` does).

Off unless the operator sets ``TESSERA_OPERATOR_TOKEN``; providers' own API keys never reach it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header

from service.api.deps import StateDep, bearer_token, require_operator
from service.app.providers import create_issuer
from service.credentials import validate

router = APIRouter(tags=["operator"])


@router.post(
    "/issuers",
    status_code=201,
    summary="Register a provider (operator token): its DID, signing key and first API key",
)
def post_issuer(
    state: StateDep,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"name": "Mobile Training Team North", "didMethod": "key"}]),
    ],
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Registers a training provider: creates its DID (did:web or did:key) and signing key and
    returns its first API key (shown once). Needs the operator token. Checked against
    `schemas/provider-create.schema.json`."""
    require_operator(
        state,
        bearer_token(authorization),
        off="Registering providers over the API",
        instead="`tessera issuers create`",
        other_keys="a provider's API key cannot register providers",
    )
    validate("provider-create", body, what="provider")
    with state.repository() as repo:
        issuer, key = create_issuer(
            repo,
            state.engine.keys(),
            name=body["name"],
            url=body.get("url"),
            slug=body.get("slug"),
            base_url=state.settings.base_url,
            actor="operator-api",
            now=state.now(),
            suspension=body.get("suspension", False),
            did_method=body.get("didMethod", "web"),
        )
        result: dict[str, Any] = {
            "slug": issuer.slug,
            "did": issuer.did,
            "apiKey": {"id": key.id, "token": key.token, "scopes": list(key.scopes)},
        }
    if issuer.did.startswith("did:web:"):
        result["didDocument"] = (
            f"{state.settings.base_url.rstrip('/')}/issuers/{issuer.slug}/did.json"
        )
    return result
