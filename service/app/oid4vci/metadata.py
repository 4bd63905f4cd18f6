"""What a wallet reads before anything else: the Credential Issuer Metadata (OID4VCI §12.2)
and the RFC 8414 metadata of the provider's authorization server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service.app.oid4vci.common import (
    CLR_CONFIGURATION,
    GENERIC_CONFIGURATION,
    MODULE_PREFIX,
    PRE_AUTHORIZED_GRANT,
    issuer_identifier,
)
from service.proofs import DEFAULT_CRYPTOSUITE
from service.store.records import Issuer


def _configuration(display: list[dict[str, str]], *, clr: bool = False) -> dict[str, Any]:
    from service.credentials.openbadges import CONTEXTS
    from service.credentials.qualification import CLR_CONTEXTS

    contexts = CLR_CONTEXTS if clr else CONTEXTS
    kind = CLR_CONFIGURATION if clr else GENERIC_CONFIGURATION
    return {
        "format": "ldp_vc",
        "credential_definition": {
            "@context": list(contexts),
            "type": ["VerifiableCredential", kind],
        },
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
        "credential_signing_alg_values_supported": [DEFAULT_CRYPTOSUITE],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        },
        "credential_metadata": {"display": display},
    }


def issuer_metadata(
    *, issuer: Issuer, modules: Sequence[Mapping[str, Any]], base_url: str
) -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2): one ``ldp_vc`` configuration per catalogue module,
    displayed under its name in every language the catalogue gives it, plus the generic one.

    ``modules`` are ``{"id": ..., "data": module data}``."""
    ident = issuer_identifier(base_url, issuer.slug)
    languages: list[str] = []
    configurations: dict[str, Any] = {
        GENERIC_CONFIGURATION: _configuration([{"name": "Open Badge", "locale": "en"}]),
        CLR_CONFIGURATION: _configuration(
            [{"name": "Comprehensive Learner Record", "locale": "en"}], clr=True
        ),
    }
    for module in modules:
        names = module["data"].get("name") or {}
        display = [{"name": str(text), "locale": lang} for lang, text in sorted(names.items())]
        languages.extend(lang for lang in names if lang not in languages)
        configurations[f"{MODULE_PREFIX}{module['id']}"] = _configuration(display)
    return {
        "credential_issuer": ident,
        "credential_endpoint": f"{ident}/credential",
        "nonce_endpoint": f"{ident}/nonce",
        "display": [{"name": issuer.name, "locale": lang} for lang in languages or ["en"]],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(*, issuer: Issuer, base_url: str) -> dict[str, Any]:
    """RFC 8414 metadata of the provider's authorization server (pre-authorized code only)."""
    ident = issuer_identifier(base_url, issuer.slug)
    return {
        "issuer": ident,
        "token_endpoint": f"{ident}/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


__all__ = ["authorization_server_metadata", "issuer_metadata"]
