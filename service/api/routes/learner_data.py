"""A learner's data rights over HTTP: the wallet's "your data" page, its download and erasure
request (``/wallet/{token}/data``), and the provider's export, erasure and confirmation of
learners' requests (``/issuers/{issuer}/learners/…``, ``/issuers/{issuer}/erasure-requests``).

The provider names a learner in the request body, never in the URL, so a learner reference
does not end up in access logs. Errors are raised, not caught: ``service.api.problems`` maps
them (an unknown or revoked wallet link answers its kind 404/410 page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.api.deps import CallerDep, StateDep, issuer_for
from service.api.pages import render
from service.api.routes.wallet import PRIVATE, _bidi_translator, _language
from service.app.learner_data import (
    Selection,
    bundle,
    confirm_erasure,
    erase,
    learner_record,
    pending_requests,
    request_erasure,
)
from service.app.wallet import open_wallet
from service.credentials.reading import shown
from service.credentials.view import CredentialView, format_date
from service.errors import ValidationFailed
from service.export.qr import short_id

router = APIRouter(tags=["learner data"])

ZIP = "application/zip"
_ZIP_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A ZIP: record.json (everything held) and credentials/*.json (as signed).",
        "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
    }
}
_REPORT_EXAMPLE = {
    "erasedCredentials": 2,
    "erasedWalletLinks": 1,
    "detachedStatusEntries": 2,
    "erasureRequestId": "7f0c2a1e-5d1b-4c1a-9f55-3b1e0a7d9c21",
}
_REPORT_SCHEMA = {
    "type": "object",
    "required": ["erasedCredentials", "erasedWalletLinks", "detachedStatusEntries"],
    "properties": {
        "erasedCredentials": {"type": "integer"},
        "erasedWalletLinks": {"type": "integer"},
        "detachedStatusEntries": {"type": "integer"},
        "erasureRequestId": {"type": ["string", "null"]},
    },
}
_REPORT_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "What was erased (counts only); zeros when it was erased before.",
        "content": {"application/json": {"schema": _REPORT_SCHEMA, "example": _REPORT_EXAMPLE}},
    }
}
_REQUEST_EXAMPLE = {
    "id": "7f0c2a1e-5d1b-4c1a-9f55-3b1e0a7d9c21",
    "walletLinkId": "0b8e7c55-2f7a-4d0e-8a43-61c5f0d2a9b4",
    "requestedBy": "learner",
    "requestedAt": "2026-11-30T09:12:00+00:00",
    "erasedAt": None,
    "erasedCredentials": None,
}
_REQUESTS_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Erasure requests, oldest first (ids and times, no personal data).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "walletLinkId": {"type": ["string", "null"]},
                            "requestedBy": {"enum": ["learner", "provider"]},
                            "requestedAt": {"type": "string"},
                            "erasedAt": {"type": ["string", "null"]},
                            "erasedCredentials": {"type": ["integer", "null"]},
                        },
                    },
                },
                "example": [_REQUEST_EXAMPLE],
            }
        },
    }
}
_LEARNER_BODY = Body(
    examples=[{"learnerRef": "E-00042"}, {"walletLinkId": "…"}, {"credentialIds": ["…"]}],
    description="Exactly one of walletLinkId, learnerRef or credentialIds.",
)


_SELECTION_SCHEMA = {
    "type": "object",
    "description": "Exactly one of walletLinkId, learnerRef or credentialIds.",
    "properties": {
        "walletLinkId": {"type": "string", "description": "One of the learner's wallet links."},
        "learnerRef": {"type": "string", "description": "The provider's own learner id."},
        "credentialIds": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "maxItems": 1000,
        },
    },
    "additionalProperties": False,
}
_SELECTION_BODY = {"requestBody": {"content": {"application/json": {"schema": _SELECTION_SCHEMA}}}}


def _selection(body: dict[str, Any]) -> Selection:
    link, ref, ids = body.get("walletLinkId"), body.get("learnerRef"), body.get("credentialIds")
    if not isinstance(link, (str, type(None))) or not isinstance(ref, (str, type(None))):
        raise ValidationFailed("walletLinkId and learnerRef must be strings.")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ValidationFailed("credentialIds must be a list of credential ids.")
    return Selection.of(wallet_link_id=link, learner_ref=ref, credential_ids=ids or ())


def _zip(body: bytes, name: str) -> Response:
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=ZIP, headers=headers)


# -- the learner's side ---------------------------------------------------------------------


@router.get(
    "/wallet/{token}/data", response_class=HTMLResponse, summary="Your data: what is held about you"
)
def wallet_data_page(token: str, request: Request, state: StateDep) -> Response:
    """The learner's "your data" page: everything the service holds about them (credentials,
    wallet link, when each was issued or revoked), a download of all of it, and a request to
    erase it, in their language."""
    with state.repository() as repo:
        wallet = open_wallet(repo, token)
        lang = _language(request, wallet.link.language)
        record, rows = learner_record(
            repo,
            issuer=wallet.issuer,
            selection=Selection(wallet_link_id=wallet.link.id),
            now=state.now(),
        )
        items = [
            {
                "name": shown(CredentialView.of(row.document, lang).achievement),
                "code": short_id(row.id),
                "issued": format_date(row.issued_at.date(), lang),
                "held": data,
            }
            for row, data in zip(rows, record["credentials"], strict=True)
        ]
        pending = any(r["erasedAt"] is None for r in record["erasureRequests"])
        provider = wallet.issuer.name
        created = format_date(wallet.link.created_at.date(), lang)
    return _page(
        request,
        "wallet_data.html",
        lang=lang,
        items=items,
        provider=provider,
        created=created,
        pending=pending,
        auto=state.settings.erasure_auto_confirm,
        base=f"/wallet/{token}",
    )


def _page(request: Request, template: str, *, lang: str, **values: Any) -> Response:
    response = render(request, template, lang=lang, tb=_bidi_translator(lang), **values)
    response.headers.update(PRIVATE)
    return response


@router.get(
    "/wallet/{token}/data.zip",
    response_class=Response,
    responses=_ZIP_ANSWER,
    summary="Download everything held about you",
)
def wallet_data_download(token: str, state: StateDep) -> Response:
    """All the learner's data in one ZIP: each credential as its own file, exactly as signed,
    and record.json listing everything the service holds about them."""
    with state.repository() as repo:
        wallet = open_wallet(repo, token)
        record, rows = learner_record(
            repo,
            issuer=wallet.issuer,
            selection=Selection(wallet_link_id=wallet.link.id),
            now=state.now(),
        )
        slug = wallet.issuer.slug
    return _zip(bundle(record, rows), f"my-data-{slug}.zip")


@router.post(
    "/wallet/{token}/erasure",
    response_class=HTMLResponse,
    summary="Ask for your data to be erased",
)
async def wallet_erasure(token: str, request: Request, state: StateDep) -> Response:
    """The learner asks for erasure (a form with a confirmation box). The provider confirms it,
    or the operator has set erasure to happen at once; the page says which, and that
    credentials already downloaded keep verifying."""
    form = await request.form()
    confirmed = form.get("confirm") == "yes"
    with state.repository() as repo:
        wallet = open_wallet(repo, token)
        lang = _language(request, wallet.link.language)
        if not confirmed:
            return _page(
                request,
                "wallet_data_erasure.html",
                lang=lang,
                outcome="unconfirmed",
                base=f"/wallet/{token}",
                status_code=422,
            )
        outcome = request_erasure(
            repo,
            issuer=wallet.issuer,
            link=wallet.link,
            auto_confirm=state.settings.erasure_auto_confirm,
            now=state.now(),
        )
        provider = wallet.issuer.name
    if outcome.report is not None:
        state.database.release_deleted()
    return _page(
        request,
        "wallet_data_erasure.html",
        lang=lang,
        outcome="erased" if outcome.report is not None else "requested",
        provider=provider,
        base=f"/wallet/{token}",
    )


# -- the provider's side --------------------------------------------------------------------


@router.post(
    "/issuers/{issuer}/learners/export",
    response_class=Response,
    responses=_ZIP_ANSWER,
    openapi_extra=_SELECTION_BODY,
    summary="Export everything held about one learner",
)
def export_learner(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    body: Annotated[dict[str, Any], _LEARNER_BODY],
) -> Response:
    """The same ZIP the learner downloads from their wallet page, for a learner named by
    wallet link, learner reference or credential ids (a subject access request)."""
    caller.require("issue")
    selection = _selection(body)
    with state.repository() as repo:
        owner = issuer_for(repo, caller, issuer)
        record, rows = learner_record(repo, issuer=owner, selection=selection, now=state.now())
        repo.audit.record(
            actor=caller.actor, action="learner.export", now=state.now(), issuer_id=owner.id
        )
    return _zip(bundle(record, rows), "learner-data.zip")


@router.post(
    "/issuers/{issuer}/learners/erase",
    responses=_REPORT_ANSWER,
    openapi_extra=_SELECTION_BODY,
    summary="Erase one learner's records (idempotent)",
)
def erase_learner(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    body: Annotated[dict[str, Any], _LEARNER_BODY],
) -> dict[str, Any]:
    """Erases the stored credentials, name, wallet links and revocation reasons of one learner.
    Status entries stay, detached (indices are never reused; a revocation stays published), and
    credentials the learner downloaded keep verifying. Erasing again erases nothing."""
    caller.require("revoke")
    selection = _selection(body)
    with state.repository() as repo:
        report = erase(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            selection=selection,
            actor=caller.actor,
            now=state.now(),
        )
    state.database.release_deleted()
    return report.to_json()


@router.get(
    "/issuers/{issuer}/erasure-requests",
    responses=_REQUESTS_ANSWER,
    summary="Learners' erasure requests",
)
def list_erasure_requests(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    pending: Annotated[bool, Query(description="Only those not yet carried out.")] = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """The erasure requests learners sent from their wallet pages (and erasures the provider
    made), oldest first: ids and times only."""
    with state.repository() as repo:
        return pending_requests(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            pending_only=pending,
            limit=limit,
            offset=offset,
        )


@router.post(
    "/issuers/{issuer}/erasure-requests/{request_id}/confirm",
    responses=_REPORT_ANSWER,
    summary="Carry out a learner's erasure request",
)
def post_confirm_erasure(
    issuer: str, request_id: str, state: StateDep, caller: CallerDep
) -> dict[str, Any]:
    """Carries out a learner's erasure request (idempotent: a request already carried out
    answers with what it erased)."""
    caller.require("revoke")
    with state.repository() as repo:
        report = confirm_erasure(
            repo,
            issuer=issuer_for(repo, caller, issuer),
            request_id=request_id,
            actor=caller.actor,
            now=state.now(),
        )
    state.database.release_deleted()
    return report.to_json()


__all__ = ["router"]
