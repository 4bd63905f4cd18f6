"""Public verification over HTTP for machines: the W3C VC-API ``POST /credentials/verify``
and ``POST /presentations/verify``. The pages (``/verify``, ``/v/{id}``) are in
:mod:`service.api.routes.verify_pages`.

No authentication. Every request spends a token of the client's bucket (429 with
``Retry-After``), bodies are size-limited (413), verifications run behind a concurrency cap
(503 with ``Retry-After``; all in :mod:`service.api.limits`), and only aggregate counts are
kept. The routes parse the body, call the public verifier and render its verdict as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from service.api import problems
from service.api.deps import PublicDep
from service.api.limits import client_address, read_limited
from service.api.routes import verify_pages
from service.errors import (
    MalformedDocumentError,
    NotJsonError,
    PayloadTooLarge,
    RateLimited,
    ValidationFailed,
    VerifierBusy,
)
from service.strict_json import loads_strict
from service.verification.public import OFFLINE_PREFIX

router = APIRouter(tags=["verification"])


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
    client = client_address(request)
    await public.admit(client)
    credential, skip = _vcapi_request(await read_limited(request, public.policy.max_request_bytes))
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
    client = client_address(request)
    await public.admit(client)
    asked = _vcapi_presentation(await read_limited(request, public.policy.max_request_bytes))
    result = await public.verify_presentation(
        asked.presentation,
        now=datetime.now(UTC),
        challenge=asked.challenge,
        domain=asked.domain,
        client=client,
    )
    return JSONResponse(
        result.to_json(), status_code=200 if result.verified else 400, headers=NO_STORE
    )


def install(app: FastAPI) -> None:
    """Add the verification API and pages to ``app``; a page reader over a limit (413, 429,
    503) gets the form again saying so, an API caller the problem+json."""
    before = len(app.router.routes)
    app.include_router(router)
    app.include_router(verify_pages.router)
    # The public endpoints carry the traffic: match them first rather than after every other
    # route (their paths overlap no other route, so the order changes nothing else).
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = added
    for error in (PayloadTooLarge, RateLimited, VerifierBusy):
        problems.add_page(app, error, verify_pages.limit_page)


__all__ = ["CHECK_NAMES", "install", "router"]
