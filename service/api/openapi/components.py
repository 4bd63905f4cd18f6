"""The components of the OpenAPI document: the schemas the answers refer to, their shared parts
(proof, checks, problem details) and the examples several answers reuse.

The routes build plain dicts (their shapes are set by W3C VC-API, Open Badges and the store);
these schemas describe those dicts without filtering them, so no ``response_model`` can change
an answer.
"""

from __future__ import annotations

from typing import Any

ID = {"type": "string", "description": "A random id, in UUID form."}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
URI = {"type": "string", "format": "uri"}
EXAMPLE_ID = "2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968"
EXAMPLE_DID = "did:web:tessera.example:issuers:bbz-hamburg"
EXAMPLE_TIME = "2026-03-01T09:30:00+00:00"


def ref(name: str) -> dict[str, str]:
    """A reference to the component ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


PROOF = {
    "type": "object",
    "required": ["type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"],
    "properties": {
        "type": {"const": "DataIntegrityProof"},
        "cryptosuite": {"enum": ["eddsa-rdfc-2022", "eddsa-jcs-2022"]},
        "verificationMethod": {"type": "string"},
        "proofPurpose": {"type": "string"},
        "created": TIME,
        "proofValue": {"type": "string"},
    },
}
PROBLEM_DETAIL = {
    "type": "object",
    "description": "VC-API problem detail: one per failed check.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
    },
}


def _checks(*names: str) -> dict[str, Any]:
    """The ``checks`` list of a VC-API result, whose checks are ``names``."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["check", "status"],
            "properties": {
                "check": {"enum": list(names)},
                "status": {"enum": ["passed", "failed", "unknown"]},
                "detail": {"type": "string"},
            },
        },
    }


CHECKS = _checks("parse", "context", "proof", "issuer", "validity", "status", "trust")
#: A presentation's own checks (its credentials have theirs in ``credentialResults``).
PRESENTATION_CHECKS = _checks("parse", "context", "proof", "credentials")

#: Components the answers refer to.
SCHEMAS: dict[str, dict[str, Any]] = {
    "VerifiableCredential": {
        "type": "object",
        "description": "A W3C VC 2.0 credential (Open Badges 3.0 OpenBadgeCredential for awards), "
        "secured with a Data Integrity proof (eddsa-rdfc-2022 or eddsa-jcs-2022).",
        "required": ["@context", "type", "issuer", "credentialSubject", "proof"],
        "properties": {
            "@context": {"type": "array", "items": {"type": ["string", "object"]}},
            "id": URI,
            "type": {"type": "array", "items": {"type": "string"}},
            "issuer": {"type": ["string", "object"]},
            "validFrom": TIME,
            "validUntil": TIME,
            "credentialSubject": {"type": "object"},
            "credentialStatus": {"type": ["object", "array"]},
            "proof": {"oneOf": [PROOF, {"type": "array", "items": PROOF}]},
        },
        "example": {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"urn:uuid:{EXAMPLE_ID}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": EXAMPLE_DID, "type": ["Profile"], "name": "BBZ Hamburg"},
            "validFrom": EXAMPLE_TIME,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {"type": ["Achievement"], "name": "Welding basics (MIG/MAG)"},
            },
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "verificationMethod": f"{EXAMPLE_DID}#key-1",
                "proofPurpose": "assertionMethod",
                "proofValue": "z58DAdFfa9SkqZMVPxAQp…",
            },
        },
    },
    "VerifiablePresentation": {
        "type": "object",
        "description": "An unsigned W3C presentation bundling credentials (each keeps its proof).",
        "required": ["@context", "type", "verifiableCredential"],
        "properties": {
            "@context": {"type": "array", "items": {"type": ["string", "object"]}},
            "type": {"type": "array", "items": {"type": "string"}},
            "verifiableCredential": {"type": "array", "items": ref("VerifiableCredential")},
        },
    },
    "VerificationResult": {
        "type": "object",
        "description": "W3C VC-API verification result: `verified` and every check in order.",
        "required": ["verified", "checks", "problemDetails"],
        "properties": {
            "verified": {"type": "boolean"},
            "checks": CHECKS,
            "problemDetails": {"type": "array", "items": PROBLEM_DETAIL},
            "skippedChecks": {"type": "array", "items": {"type": "string"}},
        },
    },
    "StatusChange": {
        "type": "object",
        "description": "A credential's status after the change.",
        "required": ["credentialId", "revoked", "suspended"],
        "properties": {
            "credentialId": {"type": "string"},
            "revoked": {"type": "boolean"},
            "suspended": {"type": "boolean"},
        },
        "example": {"credentialId": EXAMPLE_ID, "revoked": True, "suspended": False},
    },
    "ProgrammeRecord": {
        "type": "object",
        "description": "A programme as sent (`schemas/programme.schema.json`), with its id and "
        "creation time.",
        "required": ["id", "createdAt"],
        "properties": {"id": ID, "createdAt": TIME},
        "additionalProperties": True,
        "example": {
            "id": EXAMPLE_ID,
            "defaultLanguage": "en",
            "name": {"en": "Metalworking assistant", "ar": "مساعد أعمال المعادن"},
            "createdAt": EXAMPLE_TIME,
        },
    },
    "ModuleRecord": {
        "type": "object",
        "description": "A module as sent (`schemas/module.schema.json`), with its id, "
        "programme and creation time.",
        "required": ["id", "programmeId", "createdAt"],
        "properties": {
            "id": ID,
            "programmeId": {"type": ["string", "null"]},
            "createdAt": TIME,
        },
        "additionalProperties": True,
        "example": {
            "id": EXAMPLE_ID,
            "code": "WELD-101",
            "defaultLanguage": "en",
            "name": {"en": "Welding basics (MIG/MAG)"},
            "programmeId": None,
            "createdAt": EXAMPLE_TIME,
        },
    },
    "NewApiKey": {
        "type": "object",
        "description": "A new API key: its token is shown only here.",
        "required": ["id", "token", "scopes"],
        "properties": {
            "id": ID,
            "token": {"type": "string"},
            "scopes": {
                "type": "array",
                "items": {"enum": ["issue", "revoke", "admin", "outcomes"]},
            },
        },
        "example": {"id": EXAMPLE_ID, "token": "tsk_…", "scopes": ["issue"]},
    },
    "ApiKey": {
        "type": "object",
        "description": "An API key as listed: never its secret.",
        "required": ["id", "label", "scopes", "createdAt", "revokedAt"],
        "properties": {
            "id": ID,
            "label": {"type": ["string", "null"]},
            "scopes": {
                "type": "array",
                "items": {"enum": ["issue", "revoke", "admin", "outcomes"]},
            },
            "createdAt": TIME,
            "revokedAt": TIME_OR_NULL,
        },
        "additionalProperties": False,
    },
    "AuditEntry": {
        "type": "object",
        "description": "Who (which key) did what and when; no credential content.",
        "required": ["at", "actor", "action", "subject", "detail"],
        "properties": {
            "at": TIME,
            "actor": {"type": "string"},
            "action": {"type": "string"},
            "subject": {"type": ["string", "null"]},
            "detail": {"type": ["string", "null"]},
        },
        "additionalProperties": False,
    },
    "WalletLink": {
        "type": "object",
        "description": "A learner's wallet link as the provider sees it: never the token.",
        "required": ["id", "learnerRef", "language", "credentialIds", "createdAt", "revokedAt"],
        "properties": {
            "id": ID,
            "learnerRef": {"type": ["string", "null"]},
            "language": {"type": ["string", "null"]},
            "credentialIds": {"type": "array", "items": {"type": "string"}},
            "createdAt": TIME,
            "revokedAt": TIME_OR_NULL,
        },
    },
    "NewWalletLink": {
        "allOf": [ref("WalletLink")],
        "type": "object",
        "description": "A wallet link with its URL: the token in it is shown only here.",
        "required": ["url"],
        "properties": {"url": URI},
    },
    "IssuedCredential": {
        "type": "object",
        "description": "A credential as listed: ids, learner, module and time; not the document.",
        "required": ["id", "credentialId", "learnerName", "moduleId", "issuedAt"],
        "properties": {
            "id": ID,
            "credentialId": {"type": ["string", "null"]},
            "learnerName": {"type": "string"},
            "moduleId": {"type": ["string", "null"]},
            "issuedAt": TIME,
        },
        "additionalProperties": False,
    },
    "DidDocument": {
        "type": "object",
        "description": "A did:web DID document: every key the provider had, with `revoked` "
        "on a compromised one.",
        "required": ["@context", "id", "verificationMethod", "assertionMethod"],
        "properties": {
            "@context": {"type": ["string", "array"]},
            "id": {"type": "string"},
            "verificationMethod": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "type", "controller"],
                    "properties": {
                        "id": {"type": "string"},
                        "type": {"type": "string"},
                        "controller": {"type": "string"},
                        "publicKeyMultibase": {"type": "string"},
                        "revoked": TIME,
                    },
                },
            },
            "assertionMethod": {"type": "array", "items": {"type": "string"}},
        },
    },
}

WALLET_LINK_EXAMPLE = {
    "id": EXAMPLE_ID,
    "learnerRef": "E-00042",
    "language": "ar",
    "credentialIds": [EXAMPLE_ID],
    "createdAt": EXAMPLE_TIME,
    "revokedAt": None,
}
NEW_WALLET_LINK_EXAMPLE = {**WALLET_LINK_EXAMPLE, "url": "https://tessera.example/wallet/…"}
VC_EXAMPLE = SCHEMAS["VerifiableCredential"]["example"]
VERIFIED_EXAMPLE = {
    "verified": True,
    "checks": [
        {"check": c, "status": "passed", "detail": ""}
        for c in ("parse", "context", "proof", "issuer", "validity", "status")
    ]
    + [{"check": "trust", "status": "unknown", "detail": "Not in a trust registry."}],
    "problemDetails": [],
}


def list_of(item: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(item)}


__all__ = [
    "CHECKS",
    "EXAMPLE_DID",
    "EXAMPLE_ID",
    "EXAMPLE_TIME",
    "ID",
    "NEW_WALLET_LINK_EXAMPLE",
    "PRESENTATION_CHECKS",
    "PROBLEM_DETAIL",
    "PROOF",
    "SCHEMAS",
    "TIME",
    "TIME_OR_NULL",
    "URI",
    "VC_EXAMPLE",
    "VERIFIED_EXAMPLE",
    "WALLET_LINK_EXAMPLE",
    "list_of",
    "ref",
]
