"""The learner's wallet (``/wallet/{token}``: a page and its downloads, no account, no
JavaScript). The provider's API for the links is :mod:`service.api.routes.wallet_links`.

Wallet responses are private: ``X-Robots-Tag: noindex`` keeps them out of search engines,
``Cache-Control: no-store`` out of shared caches, and the app-wide ``Referrer-Policy:
no-referrer`` keeps the token out of the Referer header of any link followed from them.
An unknown or malformed token answers 404 and a revoked one 410, both with a kind page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from service.api import problems
from service.api.deps import AppState, StateDep
from service.api.pages import render
from service.app.pathways import accepts_external, learner_progress
from service.app.signing import LocalSigner
from service.app.wallet import (
    Wallet,
    open_wallet,
    presentation,
)
from service.credentials.reading import shown
from service.credentials.view import CredentialView, format_date
from service.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    TesseraError,
    WalletLinkRevoked,
    WalletNotFound,
)
from service.export import qr
from service.export.offline_qr import encode_offline
from service.export.pdf import CertificateInput, certificate_pdf, find_fonts
from service.i18n import format_number, negotiate, supported, translate, translate_plural
from service.keys import Signer
from service.store import Repositories
from service.store.records import Credential

router = APIRouter(tags=["wallet"])

PRIVATE = {
    "X-Robots-Tag": "noindex, nofollow, noarchive",
    "Cache-Control": "no-store",
}
#: VC Data Model 2.0 §6.3 media types, registered with IANA in 2024.
VC_MEDIA_TYPE = "application/vc"
VP_MEDIA_TYPE = "application/vp"


# -- helpers ----------------------------------------------------------------------------


def _language(request: Request, preferred: str | None) -> str:
    """``?lang=``, else the language the learner chose at enrolment, else the browser's."""
    requested = supported(request.query_params.get("lang"))
    if requested:
        return requested
    return supported(preferred) or negotiate(request.headers.get("accept-language"))


def _bidi_translator(lang: str) -> Callable[..., Markup]:
    """``t()`` for messages whose ``{placeholders}`` hold names: each value is escaped and
    isolated in ``<bdi>``, so an Arabic provider name cannot reorder an English sentence."""

    def tb(key: str, /, **values: object) -> Markup:
        text = escape(translate(lang, key))
        isolated = {k: Markup("<bdi>{}</bdi>").format(v) for k, v in values.items()}
        try:
            return text.format(**isolated)
        except (KeyError, IndexError, ValueError):
            return text

    return tb


def _signer_for(state: AppState) -> Callable[[str], Signer]:
    """Sign with the process's cached, decrypted keys (decrypting is deliberately slow)."""
    batch = state.signer
    local = batch if isinstance(batch, LocalSigner) else getattr(batch, "local", None)
    if not isinstance(local, LocalSigner):
        local = LocalSigner(state.engine)
    return local.signer


def _status(repo: Repositories, wallet: Wallet, row: Credential) -> tuple[bool, bool]:
    """(revoked, suspended) from the provider's status lists."""
    from service.app.status_lists import credential_status

    status = credential_status(repo, issuer=wallet.issuer, credential_id=row.id)
    return status.revoked, status.suspended


def _file_name(view: CredentialView, code: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", shown(view.achievement, "credential")).strip("-")
    return f"{(stem or 'credential')[:40].lower()}-{code[:8].lower()}.{extension}"


def _download(body: bytes | str, media_type: str, file_name: str | None) -> Response:
    headers = dict(PRIVATE)
    if file_name:
        headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return Response(body, media_type=media_type, headers=headers)


@contextmanager
def _opened(state: AppState, token: str) -> Iterator[tuple[Repositories, Wallet]]:
    with state.repository() as repo:
        yield repo, open_wallet(repo, token)


def _gone_page(request: Request, error: TesseraError, status: int) -> Response:
    """The kind page for an unknown (404) or revoked (410) wallet link (a problems page)."""
    lang = _language(request, None)
    response = render(
        request,
        "wallet_gone.html",
        lang=lang,
        status_code=status,
        revoked=isinstance(error, WalletLinkRevoked),
    )
    response.headers.update(PRIVATE)
    return response


@dataclass(frozen=True)
class _Item:
    row: Credential
    view: CredentialView
    code: str
    revoked: bool
    suspended: bool
    completed: str
    issued: str


def _find(wallet: Wallet, code: str) -> Credential:
    try:
        wanted = str(qr.uuid_from_short_id(code))
    except InputError:
        raise NotFoundError("No such credential in this wallet.") from None
    return wallet.credential(wanted)


def _credential_response(
    request: Request, state: AppState, token: str, code: str, make: Callable[..., Response]
) -> Response:
    with _opened(state, token) as (repo, wallet):
        row = _find(wallet, code)
        return make(repo, wallet, row)


# -- the learner's pages ----------------------------------------------------------------


@router.get("/wallet/{token}", response_class=HTMLResponse, summary="A learner's wallet page")
def wallet_page(token: str, request: Request, state: StateDep) -> Response:
    """The learner's private wallet page: their credentials with downloads and QR codes, in their
    language. The token in the link is the only key; a withdrawn link answers 410."""
    return render_wallet(token, request, state)


def render_wallet(
    token: str, request: Request, state: AppState, *, presented: list[dict[str, Any]] | None = None
) -> Response:
    """The wallet page; ``presented``: the outcome of credentials the learner just uploaded."""
    with _opened(state, token) as (repo, wallet):
        lang = _language(request, wallet.link.language)
        items = []
        for row in wallet.credentials:
            view = CredentialView.of(row.document, lang, catalogue=wallet.catalogue(row))
            revoked, suspended = _status(repo, wallet, row)
            items.append(
                _Item(
                    row=row,
                    view=view,
                    code=qr.short_id(row.id),
                    revoked=revoked,
                    suspended=suspended,
                    completed=format_date(view.completed_on, lang),
                    issued=format_date(view.issued_on, lang),
                )
            )
        provider = wallet.issuer.name
        progress = [
            {
                "name": p.name(lang),
                "text": translate_plural(
                    lang, "wallet.progress", p.needed, done=format_number(lang, p.done)
                ),
                "awarded": p.awarded,
                "flagged": p.flagged,
            }
            for p in learner_progress(repo, issuer=wallet.issuer, link_id=wallet.link.id)
        ]
        accepts_others = accepts_external(repo, issuer=wallet.issuer)
    response = render(
        request,
        "wallet.html",
        lang=lang,
        items=items,
        progress=progress,
        accepts_others=accepts_others,
        presented=presented,
        provider=provider,
        base=f"/wallet/{token}",
        tb=_bidi_translator(lang),
    )
    response.headers.update(PRIVATE)
    return response


@router.get("/wallet/{token}/credentials.json", summary="All the wallet's credentials")
def wallet_bundle(token: str, request: Request, state: StateDep) -> Response:
    """All the wallet's credentials in one Verifiable Presentation (JSON), for digital wallets that
    import several at once."""
    with _opened(state, token) as (_repo, wallet):
        bundle = presentation([row.document for row in wallet.credentials])
        slug = wallet.issuer.slug
    return _download(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        VP_MEDIA_TYPE,
        f"credentials-{slug}.json",
    )


@router.get("/wallet/{token}/{code}/credential.json", summary="One credential file")
def wallet_credential(token: str, code: str, request: Request, state: StateDep) -> Response:
    """One credential file (JSON), exactly as signed, to import into a digital wallet."""

    def make(_repo: Repositories, _wallet: Wallet, row: Credential) -> Response:
        view = CredentialView.of(row.document, "en")
        return _download(
            json.dumps(row.document, ensure_ascii=False, indent=2),
            VC_MEDIA_TYPE,
            _file_name(view, qr.short_id(row.id), "json"),
        )

    return _credential_response(request, state, token, code, make)


def _qr_response(symbol: qr.QrSymbol, kind: str, image: str) -> Response:
    if image == "svg":
        return _download(qr.svg(symbol, title=kind), "image/svg+xml", None)
    return _download(qr.png(symbol, scale=8), "image/png", None)


@router.get("/wallet/{token}/{code}/verify-qr.{image}", summary="The verification QR code")
def wallet_verify_qr(
    token: str, code: str, image: str, request: Request, state: StateDep
) -> Response:
    """The QR code (PNG or SVG) with the short verification link a phone camera opens."""
    if image not in ("png", "svg"):
        raise NotFoundError("QR codes come as .png or .svg.")

    def make(_repo: Repositories, _wallet: Wallet, row: Credential) -> Response:
        url = qr.verification_url(state.settings.base_url, row.id)
        return _qr_response(qr.link_qr(url), "verification link", image)

    return _credential_response(request, state, token, code, make)


def _offline_text(state: AppState, repo: Repositories, wallet: Wallet, row: Credential) -> str:
    revoked, suspended = _status(repo, wallet, row)
    if revoked or suspended:
        raise ConflictError(
            "This credential is revoked or suspended: no new offline QR or certificate is made."
        )
    key = repo.providers.active_key(wallet.issuer.id)
    return encode_offline(row.document, signer=_signer_for(state)(key.key_name))


@router.get("/wallet/{token}/{code}/offline-qr.{image}", summary="The offline-verifiable QR code")
def wallet_offline_qr(
    token: str, code: str, image: str, request: Request, state: StateDep
) -> Response:
    """The offline QR code (PNG or SVG): a signed summary that verifies with no network."""
    if image not in ("png", "svg"):
        raise NotFoundError("QR codes come as .png or .svg.")

    def make(repo: Repositories, wallet: Wallet, row: Credential) -> Response:
        text = _offline_text(state, repo, wallet, row)
        return _qr_response(qr.make_qr(text), "offline credential", image)

    return _credential_response(request, state, token, code, make)


def _printed_offer(
    state: AppState, repo: Repositories, wallet: Wallet, row: Credential
) -> tuple[str, datetime]:
    """A wallet-app offer for the certificate's second page: once, for 30 days (each read of
    it makes a fresh 10-minute code)."""
    from service.app.oid4vci import PRINTED_OFFER_LIFETIME, create_offers

    offer = create_offers(
        repo,
        issuer=wallet.issuer,
        credential_ids=[row.id],
        tx_code=False,
        lifetime=PRINTED_OFFER_LIFETIME,
        base_url=state.settings.base_url,
        actor=f"wallet-link:{wallet.link.id}",
        now=state.now(),
    )[0]
    return offer.deep_link_by_reference(), offer.row.expires_at


@router.get("/wallet/{token}/{code}/certificate.pdf", summary="The printable certificate")
def wallet_certificate(
    token: str,
    code: str,
    request: Request,
    state: StateDep,
    paper: Annotated[str, Query(pattern="^(a4|letter)$")] = "a4",
) -> Response:
    """The printable certificate (PDF, tagged) in A4 or US Letter (`paper`) and the learner's
    language (`lang`), with the link QR code large and the offline one labelled."""

    def make(repo: Repositories, wallet: Wallet, row: Credential) -> Response:
        lang = _language(request, wallet.link.language)
        data = CertificateInput(
            credential=row.document,
            verification_url=qr.verification_url(state.settings.base_url, row.id),
            offline_qr=_offline_text(state, repo, wallet, row),
            language=lang,
            paper="letter" if paper == "letter" else "a4",
            catalogue=wallet.catalogue(row),
            wallet_offer=_printed_offer(state, repo, wallet, row),
        )
        body = certificate_pdf(data, fonts=find_fonts())
        view = CredentialView.of(row.document, lang)
        return _download(body, "application/pdf", _file_name(view, qr.short_id(row.id), "pdf"))

    return _credential_response(request, state, token, code, make)


def install(app: FastAPI) -> None:
    """Add the wallet routes to ``app``; an unknown or revoked link answers with a kind page."""
    app.include_router(router)
    problems.add_page(app, WalletNotFound, _gone_page)
    problems.add_page(app, WalletLinkRevoked, _gone_page)


__all__ = ["install", "router"]
