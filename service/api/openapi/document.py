"""The OpenAPI document, completed in one place from what FastAPI derives from the routes.

FastAPI knows each operation's path, parameters and docstring. This module adds what it
cannot see:

- the request bodies that ``schemas/*.schema.json`` validate, taken from those files (the one
  source for checks and docs) and registered as components;
- the bearer security schemes (a provider's API key; the operator token), in place of the raw
  ``authorization`` header parameter;
- the typed answer of every operation, with an example (``answers``, ``components``, ``files`` beside this module);
- the ``application/problem+json`` errors (RFC 9457) each operation can answer, with the
  ``type`` URIs ``service.api.problems`` actually sends, instead of FastAPI's own error shape.

``tests/api/test_openapi.py`` checks that every operation has a description, documents its
errors, and that the schema components equal the files in ``schemas/``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.api.openapi import pathways
from service.api.openapi.answers import JSON_ANSWERS
from service.api.openapi.components import SCHEMAS
from service.api.openapi.errors import (
    PROBLEM_JSON,
    PROBLEM_SCHEMA,
    error_response,
    is_page,
    page_error,
)
from service.api.openapi.files import FILE_ANSWERS, MEDIA_TYPES
from service.api.openapi.jobs import MORE_ANSWERS
from service.api.openapi.oid4vc import BODIES as OPENID_BODIES
from service.api.openapi.oid4vc import OAUTH_ERROR_SCHEMA, OAUTH_ERRORS, oauth_error_response
from service.api.openapi.verification import NOT_VERIFIED
from service.contexts import SCHEMAS_DIR

API_KEY = "apiKey"
OPERATOR = "operatorToken"

#: Request bodies validated against a JSON Schema in ``schemas/``: (method, path) -> schema.
SCHEMA_BODIES: dict[tuple[str, str], str] = {
    ("post", "/issuers"): "provider-create",
    ("post", "/issuers/{issuer}/programmes"): "programme",
    ("post", "/issuers/{issuer}/modules"): "module",
    ("post", "/issuers/{issuer}/awards"): "award",
    ("post", "/issuers/{issuer}/awards/batch"): "award-batch",
    ("post", "/credentials/issue"): "vcapi-issue",
}

#: Small bodies the routes read field by field (no schema file): documented here.
_REASON = {
    "type": "object",
    "properties": {"reason": {"type": "string", "description": "Kept in the audit log."}},
    "examples": [{"reason": "Issued to the wrong learner"}],
}
INLINE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/issuers/{issuer}/credentials/{credential_id}/revoke"): _REASON,
    ("post", "/issuers/{issuer}/credentials/{credential_id}/suspend"): _REASON,
    ("post", "/issuers/{issuer}/credentials/{credential_id}/unsuspend"): _REASON,
    ("post", "/issuers/{issuer}/api-keys"): {
        "type": "object",
        "properties": {
            "label": {"type": "string", "description": "What the key is for (shown in lists)."},
            "scopes": {
                "type": "array",
                "items": {"enum": ["issue", "revoke", "admin", "outcomes"]},
                "default": ["issue"],
            },
        },
        "examples": [{"label": "registrar laptop", "scopes": ["issue"]}],
    },
    ("post", "/issuers/{issuer}/wallet-links"): {
        "type": "object",
        "required": ["credentialIds"],
        "properties": {
            "credentialIds": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "language": {"type": "string", "description": "The learner's interface language."},
            "learnerRef": {"type": "string", "description": "The provider's own learner id."},
        },
        "examples": [{"credentialIds": ["…"], "language": "ar", "learnerRef": "E-00042"}],
    },
    ("post", "/credentials/status"): {
        "type": "object",
        "required": ["credentialId", "credentialStatus"],
        "description": "W3C VC-API UpdateCredentialStatus.",
        "properties": {
            "credentialId": {"type": "string"},
            "credentialStatus": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"const": "BitstringStatusListEntry"},
                        "status": {"enum": ["revoked", "suspended", "active"]},
                    },
                },
            },
        },
    },
}
INLINE_BODIES.update(OPENID_BODIES)

INLINE_BODIES.update(pathways.INLINE_BODIES)
SCHEMA_BODIES.update(pathways.SCHEMA_BODIES)

#: The cohort upload also takes CSV, raw or as a multipart file.
BATCH_EXTRA_CONTENT: dict[str, Any] = {
    "text/csv": {
        "schema": {"type": "string"},
        "example": "learnerName,learnerId,completedOn\nAmina Haddad,E-00042,2025-06-30\n",
    },
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "The CSV file."},
                "moduleId": {"type": "string"},
            },
        }
    },
}

#: The verification page's form (one of the two).
VERIFY_FORM: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "Credential (JSON), a picture of its QR code, or the PDF.",
                    },
                    "text": {
                        "type": "string",
                        "description": "A pasted credential, verification link or QR text.",
                    },
                },
            }
        }
    },
}


def embedded_schema(name: str, component: str) -> dict[str, Any]:
    """``schemas/<name>.schema.json`` as the component ``component``: its own ``$id`` and
    ``$schema`` dropped (the document's dialect is JSON Schema 2020-12 already) and its
    ``#/$defs/…`` references rebased onto the component, which viewers resolve."""
    text = (SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
    text = text.replace('"#/$defs/', f'"#/components/schemas/{component}/$defs/')
    schema: dict[str, Any] = json.loads(text)
    schema.pop("$id", None)
    schema.pop("$schema", None)
    return schema


def _is_authenticated(operation: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
        for p in operation.get("parameters", [])
    )


def complete(spec: dict[str, Any]) -> dict[str, Any]:
    """Add schemas, security and problem+json errors to FastAPI's document (in place)."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)  # FastAPI's error shape: this service sends problem+json
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas.update(SCHEMAS)
    components["securitySchemes"] = {
        API_KEY: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tsk_…",
            "description": "A provider's API key (`tessera issuers create` prints the first).",
        },
        OPERATOR: {
            "type": "http",
            "scheme": "bearer",
            "description": "The operator token (`TESSERA_OPERATOR_TOKEN`) that registers providers.",
        },
    }
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(path, method, operation, schemas)
    return spec


def _complete_operation(
    path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> None:
    responses = operation.setdefault("responses", {})
    statuses: set[int] = set()
    if _is_authenticated(operation):
        operation["parameters"] = [
            p for p in operation["parameters"] if p.get("name", "").lower() != "authorization"
        ]
        if not operation["parameters"]:
            del operation["parameters"]
        operator = path == "/issuers" and method == "post"
        operation["security"] = [{OPERATOR if operator else API_KEY: []}]
        statuses |= {401, 403} if operator else {401, 403, 404}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    if "{" in path:
        statuses.add(404)
    if method in ("post", "delete") and "security" in operation:
        statuses.add(409)
    key = (method, path)
    _document_answer(key, responses)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if key in SCHEMA_BODIES:
        name = SCHEMA_BODIES[key]
        component = "".join(part.title() for part in name.split("-"))
        schemas[component] = embedded_schema(name, component)
        content = operation.setdefault("requestBody", {"required": True}).setdefault("content", {})
        content["application/json"] = {
            **(body or {}),
            "schema": {"$ref": f"#/components/schemas/{component}"},
        }
        if name == "award-batch":
            content.update(BATCH_EXTRA_CONTENT)
    elif key in INLINE_BODIES and body is not None:
        body["schema"] = INLINE_BODIES[key]
    for status, response in list(responses.items()):
        if status.isdigit() and int(status) >= 400:
            statuses.add(int(status))
            if PROBLEM_JSON not in response.get("content", {}):
                del responses[status]
    if is_page(path):
        if (method, path) == ("post", "/verify"):
            operation["requestBody"] = VERIFY_FORM
        statuses = {404} if "{" in path else set()
        if path.startswith("/wallet/"):
            statuses.add(410)
        if path == "/verify" and method == "post":
            statuses |= {413, 422, 429, 503}
        for status in sorted(statuses):
            responses[str(status)] = page_error(status)
        return
    for status in sorted(statuses):
        if str(status) not in responses:
            responses[str(status)] = error_response(status)
    for status in OAUTH_ERRORS.get(key, ()):
        schemas["OAuthError"] = OAUTH_ERROR_SCHEMA
        responses[str(status)] = oauth_error_response(status)
    if key in NOT_VERIFIED:
        schema, example = NOT_VERIFIED[key]
        not_verified = responses["400"]
        not_verified["description"] = (
            "Not verified: the result (application/json) says why. A body that cannot be "
            "read: problem+json."
        )
        not_verified["content"]["application/json"] = {"schema": schema, "example": example}


def _document_answer(key: tuple[str, str], responses: dict[str, Any]) -> None:
    """The typed success answer (:mod:`.answers`) in place of FastAPI's bare object."""
    if key in JSON_ANSWERS:
        code, schema, example = JSON_ANSWERS[key]
        answer = responses.setdefault(code, {"description": "Success"})
        answer["content"] = {
            media_type: {"schema": schema, "example": example}
            for media_type in MEDIA_TYPES.get(key, ("application/json",))
        }
    elif key in FILE_ANSWERS:
        responses.setdefault("200", {"description": "Success"})["content"] = FILE_ANSWERS[key]
    for code, (schema, example) in MORE_ANSWERS.get(key, {}).items():
        responses.setdefault(code, {"description": "Success"})["content"] = {
            "application/json": {"schema": schema, "example": example}
        }


def install(app: FastAPI) -> None:
    """Serve the completed document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["SCHEMA_BODIES", "complete", "embedded_schema", "install"]
