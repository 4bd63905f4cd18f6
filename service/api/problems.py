"""Errors -> HTTP, in one place.

Routes raise the domain's exceptions (:mod:`service.errors`); :data:`STATUS_BY_ERROR` chooses
the status and these handlers render an ``application/problem+json`` body (RFC 9457) with a
stable ``type`` URI, a ``title`` and a readable ``detail`` (plus ``errors`` listing every field
problem, and ``Retry-After`` when waiting helps). No route repeats a try/except.

A page is answered with a page, not JSON: an area of HTML pages registers a
:data:`PageRenderer` for the errors its readers can meet (:func:`add_page`), and gets the
status chosen here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import (
    TESSERA,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    FetchError,
    InputError,
    KeyStoreError,
    NotFoundError,
    OAuthError,
    OfferGone,
    PayloadTooLarge,
    PermissionDeniedError,
    RateLimited,
    TesseraError,
    ValidationFailed,
    VerifierBusy,
    WalletLinkRevoked,
)

log = logging.getLogger("tessera.api")
PROBLEM_JSON = "application/problem+json"

#: The first class an error is an instance of gives its status (so subclasses come first);
#: an error in none of them is a bug and answers 500.
STATUS_BY_ERROR: list[tuple[type[TesseraError], int]] = [
    (WalletLinkRevoked, 410),
    (OfferGone, 410),
    (ConflictError, 409),
    (InputError, 422),
    (NotFoundError, 404),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (PayloadTooLarge, 413),
    (RateLimited, 429),
    (VerifierBusy, 503),
    (FetchError, 502),
    (KeyStoreError, 503),
    (ConfigurationError, 503),
]

#: Renders the page an HTML reader sees for ``error`` with ``status``; ``None`` lets the
#: problem+json answer stand (an API path under the same error).
PageRenderer = Callable[[Request, TesseraError, int], Response | None]


def problem(status: int, *, type_: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": 'Bearer realm="tessera"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def retry_headers(error: TesseraError) -> dict[str, str]:
    """``Retry-After`` for an error that passes with time (rate limit, busy verifier)."""
    if isinstance(error, (RateLimited, VerifierBusy)):
        return {"Retry-After": str(error.retry_after)}
    return {}


def status_for(error: TesseraError) -> int:
    if isinstance(error, OAuthError):
        return error.status
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


def add_page(app: FastAPI, error: type[TesseraError], renderer: PageRenderer) -> None:
    """Answer ``error`` (and its subclasses) with ``renderer``'s page where it gives one."""
    pages: dict[type[TesseraError], PageRenderer] = app.state.problem_pages
    pages[error] = renderer


def _page_for(request: Request, exc: TesseraError, status: int) -> Response | None:
    pages: dict[type[TesseraError], PageRenderer] = request.app.state.problem_pages
    for cls in type(exc).__mro__:
        renderer = pages.get(cls)
        if renderer is not None:
            return renderer(request, exc, status)
    return None


async def _tessera_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, TesseraError):  # pragma: no cover - registered for TesseraError
        raise exc
    if isinstance(exc, OAuthError):
        return _oauth_error(exc)
    status = status_for(exc)
    if status >= 500:
        log.error("service problem: %s", exc.title)
    response = _page_for(request, exc, status)
    if response is None:
        extra = {"errors": exc.errors} if isinstance(exc, ValidationFailed) and exc.errors else {}
        response = problem(
            status, type_=exc.problem_type, title=exc.title, detail=exc.message, **extra
        )
    response.headers.update(retry_headers(exc))
    return response


def _oauth_error(exc: OAuthError) -> JSONResponse:
    """OAuth endpoints answer in their own format (RFC 6749 §5.2, RFC 6750 §3), which
    wallets parse: not problem+json."""
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.message},
        status_code=exc.status,
        headers=headers,
    )


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover - registered for it
        raise exc
    errors = [
        {
            "path": "$." + ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            "message": str(e.get("msg")),
        }
        for e in exc.errors()
    ]
    detail = (
        "; ".join(f"{e['path']}: {e['message']}" for e in errors[:3]) or "The request is not valid."
    )
    return problem(
        422,
        type_=TESSERA + "validation",
        title="Request validation failed",
        detail=detail,
        errors=errors,
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover - registered for it
        raise exc
    return problem(
        exc.status_code,
        type_=TESSERA + f"http-{exc.status_code}",
        title=str(exc.detail),
        detail=str(exc.detail),
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app`` (pages add theirs with :func:`add_page`)."""
    app.state.problem_pages = {}
    app.add_exception_handler(TesseraError, _tessera_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)


__all__ = [
    "PROBLEM_JSON",
    "STATUS_BY_ERROR",
    "PageRenderer",
    "add_page",
    "install",
    "problem",
    "retry_headers",
    "status_for",
]
