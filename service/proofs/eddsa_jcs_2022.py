"""The ``eddsa-jcs-2022`` cryptosuite (Data Integrity EdDSA Cryptosuites v1.0 §3.4).

Transformation is the JSON Canonicalization Scheme (RFC 8785); no JSON-LD processing, so
the document's contexts are still checked by the verification pipeline, not here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785

from service.errors import CanonicalizationError


def jcs(value: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON bytes, or :class:`CanonicalizationError` for non-JSON values."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CanonicalizationError(f"The document cannot be JCS-canonicalized: {exc}") from exc


class EddsaJcs2022:
    """eddsa-jcs-2022: Ed25519 over RFC 8785 canonical JSON."""

    proof_type = "DataIntegrityProof"
    cryptosuite: str | None = "eddsa-jcs-2022"
    #: The proof itself carries ``@context`` (§3.4.1 Create Proof, step 2).
    embeds_context = True

    def hash_data(self, *, document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
        return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


__all__ = ["EddsaJcs2022", "jcs"]
