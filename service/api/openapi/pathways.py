"""The OpenAPI answers of the pathways operations (qualifications, RPL), merged into
:mod:`.answers` and :mod:`.components` so those stay one table per kind."""

from __future__ import annotations

from typing import Any

_ID = {"type": "string", "description": "A random id, in UUID form."}
_TIME = {"type": "string", "format": "date-time"}
_EXAMPLE_ID = "2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968"
_EXAMPLE_TIME = "2026-03-01T09:30:00+00:00"
_CREDENTIAL_URL = f"https://tessera.example/credentials/{_EXAMPLE_ID}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


#: What a qualification answer says about the awarded documents.
AWARDED = {
    "type": "array",
    "description": "Qualifications this award completed (issued at once, with their CLR).",
    "items": {
        "type": "object",
        "required": ["qualificationId", "programmeId", "credentialId", "clrId"],
        "properties": {
            "qualificationId": _ID,
            "programmeId": _ID,
            "credentialId": {"type": "string", "format": "uri"},
            "clrId": {"type": "string", "format": "uri"},
        },
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "QualificationRecord": {
        "type": "object",
        "description": "A qualification awarded automatically: the credentials it relied on "
        "(id, issuer, genre, digest) and whether it is flagged for the provider's review.",
        "required": ["id", "programmeId", "credentialId", "clrId", "reliedOn", "flaggedForReview"],
        "properties": {
            "id": _ID,
            "programmeId": _ID,
            "programmeVersion": {"type": "integer"},
            "walletLinkId": _ID,
            "credentialId": _ID,
            "clrId": _ID,
            "reliedOn": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "issuer", "genre", "digestMultibase"],
                    "properties": {
                        "id": {"type": "string"},
                        "issuer": {"type": "string"},
                        "genre": {"type": "string"},
                        "digestMultibase": {"type": "string"},
                    },
                },
            },
            "flaggedForReview": {"type": "boolean"},
            "flaggedAt": {"type": ["string", "null"], "format": "date-time"},
            "reviewReason": {"type": ["string", "null"]},
            "createdAt": _TIME,
        },
        "example": {
            "id": _EXAMPLE_ID,
            "programmeId": _EXAMPLE_ID,
            "programmeVersion": 1,
            "walletLinkId": _EXAMPLE_ID,
            "credentialId": _EXAMPLE_ID,
            "clrId": _EXAMPLE_ID,
            "reliedOn": [
                {
                    "id": _CREDENTIAL_URL,
                    "issuer": "did:web:tessera.example:issuers:bbz-hamburg",
                    "genre": "Module credential",
                    "digestMultibase": "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k",
                }
            ],
            "flaggedForReview": False,
            "flaggedAt": None,
            "reviewReason": None,
            "createdAt": _EXAMPLE_TIME,
        },
    },
}

JSON_ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("get", "/issuers/{issuer}/qualifications"): (
        "200",
        {"type": "array", "items": _ref("QualificationRecord")},
        [SCHEMAS["QualificationRecord"]["example"]],
    ),
    ("get", "/issuers/{issuer}/qualifications/{qualification_id}"): (
        "200",
        _ref("QualificationRecord"),
        SCHEMAS["QualificationRecord"]["example"],
    ),
    ("post", "/issuers/{issuer}/qualifications/recheck"): (
        "200",
        {
            "type": "object",
            "required": ["checked", "failing", "flagged"],
            "properties": {
                "checked": {"type": "integer", "minimum": 0},
                "failing": {
                    "type": "array",
                    "description": "Ids of relied-on credentials that no longer verify.",
                    "items": {"type": "string"},
                },
                "flagged": {
                    "type": "array",
                    "description": "Qualifications newly flagged for review.",
                    "items": _ID,
                },
            },
        },
        {"checked": 3, "failing": [_CREDENTIAL_URL], "flagged": [_EXAMPLE_ID]},
    ),
    ("post", "/wallet/{token}/credentials"): (
        "200",
        {
            "type": "object",
            "required": ["results", "qualifications"],
            "properties": {
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "accepted", "reason"],
                        "properties": {
                            "id": {"type": ["string", "null"]},
                            "accepted": {"type": "boolean"},
                            "reason": {"type": "string"},
                        },
                    },
                },
                "qualifications": AWARDED,
            },
        },
        {
            "results": [
                {"id": _CREDENTIAL_URL, "accepted": True, "reason": "verified and counted"}
            ],
            "qualifications": [],
        },
    ),
}

_ASSESSOR = {
    "type": "object",
    "required": ["id", "name", "verificationMethod"],
    "properties": {
        "id": _ID,
        "name": {"type": "string"},
        "verificationMethod": {"type": "string"},
        "createdAt": _TIME,
    },
}
_ASSESSOR_EXAMPLE = {
    "id": _EXAMPLE_ID,
    "name": "Maria Schulz",
    "verificationMethod": "did:web:tessera.example:issuers:bbz-hamburg#z6Mk…",
    "createdAt": _EXAMPLE_TIME,
}
_CASE_EXAMPLE = {
    "id": _EXAMPLE_ID,
    "status": "open",
    "learnerName": "Amina Haddad",
    "learnerId": "E-00042",
    "modules": [_EXAMPLE_ID],
    "programmeId": None,
    "foreignCredentials": [],
    "evidence": [
        {
            "method": "skills-demonstration",
            "description": "Three fillet welds, inspected to ISO 5817 level C",
            "assessedOn": "2026-02-20",
        }
    ],
    "outcomes": [],
    "assessors": [],
    "openedAt": _EXAMPLE_TIME,
    "decidedAt": None,
}
SCHEMAS["RplCaseRecord"] = {
    "type": "object",
    "description": "A recognition of prior learning case: scope, foreign credentials and their "
    "mapping, evidence (descriptions and digests), outcomes per module.",
    "required": ["id", "status", "modules", "evidence", "outcomes", "openedAt"],
    "properties": {
        "id": _ID,
        "status": {"enum": ["open", "decided"]},
        "learnerName": {"type": "string"},
        "learnerId": {"type": ["string", "null"]},
        "modules": {"type": "array", "items": {"type": "string"}},
        "programmeId": {"type": ["string", "null"]},
        "foreignCredentials": {"type": "array", "items": {"type": "object"}},
        "evidence": {"type": "array", "items": {"type": "object"}},
        "outcomes": {"type": "array", "items": {"type": "object"}},
        "assessors": {"type": "array", "items": {"type": "string"}},
        "openedAt": _TIME,
        "decidedAt": {"type": ["string", "null"], "format": "date-time"},
    },
    "example": _CASE_EXAMPLE,
}
JSON_ANSWERS.update(
    {
        ("post", "/issuers/{issuer}/assessors"): ("201", _ASSESSOR, _ASSESSOR_EXAMPLE),
        ("get", "/issuers/{issuer}/assessors"): (
            "200",
            {"type": "array", "items": _ASSESSOR},
            [_ASSESSOR_EXAMPLE],
        ),
        ("post", "/issuers/{issuer}/rpl/cases"): ("201", _ref("RplCaseRecord"), _CASE_EXAMPLE),
        ("get", "/issuers/{issuer}/rpl/cases"): (
            "200",
            {"type": "array", "items": _ref("RplCaseRecord")},
            [_CASE_EXAMPLE],
        ),
        ("get", "/issuers/{issuer}/rpl/cases/{case_id}"): (
            "200",
            _ref("RplCaseRecord"),
            _CASE_EXAMPLE,
        ),
        ("post", "/issuers/{issuer}/rpl/cases/{case_id}/evidence"): (
            "200",
            _ref("RplCaseRecord"),
            _CASE_EXAMPLE,
        ),
        ("post", "/issuers/{issuer}/rpl/cases/{case_id}/decision"): (
            "200",
            {
                "type": "object",
                "required": ["case", "verifiableCredentials", "qualifications"],
                "properties": {
                    "case": _ref("RplCaseRecord"),
                    "verifiableCredentials": {
                        "type": "array",
                        "description": "One RPL credential per recognized module.",
                        "items": _ref("VerifiableCredential"),
                    },
                    "qualifications": AWARDED,
                },
            },
            {
                "case": {**_CASE_EXAMPLE, "status": "decided"},
                "verifiableCredentials": [],
                "qualifications": [],
            },
        ),
    }
)

#: Request bodies validated against a JSON Schema in ``schemas/``.
SCHEMA_BODIES: dict[tuple[str, str], str] = {
    ("post", "/issuers/{issuer}/assessors"): "rpl-assessor",
    ("post", "/issuers/{issuer}/rpl/cases"): "rpl-case",
    ("post", "/issuers/{issuer}/rpl/cases/{case_id}/evidence"): "rpl-evidence",
    ("post", "/issuers/{issuer}/rpl/cases/{case_id}/decision"): "rpl-decision",
    ("post", "/issuers/{issuer}/qualifications/{qualification_id}/review"): "qualification-review",
}
JSON_ANSWERS[("post", "/issuers/{issuer}/qualifications/{qualification_id}/review")] = (
    "200",
    _ref("QualificationRecord"),
    SCHEMAS["QualificationRecord"]["example"],
)

#: Bodies read without a schema file (a credential, a list or a presentation).
INLINE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/wallet/{token}/credentials"): {
        "description": "A credential, a list of credentials, or a Verifiable Presentation.",
        "oneOf": [
            {"type": "object", "properties": {"@context": {"type": "array"}}},
            {"type": "array", "items": {"type": "object"}},
        ],
        "examples": [{"verifiableCredential": [{"@context": ["…"], "id": _CREDENTIAL_URL}]}],
    },
}

__all__ = ["AWARDED", "INLINE_BODIES", "JSON_ANSWERS", "SCHEMAS", "SCHEMA_BODIES"]
