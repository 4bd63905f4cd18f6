"""Revocation and suspension: the public status lists and the provider's status changes."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header
from fastapi.responses import Response

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.status_lists import apply_vcapi_update, change_status, credential_status
from service.app.status_publishing import LIST_TTL

router = APIRouter(tags=["status"])
Json = Annotated[dict[str, Any], Body()]
#: Caches may keep a list this long before asking again (a revocation shows within a minute).
MAX_AGE_SECONDS = 60


@router.get(
    "/status/{list_id}",
    summary="A provider's Bitstring Status List credential (public, cacheable)",
    responses={304: {"description": "Not modified"}},
)
def get_status_list(
    list_id: str, state: StateDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """A Bitstring Status List credential (revocation or suspension), signed by its provider.
    Supports `If-None-Match`; cacheable for a short time."""
    published = state.lists.current(list_id, now=state.now())
    signed_at = published.document.get("validFrom", "")
    etag = f'W/"{published.version}-{signed_at}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={MAX_AGE_SECONDS}, stale-if-error={int(LIST_TTL.total_seconds())}",
        "Access-Control-Allow-Origin": "*",
    }
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(
        json.dumps(published.document), media_type="application/vc+ld+json", headers=headers
    )


def _change(
    state: StateDep,
    caller: CallerDep,
    issuer: str,
    credential_id: str,
    action: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    caller.require("revoke")
    reason = body.get("reason")
    with state.repository() as repo:
        result = change_status(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            credential_id=credential_id,
            action=action,
            reason=reason if isinstance(reason, str) else None,
            actor=caller.actor,
            now=state.now(),
            queue=state.jobs,
        )
    return result.to_json()


@router.post("/issuers/{issuer}/credentials/{credential_id}/revoke", summary="Revoke (permanent)")
def post_revoke(
    issuer: str, credential_id: str, state: StateDep, caller: CallerDep, body: Json | None = None
) -> dict[str, Any]:
    """Revokes a credential for good: its status bit is set before the answer, and the list
    served from then on shows it (re-signed by a job, or by the next read if it comes
    first), so every verifier sees it as revoked. Needs the `revoke` scope."""
    return _change(state, caller, issuer, credential_id, "revoke", body or {})


@router.post(
    "/issuers/{issuer}/credentials/{credential_id}/suspend",
    summary="Suspend while a case is checked",
)
def post_suspend(
    issuer: str, credential_id: str, state: StateDep, caller: CallerDep, body: Json | None = None
) -> dict[str, Any]:
    """Suspends a credential while a case is checked; it can be lifted with `unsuspend`. Only for
    providers with suspension enabled (else 409). Needs the `revoke` scope."""
    return _change(state, caller, issuer, credential_id, "suspend", body or {})


@router.post("/issuers/{issuer}/credentials/{credential_id}/unsuspend", summary="Lift a suspension")
def post_unsuspend(
    issuer: str, credential_id: str, state: StateDep, caller: CallerDep, body: Json | None = None
) -> dict[str, Any]:
    """Lifts a suspension: the credential verifies again. Needs the `revoke` scope."""
    return _change(state, caller, issuer, credential_id, "unsuspend", body or {})


@router.get(
    "/issuers/{issuer}/credentials/{credential_id}/status", summary="A credential's current status"
)
def get_credential_status(
    issuer: str, credential_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """Whether a credential is revoked or suspended now, and its status-list entries."""
    with state.repository() as repo:
        return credential_status(
            repo, issuer=issuer_for(repo, caller, issuer), credential_id=credential_id
        ).to_json()


@router.post("/credentials/status", summary="W3C VC-API: update a credential's status")
def post_vcapi_status(body: Json, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """W3C VC-API UpdateCredentialStatus: revoke, suspend or reinstate a credential by its id.
    Needs the `revoke` scope."""
    caller.require("revoke")
    with state.repository() as repo:
        result = apply_vcapi_update(
            repo,
            issuer=repo.providers.issuer(caller.issuer_id),
            request=body,
            actor=caller.actor,
            now=state.now(),
            queue=state.jobs,
        )
    return result.to_json()
