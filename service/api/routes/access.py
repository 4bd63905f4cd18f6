"""A provider's API keys and audit log (admin scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from service.api.deps import CallerDep, StateDep, issuer_for
from service.app.access import SCOPES, create_api_key, revoke_api_key
from service.app.providers import revoke_key
from service.dates import parse_datetime
from service.errors import ValidationFailed

router = APIRouter(prefix="/issuers/{issuer}", tags=["access"])


@router.post("/api-keys", status_code=201, summary="Create an API key (the token is shown once)")
def post_api_key(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    body: Annotated[
        dict[str, Any], Body(examples=[{"label": "registrar laptop", "scopes": ["issue"]}])
    ],
) -> dict[str, Any]:
    """Creates an API key for this provider with the given scopes (`issue`, `revoke`, `admin`;
    default `issue`). The token is in this answer only: store it now. Needs the `admin` scope."""
    caller.require("admin")
    scopes = body.get("scopes", ["issue"])
    label = body.get("label", "")
    if not isinstance(scopes, list) or not isinstance(label, str):
        raise ValidationFailed(
            f"Send {{'label': str, 'scopes': [...]}} with scopes from {list(SCOPES)}."
        )
    with state.repository() as repo:
        key = create_api_key(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            label=label,
            scopes=scopes,
            actor=caller.actor,
            now=state.now(),
        )
    return {"id": key.id, "token": key.token, "scopes": list(key.scopes)}


@router.get("/api-keys", summary="List API keys (never their secrets)")
def list_api_keys(issuer: str, state: StateDep, caller: CallerDep) -> list[dict[str, Any]]:
    """Lists the provider's API keys with their label, scopes, creation and revocation times; never
    a secret. Needs the `admin` scope."""
    caller.require("admin")
    with state.repository() as repo:
        return [
            {
                "id": k.id,
                "label": k.label,
                "scopes": k.scopes.split(),
                "createdAt": k.created_at.isoformat(),
                "revokedAt": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in repo.access.api_keys(issuer_for(repo, caller, issuer).id)
        ]


@router.delete("/api-keys/{key_id}", status_code=204, summary="Revoke an API key")
def delete_api_key(issuer: str, key_id: str, state: StateDep, caller: CallerDep) -> None:
    """Revokes an API key at once: later requests with it answer 401. Needs the `admin` scope."""
    caller.require("admin")
    with state.repository() as repo:
        revoke_api_key(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            key_id=key_id,
            actor=caller.actor,
            now=state.now(),
        )


@router.post("/keys/revoke", summary="Declare a signing key compromised from a moment on")
def post_revoke_key(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    body: Annotated[
        dict[str, Any] | None,
        Body(examples=[{"verificationMethod": "did:web:…#z6Mk…", "since": "2026-03-01T00:00:00Z"}]),
    ] = None,
) -> dict[str, Any]:
    """Declares one of the provider's keys compromised from `since` (a date-time with an
    offset; default now) on: the DID document publishes it as the method's `revoked`, proofs
    the key made from then on fail, what it signed before keeps verifying. Without
    `verificationMethod`, the signing key; a new key then signs. Needs the `admin` scope."""
    caller.require("admin")
    body = body or {}
    method = body.get("verificationMethod")
    raw_since = body.get("since")
    since = state.now() if raw_since is None else parse_datetime(raw_since, require_offset=True)
    if (method is not None and not isinstance(method, str)) or since is None:
        raise ValidationFailed(
            "Send {'verificationMethod': 'did:…#…' (optional), 'since': "
            "'2026-03-01T00:00:00Z' (optional, with an offset)}.",
            [{"path": "$.since", "message": "must be a date-time with an offset"}]
            if since is None
            else [{"path": "$.verificationMethod", "message": "must be a string"}],
        )
    with state.repository() as repo:
        revoked, replacement = revoke_key(
            repo,
            state.engine.keys(),
            issuer=issuer_for(repo, caller, issuer),
            verification_method=method,
            since=since,
            actor=caller.actor,
            now=state.now(),
        )
    return {
        "revoked": revoked,
        "since": since.isoformat(),
        "signingKey": replacement,
    }


@router.get("/audit", summary="The provider's audit log, newest first (no credential content)")
def get_audit(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The provider's audit log, newest first: who (which key) did what and when (issue, revoke,
    key and link changes). It records no credential content. Needs the `admin` scope."""
    caller.require("admin")
    with state.repository() as repo:
        return [
            {
                "at": a.at.isoformat(),
                "actor": a.actor,
                "action": a.action,
                "subject": a.subject,
                "detail": a.detail,
            }
            for a in repo.audit.log(issuer_for(repo, caller, issuer).id, limit=limit)
        ]
