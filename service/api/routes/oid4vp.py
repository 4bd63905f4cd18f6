"""OpenID4VP on the employer's /verify page (see :mod:`service.app.oid4vp`).

``POST /verify/wallet`` starts a request and sends the employer to its page, which shows the
QR code while it waits (a Refresh link; on request, ``auto=1``, it reloads itself every few
seconds: no JavaScript either way; off by default, as WCAG 2.2.1 asks) and the verdict
once the wallet answered. ``POST /openid4vp/response`` is the wallet's ``direct_post``
endpoint: it verifies the presentation with the public verifier (its limits and fair share
per client apply) and keeps the verdict for the page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.api import problems
from service.api.deps import AppState, PublicDep, StateDep
from service.api.openapi.oid4vc import PRESENTATION_RESPONSE
from service.api.pages import render
from service.app import oid4vp
from service.credentials.view import CredentialView
from service.errors import OAuthError, PresentationRequestNotFound, TesseraError
from service.export import qr
from service.i18n import negotiate, supported
from service.verification.presentations import PresentationResult
from service.verification.public import verdict_of

router = APIRouter(tags=["wallet apps (OpenID4VP)"])
_VERDICT_CLASS = {"valid": "ok", "invalid": "bad", "incomplete": "warn"}
#: How often the waiting page reloads itself.
REFRESH_SECONDS = 3


def _language(request: Request) -> str:
    return supported(request.query_params.get("lang")) or negotiate(
        request.headers.get("accept-language")
    )


@router.post(
    "/verify/wallet",
    response_class=HTMLResponse,
    status_code=201,
    summary="Verification page: ask a wallet app for a credential",
)
def post_wallet_request(request: Request, state: StateDep) -> Response:
    """Starts an OpenID4VP request and answers with its page (201; `Location` is the page's
    own address)."""
    with state.repository() as repo:
        made = oid4vp.create_request(repo, now=state.now())
    return _request_page(request, state, made, status_code=201)


@dataclass(frozen=True)
class _Item:
    verdict: str
    verdict_class: str
    view: CredentialView | None
    status: str


def _verdict_context(verdict: dict[str, Any], lang: str) -> dict[str, Any]:
    items = []
    for entry in verdict.get("credentials", []):
        document = entry.get("document")
        items.append(
            _Item(
                verdict=entry["verdict"],
                verdict_class=_VERDICT_CLASS[entry["verdict"]],
                view=CredentialView.of(document, lang) if isinstance(document, dict) else None,
                status=entry.get("status", "unknown"),
            )
        )
    overall = verdict["verdict"]
    return {
        "verdict": overall,
        "verdict_class": _VERDICT_CLASS[overall],
        "holder_bound": verdict["holderBound"],
        "presentation_proof": verdict["proof"],
        "items": items,
        "technical": verdict.get("technical", []),
    }


@router.get(
    "/verify/wallet/{request}",
    response_class=HTMLResponse,
    summary="Verification page: a wallet request, waiting or answered",
)
def get_wallet_request(request: str, http: Request, state: StateDep) -> Response:
    """While waiting: the request's QR code and link, reloading every few seconds. Then the
    verdict on the presentation the wallet sent (holder binding, nonce, audience, and each
    credential's checks); after 10 minutes the request expires."""
    return _request_page(http, state, request)


def _request_page(
    http: Request, state: AppState, request: str, *, status_code: int = 200
) -> Response:
    lang = _language(http)
    address = f"/verify/wallet/{request}?lang={lang}"
    auto = http.query_params.get("auto") == "1"
    with state.repository() as repo:
        view = oid4vp.request_view(
            repo, state=request, base_url=state.settings.base_url, now=state.now()
        )
    context: dict[str, Any] = {"expired": view.expired, "answered": view.verdict is not None}
    if view.verdict is not None and not view.expired:
        context.update(_verdict_context(dict(view.verdict), lang))
    elif not view.expired:
        png = qr.png(qr.make_qr(view.link, level="L"), scale=4)
        context.update(
            link=view.link,
            qr_data="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            refresh=REFRESH_SECONDS if auto else None,
            auto=auto,
            address=address,
        )
    response = render(http, "verify_wallet.html", lang=lang, status_code=status_code, **context)
    response.headers["X-Robots-Tag"] = "noindex"
    if status_code == 201:
        response.headers["Location"] = address
    return response


def _summary(result: PresentationResult, bound: bool) -> dict[str, Any]:
    credentials = []
    for item in result.credentials:
        shown = item.credential is not None and item.check("proof").status == "passed"
        credentials.append(
            {
                "verdict": verdict_of(item),
                "document": dict(item.credential) if shown and item.credential else None,
                "status": item.check("status").status,
            }
        )
    proof = result.check("proof")
    verified = result.verified and bound
    failed = proof.status == "failed" or any(c["verdict"] == "invalid" for c in credentials)
    return {
        "verdict": "valid" if verified else "invalid" if failed or not bound else "incomplete",
        "holderBound": bound,
        "proof": proof.status,
        "credentials": credentials,
        "technical": [[c.check, c.status, c.detail] for c in result.checks],
    }


@router.post(
    "/openid4vp/response",
    summary="OpenID4VP direct_post response endpoint",
    openapi_extra=PRESENTATION_RESPONSE,
)
async def post_response(request: Request, state: StateDep, public: PublicDep) -> JSONResponse:
    """The wallet's answer (form-encoded `vp_token` and `state`). The presentation must be
    signed by its holder for this request's nonce (`challenge`) and this verifier's client_id
    (`domain`), and hold credentials bound to that holder; the verdict goes to the employer's
    page. One answer per request."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise OAuthError("invalid_request", "Send the response form-encoded (direct_post).")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    client = request.client.host if request.client else "unknown"
    await public.admit(client)  # the public verifier's rate limit per client address
    with state.repository() as repo:
        answer = oid4vp.read_response(repo, form=fields, now=state.now())
    result = await public.verify_presentation(
        answer.presentation,
        now=state.now(),
        challenge=answer.nonce,
        domain=oid4vp.client_id(state.settings.base_url),
        client=client,
        locate=False,  # the wallet posts this: its address is the learner's, not the employer's
    )
    bound = oid4vp.holder_bound(result.holder, [c.credential for c in result.credentials])
    with state.repository() as repo:
        oid4vp.record_verdict(repo, answer=answer, verdict=_summary(result, bound), now=state.now())
    return JSONResponse({}, headers={"Cache-Control": "no-store"})


def _unknown_request_page(http: Request, error: TesseraError, status: int) -> Response | None:
    """An unknown request's address (mistyped, or purged after expiry) gets the page that
    offers a new request, in the visitor's language."""
    response = render(
        http, "verify_wallet.html", lang=_language(http), status_code=status, expired=True
    )
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def install(app: FastAPI) -> None:
    """Add the routes and the page for an unknown request."""
    app.include_router(router)
    problems.add_page(app, PresentationRequestNotFound, _unknown_request_page)
