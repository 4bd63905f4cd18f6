"""Public, unauthenticated documents: DID documents, provider profiles, our JSON-LD context."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from service.api.deps import StateDep
from service.app.providers import did_document
from service.contexts import BUNDLED_DIR

router = APIRouter(tags=["public"])


@router.get("/issuers/{issuer}/did.json", summary="A provider's did:web DID document")
def get_did_document(issuer: str, state: StateDep) -> Response:
    """The provider's did:web DID document: its public keys, which verifiers resolve to check
    signatures."""
    with state.repository() as repo:
        document = did_document(repo, repo.providers.issuer_by_slug(issuer))
    return Response(
        json.dumps(document, indent=2),
        media_type="application/did+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/issuers/{issuer}", summary="A provider's public profile")
def get_issuer_profile(issuer: str, state: StateDep) -> dict[str, Any]:
    """The provider's public Open Badges profile: DID, name and website."""
    with state.repository() as repo:
        row = repo.providers.issuer_by_slug(issuer)
        return {
            "id": row.did,
            "type": ["Profile"],
            "name": row.name,
            "url": row.url,
            "slug": row.slug,
        }


@router.get("/contexts/tessera/v1", summary="Tessera's JSON-LD context (terms Open Badges lacks)")
def get_tessera_context() -> Response:
    """The JSON-LD context for the few terms Open Badges lacks (pinned by sha256 in
    `schemas/contexts.json`)."""
    return Response(
        (BUNDLED_DIR / "tessera-v1.jsonld").read_bytes(),
        media_type="application/ld+json",
        headers={
            "Cache-Control": "public, max-age=86400, immutable",
            "Access-Control-Allow-Origin": "*",
        },
    )


@router.get("/healthz", summary="Liveness and database reachability")
def health(state: StateDep) -> dict[str, str]:
    """Liveness: answers `ok` with the database dialect when the database answers a query."""
    state.database.ping()
    return {"status": "ok", "database": state.database.dialect}
