"""The public verification pages for people: the landing page, ``/verify`` (upload a JSON
file, a QR image or a PDF, or paste text) and the short link ``/v/{id}`` a QR code opens.

What was handed in is recognized by :mod:`service.verification.intake`, verified by the public
verifier (:mod:`service.api.limits` in front of it) and shown as it is: the verdict as the
heading, each check in plain words, and only what the credential's signature covers, only
when the signature verified (:class:`service.credentials.view.CredentialView`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.formparsers import MultiPartException
from starlette.types import Message

from service.api.deps import PublicDep
from service.api.limits import PublicEndpoint, client_address, read_limited
from service.api.openapi.components import VC_EXAMPLE, ref
from service.api.pages import page_language, render
from service.credentials.reading import reveal
from service.credentials.view import CredentialView
from service.dates import format_utc
from service.errors import TesseraError, UnreadableInput
from service.verification.counters import Verdict, verdict_of
from service.verification.intake import choose_submission, credential_id_of
from service.verification.pipeline import VerificationResult
from service.verification.presentations import PresentationResult
from service.verification.public import OFFLINE_PREFIX
from service.verification.trust import TrustAssessment

router = APIRouter(tags=["verification"])


_VERDICT_CLASS = {"valid": "ok", "invalid": "bad", "incomplete": "warn"}


def _result_page(
    request: Request,
    public: PublicEndpoint,
    result: VerificationResult,
    *,
    lang: str,
    now: datetime,
    read_from: str | None = None,
) -> HTMLResponse:
    verdict = verdict_of(result)
    reason = _reason_key(result, verdict)
    summary = None
    assessment: TrustAssessment | None = None
    if result.credential is not None and result.check("proof").status == "passed":
        base_url = request.app.state.tessera.settings.base_url
        catalogue = public.verification.catalogue_of(result.credential, base_url=base_url)
        summary = CredentialView.of(result.credential, lang, catalogue=catalogue)
        assessment = public.verification.trust_assessment(result, now=now)
    trust_date = None
    if assessment is not None and assessment.entry is not None:
        entry = assessment.entry
        moment = {
            "withdrawn": entry.withdrawn_at,
            "ended": entry.valid_until,
            "not_yet": entry.valid_from,
        }.get(assessment.reason)
        trust_date = format_utc(moment, "day") if moment else None
    return render(
        request,
        "verify_result.html",
        lang=lang,
        status_code=200,
        verdict=verdict,
        lines=_check_lines(result),
        technical=[
            *((c.check, c.status, reveal(c.detail)) for c in result.checks),
        ],
        issuer_id=reveal(result.issuer or ""),
        trust_date=trust_date,
        verdict_class=_VERDICT_CLASS[verdict],
        reason=reason,
        result=result,
        status_word="suspended" if result.suspended else result.check("status").status,
        read_from=read_from,
        summary=summary,
        assessment=assessment,
        offline=bool(result.credential and "offlinePayload" in result.credential),
    )


def _reason_key(result: VerificationResult, verdict: Verdict) -> str | None:
    """The catalog key of the sentence that says why a credential is not valid (None if it is)."""
    if verdict == "valid":
        return None
    wanted = "failed" if verdict == "invalid" else "unknown"
    first = next(c for c in result.checks if c.status == wanted)
    reason = f"verify.reason_{first.check}_{first.status}"
    if reason == "verify.reason_status_failed" and result.suspended:
        reason = "verify.reason_status_suspended"
    return reason


@dataclass(frozen=True)
class CredentialItem:
    """One credential of a presentation, as the page shows it."""

    verdict: Verdict
    verdict_class: str
    reason: str | None
    summary: CredentialView | None
    lines: list[tuple[str, str, str]]
    status_word: str


def _presentation_page(request: Request, result: PresentationResult, *, lang: str) -> HTMLResponse:
    """Each credential's verdict, under the verdict on the presentation as a whole."""
    items = []
    for credential in result.credentials:
        verdict = verdict_of(credential)
        shown = credential.credential is not None and credential.check("proof").status == "passed"
        items.append(
            CredentialItem(
                verdict=verdict,
                verdict_class=_VERDICT_CLASS[verdict],
                reason=_reason_key(credential, verdict),
                summary=CredentialView.of(credential.credential, lang)
                if shown and credential.credential is not None
                else None,
                lines=_check_lines(credential),
                status_word="suspended"
                if credential.suspended
                else credential.check("status").status,
            )
        )
    failed = any(c.status == "failed" for c in result.checks if c.check != "credentials")
    overall: Verdict = (
        "valid"
        if result.verified
        else "invalid"
        if failed or any(item.verdict == "invalid" for item in items)
        else "incomplete"
    )
    proof = result.check("proof")
    if result.check("parse").status != "passed" or result.check("context").status != "passed":
        proof_key = "verify.presentation_unreadable"
    elif proof.status == "passed":
        proof_key = "verify.presentation_signed"
    elif proof.status == "failed":
        proof_key = "verify.presentation_proof_failed"
    elif result.presentation_verified:
        proof_key = "verify.presentation_unsigned"
    else:
        proof_key = "verify.presentation_proof_unknown"
    return render(
        request,
        "verify_presentation.html",
        lang=lang,
        status_code=200,
        verdict=overall,
        verdict_class=_VERDICT_CLASS[overall],
        proof_key=proof_key,
        proof_status=proof.status,
        holder=reveal(result.holder or ""),
        items=items,
        technical=[(c.check, c.status, reveal(c.detail)) for c in result.checks],
    )


def _check_lines(result: VerificationResult) -> list[tuple[str, str, str]]:
    """(check, status, catalog key) for each check's plain-language line."""
    lines: list[tuple[str, str, str]] = []
    for c in result.checks:
        skipped = result.not_reached(c.check)
        key = "verify.check_skipped" if skipped else f"verify.check_{c.check}_{c.status}"
        if key == "verify.check_status_failed" and result.suspended:
            key = "verify.check_status_suspended"
        lines.append((c.check, c.status, key))
    return lines


def _form_page(
    request: Request, *, lang: str, error: str | None = None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    return render(
        request, "verify.html", lang=lang, status_code=status_code, error=error, values=values
    )


@router.get(
    "/",
    response_class=HTMLResponse,
    summary="Landing page: what the service is, with the verification form",
    description="An HTML page in the visitor's language (`?lang=`, else Accept-Language).",
)
def get_home_page(request: Request) -> HTMLResponse:
    return render(request, "home.html", lang=page_language(request))


@router.get(
    "/verify",
    response_class=HTMLResponse,
    summary="Verification page: upload or paste",
    description="An HTML form (no JavaScript) that posts a file or pasted text to `POST /verify`.",
)
def get_verify_page(request: Request) -> HTMLResponse:
    return _form_page(request, lang=page_language(request))


async def _form(request: Request, body: bytes, limit: int) -> tuple[bytes | None, str]:
    """(uploaded file bytes or None, pasted text) from a multipart or urlencoded form."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=1, max_fields=8, max_part_size=limit
        )
    except MultiPartException:
        raise UnreadableInput("bad_form") from None
    upload = form.get("file")
    data = None
    if upload is not None and not isinstance(upload, str):
        data = await upload.read()
        data = data or None
    text = form.get("text")
    return data, text if isinstance(text, str) else ""


@router.post("/verify", response_class=HTMLResponse, summary="Verification page: the verdict")
async def post_verify_page(request: Request, public: PublicDep) -> HTMLResponse:
    """The verification page's form: a credential file (JSON), a picture or PDF with its QR code,
    or pasted text. Answers an HTML page with the verdict, or the form again saying what to fix."""
    lang = page_language(request)
    client = client_address(request)
    await public.admit(client)
    body = await read_limited(request, public.policy.max_upload_bytes)
    base_url = request.app.state.tessera.settings.base_url
    try:
        data, pasted = await _form(request, body, public.policy.max_upload_bytes)
        if data is not None:
            texts = await public.read_upload(data, client=client)
        elif pasted.strip():
            texts = [pasted]
        else:
            raise UnreadableInput("empty")
        submission, read_from = choose_submission(texts, base_url=base_url)
    except UnreadableInput as exc:
        # The page never echoes what was sent (it may be a whole credential, or hostile).
        return _form_page(request, lang=lang, error=f"verify.error_{exc.code}", status_code=422)
    now = datetime.now(UTC)
    if submission.presentation is not None:
        presented = await public.verify_presentation(
            submission.presentation, now=now, client=client
        )
        return _presentation_page(request, presented, lang=lang)
    credential = submission.credential
    if submission.credential_id is not None:
        credential = public.verification.stored_document(submission.credential_id)
        offline = next((t.strip() for t in texts if t.strip().startswith(OFFLINE_PREFIX)), None)
        if credential is None and offline is not None:
            # The stored copy is gone (erased at the learner's request): a certificate's
            # offline QR still carries the signed summary, which verifies without it.
            credential, read_from = offline, "verify.read_offline"
        if credential is None:
            return _form_page(request, lang=lang, error="verify.error_not_found", status_code=404)
    if credential is None:  # pragma: no cover - recognize() returns one or the other
        raise UnreadableInput("not_recognized")
    result = await public.verify(credential, now=now, client=client)
    return _result_page(request, public, result, lang=lang, now=now, read_from=read_from)


#: Media types a program names when it asks a verification link for the credential itself.
_CREDENTIAL_MEDIA_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")


def _wants_credential(request: Request) -> bool:
    """Whether the caller asks for the signed credential rather than the page: it accepts a JSON
    credential and not HTML (every browser names text/html), as ``tessera verify --qr`` does."""
    accept = request.headers.get("accept", "").lower()
    return "text/html" not in accept and any(t in accept for t in _CREDENTIAL_MEDIA_TYPES)


@router.get(
    "/v/{token}",
    response_class=HTMLResponse,
    summary="The verification link in a QR code",
    responses={
        200: {
            "description": "The verification page; to a client that accepts only JSON "
            "(`Accept: application/vc+ld+json`), the signed credential itself, to verify "
            "on its own (`tessera verify --qr`).",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/vc+ld+json": {
                    "schema": ref("VerifiableCredential"),
                    "example": VC_EXAMPLE,
                },
            },
        }
    },
)
async def get_short_link(token: str, request: Request, public: PublicDep) -> Response:
    """The page a verification QR code opens: the stored credential, verified now, with the verdict
    as its heading, in the visitor's language. A program that asks for JSON gets the credential
    as signed (what the page shows, and no more) and verifies it itself."""
    lang = page_language(request)
    client = client_address(request)
    await public.admit(client)
    credential_id = credential_id_of(token)
    document = public.verification.stored_document(credential_id) if credential_id else None
    if document is None:
        return render(request, "verify_missing.html", lang=lang, status_code=404)
    if _wants_credential(request):
        return JSONResponse(
            document,
            media_type="application/vc+ld+json",
            headers={"Cache-Control": "no-store", "Vary": "Accept"},
        )
    now = datetime.now(UTC)
    result = await public.verify(document, now=now, client=client)
    return _result_page(request, public, result, lang=lang, now=now)


def limit_page(request: Request, exc: TesseraError, status: int) -> Response | None:
    """On the verification pages, the form again, saying the request was too large (413),
    too frequent (429) or met a busy verifier (503); None elsewhere (the APIs, a provider's
    upload), which answer problem+json."""
    path = request.url.path
    if path not in ("/", "/verify") and not path.startswith(("/verify/", "/v/")):
        return None
    key = {413: "too_large", 429: "rate_limited", 503: "busy"}[status]
    return _form_page(
        request, lang=page_language(request), error=f"verify.error_{key}", status_code=status
    )


__all__ = ["limit_page", "router"]
