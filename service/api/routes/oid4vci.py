"""OpenID for Verifiable Credential Issuance endpoints (see :mod:`service.app.oid4vci`).

Public (a wallet has no API key): the issuer and authorization server metadata, the offer by
reference, token, nonce and credential endpoints. The provider's API makes offers, for some
credentials or a whole cohort in one call. Every answer that carries a secret is
``Cache-Control: no-store``.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.api.deps import CallerDep, StateDep, issuer_for
from service.api.openapi.oid4vc import CREDENTIAL_REQUEST, TOKEN_REQUEST
from service.api.pages import render
from service.app import oid4vci
from service.app.wallet import open_wallet
from service.errors import InputError, NotFoundError, OAuthError, ValidationFailed
from service.export import qr
from service.i18n import negotiate, supported

router = APIRouter(tags=["wallet apps (OpenID4VCI)"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _json(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=NO_STORE)


@router.get(
    "/.well-known/openid-credential-issuer/issuers/{issuer}",
    summary="Credential issuer metadata (OID4VCI)",
)
@router.get("/issuers/{issuer}/.well-known/openid-credential-issuer", include_in_schema=False)
def credential_issuer_metadata(issuer: str, state: StateDep) -> dict[str, Any]:
    """The provider's OID4VCI Credential Issuer Metadata: an `ldp_vc` configuration per
    catalogue module with its name in every catalogue language."""
    with state.repository() as repo:
        row = repo.providers.issuer_by_slug(issuer)
        modules = [{"id": m.id, "data": dict(m.data)} for m in repo.catalogue.modules(row.id)]
        return oid4vci.issuer_metadata(
            issuer=row, modules=modules, base_url=state.settings.base_url
        )


@router.get(
    "/.well-known/oauth-authorization-server/issuers/{issuer}",
    summary="Authorization server metadata (RFC 8414)",
)
@router.get("/issuers/{issuer}/.well-known/oauth-authorization-server", include_in_schema=False)
def authorization_server_metadata(issuer: str, state: StateDep) -> dict[str, Any]:
    """RFC 8414 metadata: the provider's token endpoint for the pre-authorized code grant."""
    with state.repository() as repo:
        return oid4vci.authorization_server_metadata(
            issuer=repo.providers.issuer_by_slug(issuer), base_url=state.settings.base_url
        )


@router.get("/issuers/{issuer}/credential-offers/{ref}", summary="A credential offer by reference")
def credential_offer(issuer: str, ref: str, state: StateDep) -> JSONResponse:
    """The offer behind a `credential_offer_uri`, with a fresh pre-authorized code (10 minutes);
    410 once the offer was used or expired."""
    with state.repository() as repo:
        return _json(
            oid4vci.read_offer(
                repo,
                issuer=repo.providers.issuer_by_slug(issuer),
                ref=ref,
                base_url=state.settings.base_url,
                now=state.now(),
            )
        )


@router.post(
    "/issuers/{issuer}/token",
    summary="Token endpoint (pre-authorized code grant)",
    openapi_extra=TOKEN_REQUEST,
)
async def token(issuer: str, request: Request, state: StateDep) -> JSONResponse:
    """Exchanges a pre-authorized code (and the transaction code, when the offer has one) for
    an access token, once. Form-encoded, as OAuth 2.0 requires."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise OAuthError("invalid_request", "Send the token request form-encoded.")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    with state.repository() as repo:
        outcome = oid4vci.exchange_code(
            repo, issuer=repo.providers.issuer_by_slug(issuer), form=fields, now=state.now()
        )
    return _json(outcome.result())  # a refusal is raised after its count was committed


@router.post("/issuers/{issuer}/nonce", summary="Nonce endpoint (a fresh c_nonce)")
def nonce(issuer: str, state: StateDep) -> JSONResponse:
    """A single-use nonce (5 minutes) for the wallet's key proof."""
    with state.repository() as repo:
        repo.providers.issuer_by_slug(issuer)
        return _json(oid4vci.new_nonce(repo, now=state.now()))


@router.post(
    "/issuers/{issuer}/credential",
    summary="Credential endpoint (ldp_vc)",
    openapi_extra=CREDENTIAL_REQUEST,
)
async def credential(
    issuer: str,
    request: Request,
    state: StateDep,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """The Open Badges credential in the `ldp_vc` format, bound to the holder's DID when a
    `jwt` key proof comes with the request; once per offer."""
    access = oid4vci.bearer_token(authorization)
    request_body = oid4vci.credential_request(await request.body())
    now = state.now()
    with state.repository() as repo:
        outcome = oid4vci.check_credential_request(
            repo,
            issuer=repo.providers.issuer_by_slug(issuer),
            token=access,
            request=request_body,
            base_url=state.settings.base_url,
            now=now,
        )
    grant = outcome.result()  # a refusal is raised after the nonce it used was committed
    # Signing happens outside any transaction; the offer is spent only after it succeeded.
    document = oid4vci.bound_credential(grant, signer=state.signer, now=now)
    with state.repository() as repo:
        oid4vci.deliver(repo, grant=grant, token=access, now=now)
    return _json({"credentials": [{"credential": document}]})


@router.post(
    "/issuers/{issuer}/credential-offers",
    status_code=201,
    summary="Make credential offers for wallet apps (one, some, or a cohort)",
)
def post_offers(
    issuer: str,
    state: StateDep,
    caller: CallerDep,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"credentialIds": ["…"], "txCode": True, "expiresInHours": 168}]),
    ],
) -> JSONResponse:
    """Offers (OID4VCI, pre-authorized code) for `credentialIds` (a whole cohort: up to 2,000),
    all or none: a revoked or suspended credential refuses the request (409).
    With `txCode`, each offer has a 6-digit code to send the learner separately. The codes are in
    this answer only."""
    caller.require("issue")
    ids = body.get("credentialIds")
    tx_code, hours = body.get("txCode", False), body.get("expiresInHours", 168)
    if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ValidationFailed("Send credentialIds: a list of the credential ids to offer.")
    if not isinstance(tx_code, bool):
        raise ValidationFailed("txCode must be true or false.")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 2160:
        raise ValidationFailed("expiresInHours must be a whole number of hours (1 to 2160).")
    with state.repository() as repo:
        owner = issuer_for(repo, caller, issuer)
        made = oid4vci.create_offers(
            repo,
            issuer=owner,
            credential_ids=ids,
            tx_code=tx_code,
            lifetime=timedelta(hours=hours),
            base_url=state.settings.base_url,
            actor=caller.actor,
            now=state.now(),
        )
        return _json({"offers": [offer.describe() for offer in made]}, 201)


#: How long the offer on the learner's wallet page works (its codes live 10 minutes each).
WALLET_PAGE_OFFER = timedelta(hours=1)


@router.get(
    "/wallet/{token}/{code}/wallet-app",
    response_class=HTMLResponse,
    summary="The learner's page: add a credential to a wallet app",
)
def wallet_app_page(token: str, code: str, request: Request, state: StateDep) -> Response:
    """A fresh credential offer (one hour, once) as a QR code to scan with a wallet app, and
    as a link that opens the wallet app on the same phone."""
    now = state.now()
    with state.repository() as repo:
        wallet = open_wallet(repo, token)
        try:
            wanted = str(qr.uuid_from_short_id(code))
        except InputError:
            raise NotFoundError("No such credential in this wallet.") from None
        row = wallet.credential(wanted)
        made = oid4vci.create_offers(
            repo,
            issuer=wallet.issuer,
            credential_ids=[row.id],
            tx_code=False,
            lifetime=WALLET_PAGE_OFFER,
            base_url=state.settings.base_url,
            actor=f"wallet-link:{wallet.link.id}",
            now=now,
        )[0]
        lang = (
            supported(request.query_params.get("lang"))
            or supported(wallet.link.language)
            or negotiate(request.headers.get("accept-language"))
        )
    link = made.deep_link_by_reference()
    png = qr.png(qr.make_qr(link), scale=5)
    response = render(
        request,
        "wallet_app.html",
        lang=lang,
        link=link,
        qr_data="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        back=f"/wallet/{token}",
    )
    response.headers.update(
        {"X-Robots-Tag": "noindex, nofollow, noarchive", "Cache-Control": "no-store"}
    )
    return response
