"""The OpenAPI answers of the VC-API verify operations: the verification result, and the same
shape answered with 400 when a credential or presentation is not verified."""

from __future__ import annotations

from typing import Any

from service.api.openapi.components import (
    PRESENTATION_CHECKS,
    PROBLEM_DETAIL,
    VERIFIED_EXAMPLE,
    ref,
)

ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("post", "/credentials/verify"): ("200", ref("VerificationResult"), VERIFIED_EXAMPLE),
    ("post", "/presentations/verify"): (
        "200",
        {
            "type": "object",
            "required": ["verified", "presentationResult", "credentialResults", "problemDetails"],
            "properties": {
                "verified": {"type": "boolean"},
                "presentationResult": {
                    "type": "object",
                    "required": ["verified", "checks", "problemDetails"],
                    "properties": {
                        "verified": {"type": "boolean"},
                        "checks": PRESENTATION_CHECKS,
                        "problemDetails": {"type": "array", "items": PROBLEM_DETAIL},
                    },
                },
                "credentialResults": {"type": "array", "items": ref("VerificationResult")},
                "problemDetails": {"type": "array", "items": PROBLEM_DETAIL},
            },
        },
        {
            "verified": True,
            "presentationResult": {
                "verified": True,
                "checks": [{"check": "parse", "status": "passed", "detail": ""}],
                "problemDetails": [],
            },
            "credentialResults": [VERIFIED_EXAMPLE],
            "problemDetails": [],
        },
    ),
}

#: Verifiers answer 400 with the same result shape when the credential is not verified (a body
#: they cannot read is a problem+json 400 instead): (method, path) -> (schema, example).
NOT_VERIFIED: dict[tuple[str, str], tuple[dict[str, Any], Any]] = {
    ("post", "/credentials/verify"): (
        ref("VerificationResult"),
        {
            "verified": False,
            "checks": [
                {"check": "parse", "status": "passed", "detail": ""},
                {"check": "proof", "status": "failed", "detail": "The signature does not match."},
            ],
            "problemDetails": [
                {
                    "type": "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR",
                    "title": "Proof",
                    "detail": "The signature does not match.",
                }
            ],
        },
    ),
}
NOT_VERIFIED[("post", "/presentations/verify")] = (
    ANSWERS[("post", "/presentations/verify")][1],
    {
        "verified": False,
        "presentationResult": {"verified": True, "checks": [], "problemDetails": []},
        "credentialResults": [NOT_VERIFIED[("post", "/credentials/verify")][1]],
        "problemDetails": NOT_VERIFIED[("post", "/credentials/verify")][1]["problemDetails"],
    },
)


__all__ = ["ANSWERS", "NOT_VERIFIED"]
