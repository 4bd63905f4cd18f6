"""The OpenAPI answers and bodies of the wallet-app operations (OpenID4VCI, OpenID4VP),
merged into :mod:`.answers` and :mod:`.document`."""

from __future__ import annotations

from typing import Any

_ISSUER = "https://tessera.example/issuers/bbz-hamburg"
_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
_OBJECT = {"type": "object"}
_STRINGS = {"type": "array", "items": {"type": "string"}}

_OFFER = {
    "type": "object",
    "required": ["credential_issuer", "credential_configuration_ids", "grants"],
    "properties": {
        "credential_issuer": {"type": "string", "format": "uri"},
        "credential_configuration_ids": _STRINGS,
        "grants": _OBJECT,
    },
}
_OFFER_EXAMPLE = {
    "credential_issuer": _ISSUER,
    "credential_configuration_ids": ["module-2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968"],
    "grants": {_GRANT: {"pre-authorized_code": "Vd3…"}},
}
_NEW_OFFER = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "credentialId": {"type": "string"},
        "credentialOfferUri": {"type": "string", "format": "uri"},
        "offerByReference": {"type": "string", "description": "openid-credential-offer:// link"},
        "offerByValue": {"type": "string", "description": "openid-credential-offer:// link"},
        "credentialOffer": _OFFER,
        "txCode": {"type": ["string", "null"], "description": "Send it to the learner apart."},
        "expiresAt": {"type": "string", "format": "date-time"},
    },
}

#: (method, path) -> (status, schema, example)
ANSWERS: dict[tuple[str, str], tuple[str, dict[str, Any], Any]] = {
    ("get", "/.well-known/openid-credential-issuer/issuers/{issuer}"): (
        "200",
        {
            "type": "object",
            "required": ["credential_issuer", "credential_endpoint"],
            "properties": {
                "credential_issuer": {"type": "string"},
                "credential_endpoint": {"type": "string"},
                "nonce_endpoint": {"type": "string"},
                "display": {"type": "array", "items": _OBJECT},
                "credential_configurations_supported": _OBJECT,
            },
        },
        {
            "credential_issuer": _ISSUER,
            "credential_endpoint": f"{_ISSUER}/credential",
            "nonce_endpoint": f"{_ISSUER}/nonce",
            "display": [{"name": "BBZ Hamburg", "locale": "de"}],
            "credential_configurations_supported": {"OpenBadgeCredential": {"format": "ldp_vc"}},
        },
    ),
    ("get", "/.well-known/oauth-authorization-server/issuers/{issuer}"): (
        "200",
        {
            "type": "object",
            "required": ["issuer", "token_endpoint"],
            "properties": {
                "issuer": {"type": "string"},
                "token_endpoint": {"type": "string"},
                "grant_types_supported": _STRINGS,
            },
        },
        {
            "issuer": _ISSUER,
            "token_endpoint": f"{_ISSUER}/token",
            "grant_types_supported": [_GRANT],
        },
    ),
    ("get", "/issuers/{issuer}/credential-offers/{ref}"): ("200", _OFFER, _OFFER_EXAMPLE),
    ("post", "/issuers/{issuer}/token"): (
        "200",
        {
            "type": "object",
            "required": ["access_token", "token_type"],
            "properties": {
                "access_token": {"type": "string"},
                "token_type": {"const": "Bearer"},
                "expires_in": {"type": "integer"},
            },
        },
        {"access_token": "q2…", "token_type": "Bearer", "expires_in": 300},
    ),
    ("post", "/issuers/{issuer}/nonce"): (
        "200",
        {"type": "object", "required": ["c_nonce"], "properties": {"c_nonce": {"type": "string"}}},
        {"c_nonce": "wKI4…"},
    ),
    ("post", "/issuers/{issuer}/credential"): (
        "200",
        {
            "type": "object",
            "required": ["credentials"],
            "properties": {
                "credentials": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"credential": _OBJECT}},
                }
            },
        },
        {
            "credentials": [
                {"credential": {"type": ["VerifiableCredential", "OpenBadgeCredential"]}}
            ]
        },
    ),
    ("post", "/openid4vp/response"): (
        "200",
        {
            "type": "object",
            "description": "Received: the verdict is on the employer's page (no redirect).",
            "properties": {
                "redirect_uri": {
                    "type": "string",
                    "format": "uri",
                    "description": "OpenID4VP §8.2; never sent here (the employer's screen "
                    "shows the verdict).",
                }
            },
        },
        {},
    ),
    ("post", "/issuers/{issuer}/credential-offers"): (
        "201",
        {"type": "object", "properties": {"offers": {"type": "array", "items": _NEW_OFFER}}},
        {
            "offers": [
                {
                    "id": "5b1e…",
                    "credentialId": "2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968",
                    "credentialOfferUri": f"{_ISSUER}/credential-offers/x7…",
                    "offerByReference": "openid-credential-offer://?credential_offer_uri=…",
                    "offerByValue": "openid-credential-offer://?credential_offer=…",
                    "credentialOffer": _OFFER_EXAMPLE,
                    "txCode": "493027",
                    "expiresAt": "2026-03-08T09:30:00+00:00",
                }
            ]
        },
    ),
}

#: Bodies the routes read field by field.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/issuers/{issuer}/credential-offers"): {
        "type": "object",
        "required": ["credentialIds"],
        "properties": {
            "credentialIds": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "txCode": {"type": "boolean", "default": False},
            "expiresInHours": {"type": "integer", "minimum": 1, "maximum": 2160, "default": 168},
        },
        "examples": [{"credentialIds": ["2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968"], "txCode": True}],
    },
}


def _form(
    properties: dict[str, Any], required: list[str], example: dict[str, str]
) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "required": required, "properties": properties},
                    "example": example,
                }
            },
        }
    }


_TEXT = {"type": "string"}
#: The request bodies the wallet-facing routes read themselves (their ``openapi_extra``).
TOKEN_REQUEST = _form(
    {"grant_type": {"const": _GRANT}, "pre-authorized_code": _TEXT, "tx_code": _TEXT},
    ["grant_type", "pre-authorized_code"],
    {"grant_type": _GRANT, "pre-authorized_code": "Vd3…", "tx_code": "493027"},
)
CREDENTIAL_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["credential_configuration_id"],
                    "properties": {
                        "credential_configuration_id": _TEXT,
                        "proofs": {
                            "type": "object",
                            "properties": {"jwt": {"type": "array", "items": _TEXT, "maxItems": 1}},
                        },
                    },
                },
                "example": {
                    "credential_configuration_id": "module-2f1c9a7e-5b3d-4c8f-9a0e-1d2c3b4a5968",
                    "proofs": {"jwt": ["eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCIs…"]},
                },
            }
        },
    }
}
PRESENTATION_RESPONSE = _form(
    {
        "vp_token": {"type": "string", "description": 'JSON: {"open_badge": [presentation]}'},
        "state": _TEXT,
    },
    ["vp_token", "state"],
    {"vp_token": '{"open_badge": [{"type": ["VerifiablePresentation"]}]}', "state": "k2…"},
)

#: Endpoints a wallet calls: their errors are OAuth 2.0 JSON (RFC 6749 §5.2), which wallets
#: parse, not problem+json. (method, path) -> the statuses they answer so.
OAUTH_ERRORS: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/issuers/{issuer}/token"): (400,),
    ("post", "/issuers/{issuer}/credential"): (400, 401),
    ("post", "/openid4vp/response"): (400,),
}
OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_OAUTH_EXAMPLES = {
    400: {
        "error": "invalid_grant",
        "error_description": "The pre-authorized code is unknown, used or expired: scan the offer again.",
    },
    401: {
        "error": "invalid_token",
        "error_description": "The access token is unknown, used or expired.",
    },
}


def oauth_error_response(status: int) -> dict[str, Any]:
    """An OAuth error answer as the OpenAPI document shows it."""
    return {
        "description": "OAuth 2.0 error (RFC 6749 §5.2; OID4VCI §8.3.1; OpenID4VP §8.2): "
        "`error` is the code, `error_description` says what to do.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/OAuthError"},
                "example": _OAUTH_EXAMPLES[status],
            }
        },
    }


__all__ = [
    "ANSWERS",
    "BODIES",
    "CREDENTIAL_REQUEST",
    "OAUTH_ERRORS",
    "OAUTH_ERROR_SCHEMA",
    "PRESENTATION_RESPONSE",
    "TOKEN_REQUEST",
    "oauth_error_response",
]
