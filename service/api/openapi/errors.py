"""The errors the OpenAPI document shows: the RFC 9457 problem schema with an example per status
(the ``type`` URIs :mod:`service.api.problems` sends), and the pages, whose errors are pages in
the visitor's language rather than problem+json."""

from __future__ import annotations

from typing import Any

from service.errors import (
    TESSERA,
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    PayloadTooLarge,
    PermissionDeniedError,
    RateLimited,
    VerifierBusy,
)

PROBLEM_JSON = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details. `type` is a stable URI to branch on.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What is wrong and what to do."},
        "errors": {
            "type": "array",
            "description": "Every field problem, for request validation errors.",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

#: status -> (description, example problem) for the errors operations document.
ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "The body is not what this endpoint reads.",
        {"type": InputError.problem_type, "title": "Bad request", "status": 400},
    ),
    401: (
        "No API key, or one that is unknown, expired or revoked.",
        {"type": AuthenticationError.problem_type, "title": "Unauthenticated", "status": 401},
    ),
    403: (
        "The API key lacks the scope this operation needs.",
        {"type": PermissionDeniedError.problem_type, "title": "Forbidden", "status": 403},
    ),
    404: (
        "Not found (another provider's records answer 404 too, so ids leak nothing).",
        {"type": NotFoundError.problem_type, "title": "Not found", "status": 404},
    ),
    409: (
        "Conflicts with the current state (a duplicate, a reused idempotency key…).",
        {"type": ConflictError.problem_type, "title": "Conflict", "status": 409},
    ),
    413: (
        "The body is larger than this endpoint accepts.",
        {"type": PayloadTooLarge.problem_type, "title": "Payload too large", "status": 413},
    ),
    422: (
        "The request is not valid: `errors` lists every field problem.",
        {"type": TESSERA + "validation", "title": "Request validation failed", "status": 422},
    ),
    429: (
        "Too many requests from this client: wait for `Retry-After` seconds.",
        {"type": RateLimited.problem_type, "title": "Too many requests", "status": 429},
    ),
    503: (
        "The service is busy or a dependency is down: retry after `Retry-After` seconds.",
        {"type": VerifierBusy.problem_type, "title": "Service unavailable", "status": 503},
    ),
}


def error_response(status: int) -> dict[str, Any]:
    """The documented problem+json answer for ``status``."""
    description, example = ERRORS[status]
    return {
        "description": description,
        "content": {
            PROBLEM_JSON: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {**example, "detail": description},
            }
        },
    }


#: Pages (HTML for people): their errors are pages in the visitor's language, not problem+json.
PAGE_PATHS = ("/", "/verify")
PAGE_PREFIXES = ("/v/", "/wallet/", "/verify/wallet")
PAGE_ERRORS = {
    404: "A page that says, in the visitor's language, that the link is unknown.",
    410: "A page that says the provider withdrew this wallet link (the credentials stay valid).",
    413: "The form again, saying the upload is too large.",
    422: "The form again, saying what could not be read and what to do.",
    429: "The form again, asking to wait (`Retry-After`).",
    503: "The form again, asking to retry in a moment (`Retry-After`).",
}


def is_page(path: str) -> bool:
    """Whether ``path`` is a page for people (HTML) rather than an API operation."""
    return path in PAGE_PATHS or path.startswith(PAGE_PREFIXES)


def page_error(status: int) -> dict[str, Any]:
    """The documented page answer for ``status``."""
    return {"description": PAGE_ERRORS[status], "content": {"text/html": {}}}


__all__ = [
    "ERRORS",
    "PAGE_ERRORS",
    "PAGE_PATHS",
    "PAGE_PREFIXES",
    "PROBLEM_JSON",
    "PROBLEM_SCHEMA",
    "error_response",
    "is_page",
    "page_error",
]
