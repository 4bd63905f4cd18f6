"""What every operation answers, for the OpenAPI document: one typed schema and an example
for each JSON answer, and the media type of every other one (pages, files, images).

The routes build plain dicts (their shapes are set by W3C VC-API, Open Badges and the store);
these schemas describe those dicts without filtering them, so no ``response_model`` can change
an answer. ``tests/api/test_openapi.py`` fails when an operation has no typed success answer or
no example, and validates real answers of many operations against what is documented here.
"""

from __future__ import annotations

from typing import Any

from service.api import openapi_pathways
from service.api.openapi_oid4vc import ANSWERS as OPENID_ANSWERS

_ID = {"type": "string", "description": "A random id, in UUID form."}
_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_URI = {"type": "string", "format": "uri"}
_EXAMPLE_ID = "2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968"
_EXAMPLE_DID = "did:web:tessera.example:issuers:bbz-hamburg"
_EXAMPLE_TIME = "2026-03-01T09:30:00+00:00"


def ref(name: str) -> dict[str, str]:
    """A reference to the component ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


_PROOF = {
    "type": "object",
    "required": ["type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"],
    "properties": {
        "type": {"const": "DataIntegrityProof"},
        "cryptosuite": {"enum": ["eddsa-rdfc-2022", "eddsa-jcs-2022"]},
        "verificationMethod": {"type": "string"},
        "proofPurpose": {"type": "string"},
        "created": _TIME,
        "proofValue": {"type": "string"},
    },
}
_PROBLEM_DETAIL = {
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


_CHECKS = _checks("parse", "context", "proof", "issuer", "validity", "status", "trust")
#: A presentation's own checks (its credentials have theirs in ``credentialResults``).
_PRESENTATION_CHECKS = _checks("parse", "context", "proof", "credentials")

#: Components the answers refer to.
SCHEMAS: dict[str, dict[str, Any]] = {
    "VerifiableCredential": {
        "type": "object",
        "description": "A W3C VC 2.0 credential (Open Badges 3.0 OpenBadgeCredential for awards), "
        "secured with a Data Integrity proof (eddsa-rdfc-2022 or eddsa-jcs-2022).",
        "required": ["@context", "type", "issuer", "credentialSubject", "proof"],
        "properties": {
            "@context": {"type": "array", "items": {"type": ["string", "object"]}},
            "id": _URI,
            "type": {"type": "array", "items": {"type": "string"}},
            "issuer": {"type": ["string", "object"]},
            "validFrom": _TIME,
            "validUntil": _TIME,
            "credentialSubject": {"type": "object"},
            "credentialStatus": {"type": ["object", "array"]},
            "proof": {"oneOf": [_PROOF, {"type": "array", "items": _PROOF}]},
        },
        "example": {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"urn:uuid:{_EXAMPLE_ID}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": _EXAMPLE_DID, "type": ["Profile"], "name": "BBZ Hamburg"},
            "validFrom": _EXAMPLE_TIME,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {"type": ["Achievement"], "name": "Welding basics (MIG/MAG)"},
            },
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "verificationMethod": f"{_EXAMPLE_DID}#key-1",
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
            "checks": _CHECKS,
            "problemDetails": {"type": "array", "items": _PROBLEM_DETAIL},
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
        "example": {"credentialId": _EXAMPLE_ID, "revoked": True, "suspended": False},
    },
    "ProgrammeRecord": {
        "type": "object",
        "description": "A programme as sent (`schemas/programme.schema.json`), with its id and "
        "creation time.",
        "required": ["id", "createdAt"],
        "properties": {"id": _ID, "createdAt": _TIME},
        "additionalProperties": True,
        "example": {
            "id": _EXAMPLE_ID,
            "defaultLanguage": "en",
            "name": {"en": "Metalworking assistant", "ar": "مساعد أعمال المعادن"},
            "createdAt": _EXAMPLE_TIME,
        },
    },
    "ModuleRecord": {
        "type": "object",
        "description": "A module as sent (`schemas/module.schema.json`), with its id, "
        "programme and creation time.",
        "required": ["id", "programmeId", "createdAt"],
        "properties": {
            "id": _ID,
            "programmeId": {"type": ["string", "null"]},
            "createdAt": _TIME,
        },
        "additionalProperties": True,
        "example": {
            "id": _EXAMPLE_ID,
            "code": "WELD-101",
            "defaultLanguage": "en",
            "name": {"en": "Welding basics (MIG/MAG)"},
            "programmeId": None,
            "createdAt": _EXAMPLE_TIME,
        },
    },
    "Job": {
        "type": "object",
        "description": "A background job (a cohort above the job threshold): poll `url` until "
        "`state` is done or failed.",
        "required": ["id", "url", "kind", "state", "createdAt", "progress"],
        "properties": {
            "id": _ID,
            "url": _URI,
            "kind": {"const": "cohort"},
            "state": {"enum": ["queued", "running", "done", "failed"]},
            "createdAt": _TIME,
            "progress": {
                "type": "object",
                "required": [
                    "rows",
                    "issued",
                    "failedRows",
                    "slices",
                    "slicesDone",
                    "slicesFailed",
                ],
                "properties": {
                    name: {"type": "integer", "minimum": 0}
                    for name in (
                        "rows",
                        "issued",
                        "failedRows",
                        "slices",
                        "slicesDone",
                        "slicesFailed",
                    )
                },
            },
            "result": {
                "type": "object",
                "description": "Once the job has ended.",
                "required": ["issued", "failedRows"],
                "properties": {
                    "issued": {"type": "integer", "minimum": 0},
                    "failedRows": {"type": "integer", "minimum": 0},
                    "error": {
                        "type": "string",
                        "description": "Why the first failed slice failed.",
                    },
                },
            },
        },
        "example": {
            "id": _EXAMPLE_ID,
            "url": f"https://tessera.example/issuers/bbz-hamburg/jobs/{_EXAMPLE_ID}",
            "kind": "cohort",
            "state": "running",
            "createdAt": _EXAMPLE_TIME,
            "progress": {
                "rows": 100000,
                "issued": 41500,
                "failedRows": 0,
                "slices": 200,
                "slicesDone": 83,
                "slicesFailed": 0,
            },
        },
    },
    "NewApiKey": {
        "type": "object",
        "description": "A new API key: its token is shown only here.",
        "required": ["id", "token", "scopes"],
        "properties": {
            "id": _ID,
            "token": {"type": "string"},
            "scopes": {
                "type": "array",
                "items": {"enum": ["issue", "revoke", "admin", "outcomes"]},
            },
        },
        "example": {"id": _EXAMPLE_ID, "token": "tsk_…", "scopes": ["issue"]},
    },
    "ApiKey": {
        "type": "object",
        "description": "An API key as listed: never its secret.",
        "required": ["id", "label", "scopes", "createdAt", "revokedAt"],
        "properties": {
            "id": _ID,
            "label": {"type": ["string", "null"]},
            "scopes": {
                "type": "array",
                "items": {"enum": ["issue", "revoke", "admin", "outcomes"]},
            },
            "createdAt": _TIME,
            "revokedAt": _TIME_OR_NULL,
        },
        "additionalProperties": False,
    },
    "AuditEntry": {
        "type": "object",
        "description": "Who (which key) did what and when; no credential content.",
        "required": ["at", "actor", "action", "subject", "detail"],
        "properties": {
            "at": _TIME,
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
            "id": _ID,
            "learnerRef": {"type": ["string", "null"]},
            "language": {"type": ["string", "null"]},
            "credentialIds": {"type": "array", "items": {"type": "string"}},
            "createdAt": _TIME,
            "revokedAt": _TIME_OR_NULL,
        },
    },
    "NewWalletLink": {
        "allOf": [ref("WalletLink")],
        "type": "object",
        "description": "A wallet link with its URL: the token in it is shown only here.",
        "required": ["url"],
        "properties": {"url": _URI},
    },
    "IssuedCredential": {
        "type": "object",
        "description": "A credential as listed: ids, learner, module and time; not the document.",
        "required": ["id", "credentialId", "learnerName", "moduleId", "issuedAt"],
        "properties": {
            "id": _ID,
            "credentialId": {"type": ["string", "null"]},
            "learnerName": {"type": "string"},
            "moduleId": {"type": ["string", "null"]},
            "issuedAt": _TIME,
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
                        "revoked": _TIME,
                    },
                },
            },
            "assertionMethod": {"type": "array", "items": {"type": "string"}},
        },
    },
}

_WALLET_LINK_EXAMPLE = {
    "id": _EXAMPLE_ID,
    "learnerRef": "E-00042",
    "language": "ar",
    "credentialIds": [_EXAMPLE_ID],
    "createdAt": _EXAMPLE_TIME,
    "revokedAt": None,
}
_NEW_WALLET_LINK_EXAMPLE = {**_WALLET_LINK_EXAMPLE, "url": "https://tessera.example/wallet/…"}
_VC_EXAMPLE = SCHEMAS["VerifiableCredential"]["example"]
_VERIFIED_EXAMPLE = {
    "verified": True,
    "checks": [
        {"check": c, "status": "passed", "detail": ""}
        for c in ("parse", "context", "proof", "issuer", "validity", "status")
    ]
    + [{"check": "trust", "status": "unknown", "detail": "Not in a trust registry."}],
    "problemDetails": [],
}


def _list(item: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(item)}


#: Further JSON answers of an operation besides its main one: (method, path) -> {status:
#: (schema, example)} (a large cohort is accepted as a job).
MORE_ANSWERS: dict[tuple[str, str], dict[str, tuple[dict[str, Any], Any]]] = {
    ("post", "/issuers/{issuer}/awards/batch"): {
        "202": (ref("Job"), SCHEMAS["Job"]["example"] | {"state": "queued"}),
    },
}

#: JSON answers: (method, path) -> (status, schema, example).
JSON_ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("get", "/issuers/{issuer}/jobs/{job_id}"): ("200", ref("Job"), SCHEMAS["Job"]["example"]),
    ("get", "/healthz"): (
        "200",
        {
            "type": "object",
            "required": ["status", "database"],
            "properties": {"status": {"const": "ok"}, "database": {"type": "string"}},
        },
        {"status": "ok", "database": "postgresql"},
    ),
    ("get", "/readyz"): (
        "200",
        {
            "type": "object",
            "required": ["status", "checks"],
            "properties": {
                "status": {"enum": ["ready", "not ready"]},
                "checks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["check", "status", "detail"],
                        "properties": {
                            "check": {"enum": ["database", "redis", "contexts", "keys"]},
                            "status": {"enum": ["ok", "failed", "skipped"]},
                            "detail": {"type": "string"},
                        },
                    },
                },
            },
        },
        {
            "status": "ready",
            "checks": [
                {"check": "database", "status": "ok", "detail": "postgresql answers"},
                {"check": "redis", "status": "ok", "detail": "answers"},
                {"check": "contexts", "status": "ok", "detail": "31 pinned contexts installed"},
                {"check": "keys", "status": "ok", "detail": "12 signing keys present"},
            ],
        },
    ),
    ("post", "/issuers"): (
        "201",
        {
            "type": "object",
            "required": ["slug", "did", "apiKey"],
            "properties": {
                "slug": {"type": "string"},
                "did": {"type": "string"},
                "apiKey": ref("NewApiKey"),
                "didDocument": _URI,
            },
        },
        {
            "slug": "bbz-hamburg",
            "did": _EXAMPLE_DID,
            "apiKey": SCHEMAS["NewApiKey"]["example"]
            | {"scopes": ["issue", "revoke", "admin", "outcomes"]},
            "didDocument": "https://tessera.example/issuers/bbz-hamburg/did.json",
        },
    ),
    ("get", "/issuers/{issuer}"): (
        "200",
        {
            "type": "object",
            "required": ["id", "type", "name", "slug"],
            "properties": {
                "id": {"type": "string", "description": "The provider's DID."},
                "type": {"type": "array", "items": {"const": "Profile"}},
                "name": {"type": "string"},
                "url": {"type": ["string", "null"]},
                "slug": {"type": "string"},
            },
        },
        {
            "id": _EXAMPLE_DID,
            "type": ["Profile"],
            "name": "BBZ Hamburg",
            "url": "https://bbz.example",
            "slug": "bbz-hamburg",
        },
    ),
    ("post", "/issuers/{issuer}/programmes"): (
        "201",
        ref("ProgrammeRecord"),
        SCHEMAS["ProgrammeRecord"]["example"],
    ),
    ("get", "/issuers/{issuer}/programmes"): (
        "200",
        _list("ProgrammeRecord"),
        [SCHEMAS["ProgrammeRecord"]["example"]],
    ),
    ("get", "/issuers/{issuer}/programmes/{programme_id}"): (
        "200",
        ref("ProgrammeRecord"),
        SCHEMAS["ProgrammeRecord"]["example"],
    ),
    ("post", "/issuers/{issuer}/modules"): (
        "201",
        ref("ModuleRecord"),
        SCHEMAS["ModuleRecord"]["example"],
    ),
    ("get", "/issuers/{issuer}/modules"): (
        "200",
        _list("ModuleRecord"),
        [SCHEMAS["ModuleRecord"]["example"]],
    ),
    ("get", "/issuers/{issuer}/modules/{module_id}"): (
        "200",
        ref("ModuleRecord"),
        SCHEMAS["ModuleRecord"]["example"],
    ),
    ("post", "/issuers/{issuer}/awards"): (
        "201",
        {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {
                "verifiableCredential": ref("VerifiableCredential"),
                "walletUrl": _URI,
            },
        },
        {"verifiableCredential": _VC_EXAMPLE, "walletUrl": "https://tessera.example/wallet/…"},
    ),
    ("post", "/issuers/{issuer}/awards/batch"): (
        "201",
        {
            "type": "object",
            "required": ["issued", "credentialIds", "walletLinks"],
            "properties": {
                "issued": {"type": "integer", "minimum": 0},
                "credentialIds": {"type": "array", "items": {"type": "string"}},
                "walletLinks": {
                    "type": "array",
                    "description": "A wallet link per credential whose row asked for one.",
                    "items": {
                        "type": "object",
                        "required": ["credentialId", "walletLinkId", "walletUrl"],
                        "properties": {
                            "credentialId": {"type": "string"},
                            "walletLinkId": _ID,
                            "walletUrl": _URI,
                        },
                    },
                },
                "verifiableCredentials": {
                    "type": "array",
                    "description": "Only with `include=credentials`.",
                    "items": ref("VerifiableCredential"),
                },
            },
        },
        {"issued": 1, "credentialIds": [f"urn:uuid:{_EXAMPLE_ID}"], "walletLinks": []},
    ),
    ("post", "/credentials/issue"): (
        "201",
        {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {"verifiableCredential": ref("VerifiableCredential")},
        },
        {"verifiableCredential": _VC_EXAMPLE},
    ),
    ("get", "/issuers/{issuer}/credentials"): (
        "200",
        _list("IssuedCredential"),
        [
            {
                "id": _EXAMPLE_ID,
                "credentialId": f"urn:uuid:{_EXAMPLE_ID}",
                "learnerName": "Amina Haddad",
                "moduleId": _EXAMPLE_ID,
                "issuedAt": _EXAMPLE_TIME,
            }
        ],
    ),
    ("get", "/issuers/{issuer}/credentials/{credential_id}"): (
        "200",
        {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {"verifiableCredential": ref("VerifiableCredential")},
        },
        {"verifiableCredential": _VC_EXAMPLE},
    ),
    ("post", "/issuers/{issuer}/api-keys"): (
        "201",
        ref("NewApiKey"),
        SCHEMAS["NewApiKey"]["example"],
    ),
    ("get", "/issuers/{issuer}/api-keys"): (
        "200",
        _list("ApiKey"),
        [
            {
                "id": _EXAMPLE_ID,
                "label": "registrar laptop",
                "scopes": ["issue"],
                "createdAt": _EXAMPLE_TIME,
                "revokedAt": None,
            }
        ],
    ),
    ("post", "/issuers/{issuer}/keys/revoke"): (
        "200",
        {
            "type": "object",
            "required": ["revoked", "since", "signingKey"],
            "properties": {
                "revoked": {"type": "string", "description": "The verification method revoked."},
                "since": _TIME,
                "signingKey": {
                    "type": ["string", "null"],
                    "description": "The new signing key's verification method, when the "
                    "signing key was revoked.",
                },
            },
        },
        {
            "revoked": f"{_EXAMPLE_DID}#key-1",
            "since": _EXAMPLE_TIME,
            "signingKey": f"{_EXAMPLE_DID}#key-2",
        },
    ),
    ("get", "/issuers/{issuer}/audit"): (
        "200",
        _list("AuditEntry"),
        [
            {
                "at": _EXAMPLE_TIME,
                "actor": f"key:{_EXAMPLE_ID}",
                "action": "credential.revoke",
                "subject": _EXAMPLE_ID,
                "detail": None,
            }
        ],
    ),
    ("post", "/issuers/{issuer}/credentials/{credential_id}/revoke"): (
        "200",
        ref("StatusChange"),
        SCHEMAS["StatusChange"]["example"],
    ),
    ("post", "/issuers/{issuer}/credentials/{credential_id}/suspend"): (
        "200",
        ref("StatusChange"),
        {**SCHEMAS["StatusChange"]["example"], "revoked": False, "suspended": True},
    ),
    ("post", "/issuers/{issuer}/credentials/{credential_id}/unsuspend"): (
        "200",
        ref("StatusChange"),
        {**SCHEMAS["StatusChange"]["example"], "revoked": False},
    ),
    ("get", "/issuers/{issuer}/credentials/{credential_id}/status"): (
        "200",
        ref("StatusChange"),
        {**SCHEMAS["StatusChange"]["example"], "revoked": False},
    ),
    ("post", "/credentials/status"): (
        "200",
        ref("StatusChange"),
        SCHEMAS["StatusChange"]["example"],
    ),
    ("post", "/credentials/verify"): ("200", ref("VerificationResult"), _VERIFIED_EXAMPLE),
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
                        "checks": _PRESENTATION_CHECKS,
                        "problemDetails": {"type": "array", "items": _PROBLEM_DETAIL},
                    },
                },
                "credentialResults": {"type": "array", "items": ref("VerificationResult")},
                "problemDetails": {"type": "array", "items": _PROBLEM_DETAIL},
            },
        },
        {
            "verified": True,
            "presentationResult": {
                "verified": True,
                "checks": [{"check": "parse", "status": "passed", "detail": ""}],
                "problemDetails": [],
            },
            "credentialResults": [_VERIFIED_EXAMPLE],
            "problemDetails": [],
        },
    ),
    ("post", "/issuers/{issuer}/wallet-links"): (
        "201",
        ref("NewWalletLink"),
        _NEW_WALLET_LINK_EXAMPLE,
    ),
    ("get", "/issuers/{issuer}/wallet-links"): ("200", _list("WalletLink"), [_WALLET_LINK_EXAMPLE]),
    ("get", "/issuers/{issuer}/wallet-links/{link_id}"): (
        "200",
        ref("WalletLink"),
        _WALLET_LINK_EXAMPLE,
    ),
    ("post", "/issuers/{issuer}/wallet-links/{link_id}/renew"): (
        "200",
        ref("NewWalletLink"),
        _NEW_WALLET_LINK_EXAMPLE,
    ),
    # JSON under their own media types (JSON-LD, DID, VC files).
    ("get", "/issuers/{issuer}/did.json"): (
        "200",
        ref("DidDocument"),
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": _EXAMPLE_DID,
            "verificationMethod": [
                {
                    "id": f"{_EXAMPLE_DID}#key-1",
                    "type": "Multikey",
                    "controller": _EXAMPLE_DID,
                    "publicKeyMultibase": "z6Mk…",
                }
            ],
            "assertionMethod": [f"{_EXAMPLE_DID}#key-1"],
        },
    ),
    ("get", "/status/{list_id}"): (
        "200",
        ref("VerifiableCredential"),
        {
            **_VC_EXAMPLE,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "credentialSubject": {
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
            },
        },
    ),
    ("get", "/contexts/tessera/v1"): (
        "200",
        {
            "type": "object",
            "required": ["@context"],
            "properties": {"@context": {"type": "object"}},
        },
        {"@context": {"@protected": True}},
    ),
    ("get", "/wallet/{token}/credentials.json"): (
        "200",
        ref("VerifiablePresentation"),
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [_VC_EXAMPLE],
        },
    ),
    ("get", "/wallet/{token}/{code}/credential.json"): (
        "200",
        ref("VerifiableCredential"),
        _VC_EXAMPLE,
    ),
}

SCHEMAS.update(openapi_pathways.SCHEMAS)
JSON_ANSWERS.update(openapi_pathways.JSON_ANSWERS)
for _award in (("post", "/issuers/{issuer}/awards"), ("post", "/issuers/{issuer}/awards/batch")):
    JSON_ANSWERS[_award][1]["properties"]["qualifications"] = openapi_pathways.AWARDED

#: Verifiers answer 400 with the same result shape when the credential is not verified (a body
#: they cannot read is a problem+json 400 instead): (method, path) -> (schema, example).
JSON_ANSWERS.update(OPENID_ANSWERS)

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
    JSON_ANSWERS[("post", "/presentations/verify")][1],
    {
        "verified": False,
        "presentationResult": {"verified": True, "checks": [], "problemDetails": []},
        "credentialResults": [NOT_VERIFIED[("post", "/credentials/verify")][1]],
        "problemDetails": NOT_VERIFIED[("post", "/credentials/verify")][1]["problemDetails"],
    },
)

#: The media type each operation answers in when it is not ``application/json``.
MEDIA_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("get", "/issuers/{issuer}/did.json"): ("application/did+json",),
    ("get", "/status/{list_id}"): ("application/vc+ld+json",),
    ("get", "/contexts/tessera/v1"): ("application/ld+json",),
    ("get", "/wallet/{token}/credentials.json"): ("application/vp",),
    ("get", "/wallet/{token}/{code}/credential.json"): ("application/vc",),
}

_BINARY = {"type": "string", "format": "binary"}
#: Answers that are not JSON: (method, path) -> {media type: (schema, description)}.
FILE_ANSWERS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("get", "/wallet/{token}/{code}/verify-qr.{image}"): {
        "image/png": {"schema": _BINARY},
        "image/svg+xml": {"schema": {"type": "string"}},
    },
    ("get", "/wallet/{token}/{code}/offline-qr.{image}"): {
        "image/png": {"schema": _BINARY},
        "image/svg+xml": {"schema": {"type": "string"}},
    },
    ("get", "/wallet/{token}/{code}/certificate.pdf"): {"application/pdf": {"schema": _BINARY}},
}
