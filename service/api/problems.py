"""Errors -> ``application/problem+json`` (RFC 9457), in one place.

Routes raise the domain's exceptions; these handlers choose the status and render the body
with a stable ``type`` URI, a ``title`` and a readable ``detail`` (plus ``errors`` listing
every field problem). No route repeats a try/except.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import (
    TESSERA,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    InputError,
    KeyStoreError,
    NotFoundError,
    PermissionDeniedError,
    TesseraError,
    ValidationFailed,
)

log = logging.getLogger("tessera.api")
PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: list[tuple[type[TesseraError], int]] = [
    (ConflictError, 409),
    (InputError, 422),
    (NotFoundError, 404),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (KeyStoreError, 503),
    (ConfigurationError, 503),
]


def problem(status: int, *, type_: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": 'Bearer realm="tessera"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(error: TesseraError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


async def _tessera_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TesseraError)
    status = status_for(exc)
    if status >= 500:
        log.error("service problem: %s", exc.title)
    extra = {"errors": exc.errors} if isinstance(exc, ValidationFailed) and exc.errors else {}
    return problem(status, type_=exc.problem_type, title=exc.title, detail=exc.message, **extra)


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
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
    assert isinstance(exc, StarletteHTTPException)
    return problem(
        exc.status_code,
        type_=TESSERA + f"http-{exc.status_code}",
        title=str(exc.detail),
        detail=str(exc.detail),
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(TesseraError, _tessera_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)


__all__ = ["PROBLEM_JSON", "install", "problem", "status_for"]
