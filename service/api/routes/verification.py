"""Public verification: the W3C VC-API ``POST /credentials/verify`` and
``POST /presentations/verify``, the ``/verify`` page
(upload a JSON file, a QR image or a PDF, or paste text) and the short link ``/v/{id}``.

No authentication. Every request spends a token of the client's bucket (429 with
``Retry-After``), bodies are size-limited (413), verifications run behind a concurrency cap
(503 with ``Retry-After``), and only aggregate counts are kept. The pages show only what the
credential's signature covers, and only when the signature verified.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.formparsers import MultiPartException
from starlette.types import Message

from service.api.deps import AppState
from service.api.limits import PublicEndpoint, RateLimiter, build_public_endpoint
from service.api.pages import page_language, render
from service.api.problems import problem
from service.api.shared_limits import SharedRateLimiter
from service.credentials.view import (
    achievement_of,
    description_translations,
    eqf_level,
    name_translations,
    subject_of,
)
from service.dates import format_utc
from service.errors import (
    MalformedDocumentError,
    NotJsonError,
    PayloadTooLarge,
    RateLimited,
    StrictJsonError,
    TesseraError,
    UnreadableInput,
    ValidationFailed,
    VerifierBusy,
)
from service.i18n import is_rtl
from service.strict_json import loads_strict
from service.verification.pipeline import (
    VerificationResult,
    issuer_of,
    parse_datetime,
    validity_fields,
)
from service.verification.presentations import PresentationResult
from service.verification.public import OFFLINE_PREFIX, Verdict, verdict_of
from service.verification.trust import TrustAssessment

router = APIRouter(tags=["verification"])
_BUILD_LOCK = threading.Lock()


def get_public(request: Request) -> PublicEndpoint:
    """The process's public verifier, built on first use (tests may set their own on
    ``app.state.public_verification`` first)."""
    public: PublicEndpoint | None = getattr(request.app.state, "public_verification", None)
    if public is None:
        with _BUILD_LOCK:
            public = getattr(request.app.state, "public_verification", None)
            if public is None:
                state: AppState = request.app.state.tessera
                public = build_public_endpoint(
                    settings=state.settings,
                    engine=state.engine,
                    database=state.database,
                    own_lists=lambda url: state.lists.by_url(url, now=state.now()),
                )
                if state.redis is not None and state.settings.redis_url:
                    # One rate limit for all service processes (service.api.shared_limits).
                    public.limiter = SharedRateLimiter(
                        redis=state.redis,
                        redis_url=state.settings.redis_url,
                        rate=public.policy.rate_per_second,
                        burst=public.policy.burst,
                        fallback=RateLimiter(
                            rate=public.policy.rate_per_second, burst=public.policy.burst
                        ),
                    )
                request.app.state.public_verification = public
    return public


PublicDep = Annotated[PublicEndpoint, Depends(get_public)]


def _client(request: Request) -> str:
    # Used only as the rate limiter's (hashed) bucket key; never stored or logged.
    return request.client.host if request.client else "unknown"


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


# -- the VC-API endpoint --------------------------------------------------------------------

_VERIFY_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["verifiableCredential"],
                    "properties": {
                        "verifiableCredential": {
                            "description": "The credential (a JSON object), or the text of an "
                            f"offline QR code ({OFFLINE_PREFIX}…).",
                            "oneOf": [{"type": "object"}, {"type": "string"}],
                        },
                        "options": {"type": "object"},
                    },
                }
            }
        },
    }
}


#: VC-API ``options.checks`` names -> this verifier's checks. ``credentialStatus`` is the name
#: VC-API implementations use. Proof, issuer and validity always run (a signature whose key
#: is not the issuer's, or a credential that expired, is never worth a "verified"); a caller
#: may leave out the status and trust checks, and the answer then lists them as skipped.
CHECK_NAMES = {
    "proof": "proof",
    "issuer": "issuer",
    "validity": "validity",
    "credentialStatus": "status",
    "status": "status",
    "trust": "trust",
}
OPTIONAL_CHECKS = ("status", "trust")


def _skipped_checks(options: Mapping[str, Any]) -> tuple[str, ...]:
    """The optional checks a VC-API caller left out of ``options.checks`` (none when it is
    absent). Unknown names are refused rather than ignored: a caller who misspells
    ``credentialStatus`` must not get an answer that silently skipped the revocation check."""
    if "checks" not in options:
        return ()
    wanted = options["checks"]
    if not isinstance(wanted, list) or not all(isinstance(c, str) for c in wanted):
        raise ValidationFailed(
            "options.checks must be a list of check names.",
            [{"path": "$.options.checks", "message": "must be a list of strings"}],
        )
    unknown = [c for c in wanted if c not in CHECK_NAMES]
    if unknown:
        raise ValidationFailed(
            f"Unknown check name(s) {', '.join(map(repr, unknown))} in options.checks; this "
            f"verifier knows {', '.join(CHECK_NAMES)}.",
            [{"path": "$.options.checks", "message": f"unknown check {c!r}"} for c in unknown],
        )
    asked = {CHECK_NAMES[c] for c in wanted}
    return tuple(c for c in OPTIONAL_CHECKS if c not in asked)


def _vcapi_request(body: bytes) -> tuple[dict[str, Any] | str, tuple[str, ...]]:
    """(the credential or offline QR text, the checks to skip) from a VC-API body, read as
    strictly as a credential file (:func:`service.strict_json.loads_strict`)."""
    try:
        envelope = loads_strict(body)
    except RecursionError:
        raise MalformedDocumentError("The body is nested too deeply to read.") from None
    if not isinstance(envelope, dict) or "verifiableCredential" not in envelope:
        raise ValidationFailed(
            'Send {"verifiableCredential": {...}, "options": {}}: the credential goes under '
            "verifiableCredential.",
            [{"path": "$.verifiableCredential", "message": "required"}],
        )
    options = envelope.get("options", {})
    if not isinstance(options, dict):
        raise ValidationFailed(
            "options must be a JSON object.",
            [{"path": "$.options", "message": "must be an object"}],
        )
    skip = _skipped_checks(options)
    credential = envelope["verifiableCredential"]
    if isinstance(credential, str) and credential.lstrip().startswith(OFFLINE_PREFIX):
        return credential, skip
    if not isinstance(credential, dict):
        raise ValidationFailed(
            "verifiableCredential must be the credential (a JSON object) or the text of an "
            f"offline QR code ({OFFLINE_PREFIX}…).",
            [{"path": "$.verifiableCredential", "message": "must be an object"}],
        )
    return credential, skip


#: A verdict is about one credential at one moment: no cache may keep or replay it.
NO_STORE = {"Cache-Control": "no-store"}
#: The answers both VC-API verify operations share (openapi.py adds the bodies).
_VERIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Verified"},
    400: {"description": "Not verified (same body shape)"},
    413: {"description": "Too large"},
    429: {"description": "Rate limited"},
    503: {"description": "Busy"},
}


@router.post(
    "/credentials/verify",
    summary="W3C VC-API: verify a credential (public, no authentication)",
    description=(
        "Runs every check (parse, context, proof, issuer, validity, status, trust) and answers "
        "`{verified, checks, problemDetails}`: HTTP 200 when verified, 400 when not (the body "
        "says why). Nothing about the credential or the caller is stored; limits: 413 for a "
        "body over the size limit, 429 (Retry-After) per client address, 503 (Retry-After) "
        "when the verifier is saturated."
    ),
    openapi_extra=_VERIFY_REQUEST,
    responses=_VERIFY_RESPONSES,
)
async def post_verify(request: Request, public: PublicDep) -> JSONResponse:
    client = _client(request)
    public.admit(client)
    credential, skip = _vcapi_request(await _read_limited(request, public.policy.max_request_bytes))
    result = await public.verify(credential, now=datetime.now(UTC), client=client, skip=skip)
    return JSONResponse(
        result.to_json(), status_code=200 if result.verified else 400, headers=NO_STORE
    )


_VERIFY_PRESENTATION_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["verifiablePresentation"],
                    "properties": {
                        "verifiablePresentation": {"type": "object"},
                        "options": {
                            "type": "object",
                            "properties": {
                                "challenge": {"type": "string"},
                                "domain": {"type": "string"},
                            },
                        },
                    },
                }
            }
        },
    }
}


@dataclass(frozen=True)
class PresentationRequest:
    """A VC-API ``/presentations/verify`` body, checked."""

    presentation: dict[str, Any]
    challenge: str | None
    domain: str | None


def _vcapi_presentation(body: bytes) -> PresentationRequest:
    shape = (
        'Send {"verifiablePresentation": {...}, "options": {"challenge": "...", "domain": "..."}}.'
    )
    try:
        envelope = loads_strict(body)  # JSON that is not I-JSON is a PARSING_ERROR (422)
    except (NotJsonError, RecursionError):
        raise ValidationFailed("The body is not JSON. " + shape) from None
    if not isinstance(envelope, dict) or not isinstance(
        envelope.get("verifiablePresentation"), dict
    ):
        raise ValidationFailed(
            "verifiablePresentation must be the presentation (a JSON object). " + shape,
            [{"path": "$.verifiablePresentation", "message": "must be an object"}],
        )
    options = envelope.get("options", {})
    if not isinstance(options, dict):
        raise ValidationFailed(
            "options must be a JSON object.",
            [{"path": "$.options", "message": "must be an object"}],
        )
    values: dict[str, str | None] = {}
    for name in ("challenge", "domain"):
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise ValidationFailed(
                f"options.{name} must be a non-empty string: the {name} you asked the holder "
                "to sign.",
                [{"path": f"$.options.{name}", "message": "must be a non-empty string"}],
            )
        values[name] = value
    return PresentationRequest(
        envelope["verifiablePresentation"], values["challenge"], values["domain"]
    )


@router.post(
    "/presentations/verify",
    summary="W3C VC-API: verify a presentation and every credential in it (public)",
    description=(
        "Checks the presentation (parse, context, the holder's proof for `authentication`, "
        "bound to `options.challenge` and `options.domain` when given) and every credential "
        "in `verifiableCredential` with the same checks as `POST /credentials/verify`. Answers "
        "`{verified, presentationResult, credentialResults, problemDetails}`: HTTP 200 when "
        "verified, 400 when not. An unsigned presentation is accepted only when no challenge "
        "or domain is given. Same limits as `/credentials/verify`."
    ),
    openapi_extra=_VERIFY_PRESENTATION_REQUEST,
    responses=_VERIFY_RESPONSES,
)
async def post_verify_presentation(request: Request, public: PublicDep) -> JSONResponse:
    client = _client(request)
    public.admit(client)
    asked = _vcapi_presentation(await _read_limited(request, public.policy.max_request_bytes))
    result = await public.verify_presentation(
        asked.presentation,
        now=datetime.now(UTC),
        challenge=asked.challenge,
        domain=asked.domain,
        client=client,
    )
    return JSONResponse(result.to_json(), status_code=200 if result.verified else 400)


# -- what the page shows --------------------------------------------------------------------

#: Characters that reorder or hide text: shown as visible marks, never interpreted.
_BIDI_CONTROLS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def reveal(text: str) -> str:
    """``text`` with every bidi/invisible control replaced by a visible ``[U+XXXX]`` mark."""
    return _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


@dataclass(frozen=True)
class Text:
    """Signed text to show: its language and direction, controls made visible."""

    text: str
    lang: str | None = None
    dir: str = "auto"


def _text(value: Any, lang: str | None = None) -> Text | None:
    """A string or JSON-LD value object (``@value``/``@language``/``@direction``) as Text;
    for a list of them, the one in ``lang`` if there is one, else the first."""
    if isinstance(value, list):
        texts = [t for t in (_text(v) for v in value) if t is not None]
        if not texts:
            return None
        return next((t for t in texts if t.lang and t.lang.split("-")[0] == lang), texts[0])
    if isinstance(value, str):
        cleaned = unicodedata.normalize("NFC", value).strip()
        return Text(reveal(cleaned[:500])) if cleaned else None
    if isinstance(value, Mapping) and isinstance(value.get("@value"), str):
        language = value.get("@language")
        language = language if isinstance(language, str) and _LANG_TAG.match(language) else None
        direction = value.get("@direction")
        if direction not in ("ltr", "rtl"):
            direction = "rtl" if language and is_rtl(language) else "auto"
        base = _text(value["@value"])
        return Text(base.text, language, direction) if base else None
    return None


def _translated(primary: Any, translations: Any, lang: str, default_language: Any) -> Text | None:
    """The text in the page language when the credential carries it, else the primary one."""
    if isinstance(translations, list):
        for item in translations:
            found = _text(item)
            if found and found.lang and found.lang.split("-")[0].lower() == lang:
                return found
    text = _text(primary, lang)
    if (
        text
        and text.lang is None
        and isinstance(default_language, str)
        and _LANG_TAG.match(default_language)
    ):
        return Text(text.text, default_language, "rtl" if is_rtl(default_language) else "auto")
    return text


def _link(value: Any) -> str | None:
    """An http(s) URL that is safe to put in href, or None."""
    if not isinstance(value, str) or len(value) > 500:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _day(value: Any) -> str | None:
    moment = parse_datetime(value)
    return format_utc(moment, "day") if moment else None


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Skill:
    name: Text | None
    url: str | None
    code: str | None


@dataclass(frozen=True)
class Summary:
    """What a person reads: what the signed credential states, plus the learning hours from
    the catalogue for a credential this service stores unchanged (see :func:`summarize`)."""

    issuer_name: Text | None
    issuer_id: str | None
    learner: Text | None
    module: Text | None
    code: Text | None
    description: Text | None
    skills: list[Skill] = field(default_factory=list)
    eqf: str | None = None
    hours: str | None = None
    credits: str | None = None
    field_of_study: Text | None = None
    result: Text | None = None
    issued: str | None = None
    completed: str | None = None
    valid_until: str | None = None


def summarize(
    document: Mapping[str, Any], lang: str, *, catalogue: Mapping[str, Any] | None = None
) -> Summary:
    """The facts of an Open Badges (or plain VC) credential, in the page language if it has it.
    Reads both Tessera shapes (see ``service.credentials.view``): OB ``related`` editions and EQF
    ``alignment`` today, the Tessera context's terms (``learningHours``...) before.
    ``catalogue`` (the module data of a credential this service stored) supplies the learning
    hours, which Open Badges has no term for, when the credential does not state them."""
    issuer = document.get("issuer")
    subject = subject_of(document)
    achievement = achievement_of(document)
    default_language = achievement.get("inLanguage")
    skills: list[Skill] = []
    eqf = _number(eqf_level(achievement))
    alignments = achievement.get("alignment")
    for alignment in alignments if isinstance(alignments, list) else []:
        if not isinstance(alignment, Mapping):
            continue
        framework = str(alignment.get("targetFramework", ""))
        kind = str(alignment.get("targetType", ""))
        if framework == "ESCO" or "ESCO" in kind:
            code = alignment.get("targetCode")
            skills.append(
                Skill(
                    name=_text(alignment.get("targetName"), lang),
                    url=_link(alignment.get("targetUrl")),
                    code=code if isinstance(code, str) else None,
                )
            )
    results = subject.get("result")
    first_result = results[0] if isinstance(results, list) and results else None
    return Summary(
        issuer_name=_text(issuer.get("name"), lang) if isinstance(issuer, Mapping) else None,
        issuer_id=issuer_of(document),
        learner=_text(subject.get("name"), lang),
        module=_translated(
            achievement.get("name") or document.get("name"),
            name_translations(achievement),
            lang,
            default_language,
        ),
        code=_text(achievement.get("humanCode")),
        description=_translated(
            achievement.get("description"),
            description_translations(achievement),
            lang,
            default_language,
        ),
        skills=skills[:50],
        eqf=eqf,
        hours=_number(achievement.get("learningHours"))
        or (_number(catalogue.get("hours")) if catalogue is not None else None),
        credits=_number(achievement.get("creditsAvailable")),
        field_of_study=_text(achievement.get("fieldOfStudy"), lang),
        result=_text(first_result.get("value"), lang)
        if isinstance(first_result, Mapping)
        else None,
        issued=_day(document.get(validity_fields(document)[0])),
        completed=_day(subject.get("activityEndDate")),
        valid_until=_day(document.get(validity_fields(document)[1])),
    )


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
        catalogue = _catalogue_of(public, result.credential, request)
        summary = summarize(result.credential, lang, catalogue=catalogue)
        issuer = result.issuer or ""
        valid_from = parse_datetime(result.credential.get(validity_fields(result.credential)[0]))
        found = public.verification.directory.registry().assess(issuer, valid_from, now)
        if found.status == result.check("trust").status:
            assessment = found
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
        status_word="suspended" if is_suspended(result) else result.check("status").status,
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
    if reason == "verify.reason_status_failed" and is_suspended(result):
        reason = "verify.reason_status_suspended"
    return reason


@dataclass(frozen=True)
class CredentialItem:
    """One credential of a presentation, as the page shows it."""

    verdict: Verdict
    verdict_class: str
    reason: str | None
    summary: Summary | None
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
                summary=summarize(credential.credential, lang)
                if shown and credential.credential is not None
                else None,
                lines=_check_lines(credential),
                status_word="suspended"
                if is_suspended(credential)
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


#: Checks that run only after another passed: when it did not, they were skipped, not failed.
_DEPENDS_ON = {"issuer": "proof", "status": "proof", "trust": "issuer"}


def _check_lines(result: VerificationResult) -> list[tuple[str, str, str]]:
    """(check, status, catalog key) for each check's plain-language line."""
    lines: list[tuple[str, str, str]] = []
    for c in result.checks:
        before = _DEPENDS_ON.get(c.check)
        skipped = (
            c.status == "unknown" and before is not None and result.check(before).status != "passed"
        )
        key = "verify.check_skipped" if skipped else f"verify.check_{c.check}_{c.status}"
        if key == "verify.check_status_failed" and is_suspended(result):
            key = "verify.check_status_suspended"
        lines.append((c.check, c.status, key))
    return lines


def is_suspended(result: VerificationResult) -> bool:
    """True when the status check failed because of a suspension (not a revocation)."""
    check = result.check("status")
    return check.status == "failed" and (check.problem_type or "").endswith("#SUSPENDED")


def _form_page(
    request: Request, *, lang: str, error: str | None = None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    return render(
        request, "verify.html", lang=lang, status_code=status_code, error=error, values=values
    )


# -- the pages ------------------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _credential_id(token: str) -> str | None:
    """The credential UUID behind a short id, a UUID, or a link to either; None if neither."""
    try:
        from service.export.qr import credential_uuid
    except ImportError:  # pragma: no cover - the wallet module is part of the service
        match = _UUID.fullmatch(token.strip())
        return match.group().lower() if match else None
    try:
        return str(credential_uuid(token))
    except (TesseraError, ValueError):
        return None


def _own_link(text: str, base_url: str) -> str | None:
    """The credential id in a link to this service (``/v/{id}`` or ``/credentials/{id}``)."""
    candidate = text.strip()
    if not candidate.startswith(base_url.rstrip("/") + "/"):
        return None
    path = urlsplit(candidate).path
    match = re.search(r"/(?:v|credentials)/([^/?#]+)/?$", path)
    return _credential_id(match.group(1)) if match else None


@dataclass(frozen=True)
class Submission:
    """What a visitor handed in, recognized: a credential, an offline QR text, a link, or a
    presentation of credentials."""

    credential: dict[str, Any] | str | None = None
    credential_id: str | None = None
    presentation: dict[str, Any] | None = None


def _is_presentation(value: Any) -> bool:
    types = value.get("type") if isinstance(value, dict) else None
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])


def recognize(text: str, *, base_url: str) -> Submission:
    """Tell a credential (JSON, or a VC-API body holding one), a presentation (JSON, or a
    VC-API body holding one), an offline QR text (``TSR1:…``) and a link to one of this
    service's credentials apart."""
    stripped = text.strip().lstrip("\ufeff")
    if stripped.startswith("{"):
        try:
            value = loads_strict(stripped)
        except NotJsonError:
            raise UnreadableInput("not_json") from None
        except StrictJsonError:
            # JSON, but not I-JSON (a duplicate member, NaN, a lone surrogate): the verifier
            # reads it again and says so on the verdict page, in red.
            return Submission(credential=stripped)
        except RecursionError:
            raise UnreadableInput("not_json") from None
        if isinstance(value, dict) and isinstance(value.get("verifiablePresentation"), dict):
            value = value["verifiablePresentation"]
        if _is_presentation(value):
            return Submission(presentation=value)
        if isinstance(value, dict) and isinstance(value.get("verifiableCredential"), dict):
            value = value["verifiableCredential"]
        if isinstance(value, dict):
            return Submission(credential=value)
        raise UnreadableInput("not_json")
    if stripped.startswith(OFFLINE_PREFIX):
        return Submission(credential=stripped)
    linked = _own_link(stripped, base_url)
    if linked is not None:
        return Submission(credential_id=linked)
    if stripped.startswith(("http://", "https://")):
        raise UnreadableInput("foreign_link")
    raise UnreadableInput("not_recognized")


def choose_submission(texts: list[str], *, base_url: str) -> tuple[Submission, str | None]:
    """The submission to verify among the texts of one upload, and the message key of a
    sentence saying which was read when there was a choice. A PDF certificate carries two QR
    codes: the link (the full, stored credential) is preferred to the offline summary, which
    states less."""
    found: list[Submission] = []
    problem_code = "not_recognized"
    for text in texts:
        try:
            found.append(recognize(text, base_url=base_url))
        except UnreadableInput as exc:
            problem_code = exc.code
    if not found:
        raise UnreadableInput(problem_code)
    link = next((f for f in found if f.credential_id is not None), None)
    chosen = link or found[0]
    if len(texts) < 2:
        return chosen, None
    if link is not None:
        return chosen, "verify.read_link"
    return chosen, "verify.read_offline" if isinstance(chosen.credential, str) else None


def _stored_document(public: PublicEndpoint, credential_id: str) -> dict[str, Any] | None:
    from service.store import Repository

    with public.verification.database.transaction() as session:
        row = Repository(session).public_credential(credential_id)
        return dict(row.document) if row is not None else None


def _catalogue_of(
    public: PublicEndpoint, credential: Mapping[str, Any], request: Request
) -> Mapping[str, Any] | None:
    """The catalogue entry of a credential this service issued and stores unchanged (the
    module it was issued from), else None: the page shows what the catalogue adds only for
    exactly the credential the provider issued."""
    from service.app.wallet import catalogue_entry
    from service.store import Repository

    credential_id = credential.get("id")
    own = (
        _own_link(credential_id, request.app.state.tessera.settings.base_url)
        if isinstance(credential_id, str)
        else None
    )
    if own is None:
        return None
    with public.verification.database.transaction() as session:
        repo = Repository(session)
        row = repo.public_credential(own)
        if row is None or row.document != credential:
            return None
        return catalogue_entry(repo, row)


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
    client = _client(request)
    public.admit(client)
    body = await _read_limited(request, public.policy.max_upload_bytes)
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
        credential = _stored_document(public, submission.credential_id)
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


@router.get("/v/{token}", response_class=HTMLResponse, summary="The verification link in a QR code")
async def get_short_link(token: str, request: Request, public: PublicDep) -> HTMLResponse:
    """The page a verification QR code opens: the stored credential, verified now, with the verdict
    as its heading, in the visitor's language."""
    lang = page_language(request)
    client = _client(request)
    public.admit(client)
    credential_id = _credential_id(token)
    document = _stored_document(public, credential_id) if credential_id else None
    if document is None:
        return render(request, "verify_missing.html", lang=lang, status_code=404)
    now = datetime.now(UTC)
    result = await public.verify(document, now=now, client=client)
    return _result_page(request, public, result, lang=lang, now=now)


# -- errors: problem+json for the API, a page in the reader's language for the pages -------


def _retry_headers(exc: TesseraError) -> dict[str, str]:
    retry = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry)} if retry is not None else {}


_STATUS = {PayloadTooLarge: 413, RateLimited: 429, VerifierBusy: 503}


async def _limit_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, (PayloadTooLarge, RateLimited, VerifierBusy))
    status = _STATUS[type(exc)]
    headers = _retry_headers(exc)
    if request.url.path.startswith(("/credentials/", "/presentations/")):
        response: Response = problem(
            status, type_=exc.problem_type, title=exc.title, detail=exc.message
        )
        response.headers.update(headers)
        return response
    lang = page_language(request)
    key = {413: "too_large", 429: "rate_limited", 503: "busy"}[status]
    page = _form_page(request, lang=lang, error=f"verify.error_{key}", status_code=status)
    page.headers.update(headers)
    return page


def install(app: FastAPI) -> None:
    """Add the verification routes and their 413/429/503 answers to ``app``."""
    before = len(app.router.routes)
    app.include_router(router)
    # The public endpoints carry the traffic: match them first rather than after every other
    # route (their paths overlap no other route, so the order changes nothing else).
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = added
    for error in _STATUS:
        app.add_exception_handler(error, _limit_error)


__all__ = ["Submission", "Summary", "get_public", "install", "recognize", "router", "summarize"]
