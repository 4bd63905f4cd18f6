"""What every operation answers in JSON, for the OpenAPI document: one typed schema and an
example for each success answer. The answers of some areas are tables of their own, merged
here: :mod:`.ops`, :mod:`.verification`, :mod:`.jobs`, :mod:`.pathways`, :mod:`.oid4vc`.

``tests/api/test_openapi.py`` fails when an operation has no typed success answer or no
example, and validates real answers of many operations against what is documented here.
"""

from __future__ import annotations

from typing import Any

from service.api.openapi import jobs, oid4vc, ops, pathways, verification
from service.api.openapi.components import (
    EXAMPLE_DID,
    EXAMPLE_ID,
    EXAMPLE_TIME,
    ID,
    NEW_WALLET_LINK_EXAMPLE,
    SCHEMAS,
    TIME,
    URI,
    VC_EXAMPLE,
    WALLET_LINK_EXAMPLE,
    list_of,
    ref,
)

#: JSON answers: (method, path) -> (status, schema, example).
JSON_ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("post", "/issuers"): (
        "201",
        {
            "type": "object",
            "required": ["slug", "did", "apiKey"],
            "properties": {
                "slug": {"type": "string"},
                "did": {"type": "string"},
                "apiKey": ref("NewApiKey"),
                "didDocument": URI,
            },
        },
        {
            "slug": "bbz-hamburg",
            "did": EXAMPLE_DID,
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
            "id": EXAMPLE_DID,
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
        list_of("ProgrammeRecord"),
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
        list_of("ModuleRecord"),
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
                "walletUrl": URI,
            },
        },
        {"verifiableCredential": VC_EXAMPLE, "walletUrl": "https://tessera.example/wallet/…"},
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
                            "walletLinkId": ID,
                            "walletUrl": URI,
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
        {"issued": 1, "credentialIds": [f"urn:uuid:{EXAMPLE_ID}"], "walletLinks": []},
    ),
    ("post", "/credentials/issue"): (
        "201",
        {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {"verifiableCredential": ref("VerifiableCredential")},
        },
        {"verifiableCredential": VC_EXAMPLE},
    ),
    ("get", "/issuers/{issuer}/credentials"): (
        "200",
        list_of("IssuedCredential"),
        [
            {
                "id": EXAMPLE_ID,
                "credentialId": f"urn:uuid:{EXAMPLE_ID}",
                "learnerName": "Amina Haddad",
                "moduleId": EXAMPLE_ID,
                "issuedAt": EXAMPLE_TIME,
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
        {"verifiableCredential": VC_EXAMPLE},
    ),
    ("post", "/issuers/{issuer}/api-keys"): (
        "201",
        ref("NewApiKey"),
        SCHEMAS["NewApiKey"]["example"],
    ),
    ("get", "/issuers/{issuer}/api-keys"): (
        "200",
        list_of("ApiKey"),
        [
            {
                "id": EXAMPLE_ID,
                "label": "registrar laptop",
                "scopes": ["issue"],
                "createdAt": EXAMPLE_TIME,
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
                "since": TIME,
                "signingKey": {
                    "type": ["string", "null"],
                    "description": "The new signing key's verification method, when the "
                    "signing key was revoked.",
                },
            },
        },
        {
            "revoked": f"{EXAMPLE_DID}#key-1",
            "since": EXAMPLE_TIME,
            "signingKey": f"{EXAMPLE_DID}#key-2",
        },
    ),
    ("get", "/issuers/{issuer}/audit"): (
        "200",
        list_of("AuditEntry"),
        [
            {
                "at": EXAMPLE_TIME,
                "actor": f"key:{EXAMPLE_ID}",
                "action": "credential.revoke",
                "subject": EXAMPLE_ID,
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
    ("post", "/issuers/{issuer}/wallet-links"): (
        "201",
        ref("NewWalletLink"),
        NEW_WALLET_LINK_EXAMPLE,
    ),
    ("get", "/issuers/{issuer}/wallet-links"): (
        "200",
        list_of("WalletLink"),
        [WALLET_LINK_EXAMPLE],
    ),
    ("get", "/issuers/{issuer}/wallet-links/{link_id}"): (
        "200",
        ref("WalletLink"),
        WALLET_LINK_EXAMPLE,
    ),
    ("post", "/issuers/{issuer}/wallet-links/{link_id}/renew"): (
        "200",
        ref("NewWalletLink"),
        NEW_WALLET_LINK_EXAMPLE,
    ),
    # JSON under their own media types (JSON-LD, DID, VC files).
    ("get", "/issuers/{issuer}/did.json"): (
        "200",
        ref("DidDocument"),
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": EXAMPLE_DID,
            "verificationMethod": [
                {
                    "id": f"{EXAMPLE_DID}#key-1",
                    "type": "Multikey",
                    "controller": EXAMPLE_DID,
                    "publicKeyMultibase": "z6Mk…",
                }
            ],
            "assertionMethod": [f"{EXAMPLE_DID}#key-1"],
        },
    ),
    ("get", "/status/{list_id}"): (
        "200",
        ref("VerifiableCredential"),
        {
            **VC_EXAMPLE,
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
            "verifiableCredential": [VC_EXAMPLE],
        },
    ),
    ("get", "/wallet/{token}/{code}/credential.json"): (
        "200",
        ref("VerifiableCredential"),
        VC_EXAMPLE,
    ),
}

# the areas that keep their components beside their answers
SCHEMAS.update(pathways.SCHEMAS)
SCHEMAS.update(jobs.SCHEMAS)
JSON_ANSWERS.update(ops.ANSWERS)
JSON_ANSWERS.update(jobs.JSON_ANSWERS)
JSON_ANSWERS.update(verification.ANSWERS)
JSON_ANSWERS.update(pathways.JSON_ANSWERS)
JSON_ANSWERS.update(oid4vc.ANSWERS)
for _award in (("post", "/issuers/{issuer}/awards"), ("post", "/issuers/{issuer}/awards/batch")):
    JSON_ANSWERS[_award][1]["properties"]["qualifications"] = pathways.AWARDED


__all__ = ["JSON_ANSWERS"]
