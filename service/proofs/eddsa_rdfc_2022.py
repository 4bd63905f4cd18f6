"""The ``eddsa-rdfc-2022`` cryptosuite (Data Integrity EdDSA Cryptosuites v1.0 §3.3).

Transformation is RDFC-1.0 canonicalization; hashing is SHA-256 of the canonical proof
configuration followed by SHA-256 of the canonical document (§3.3.4). The legacy
``Ed25519Signature2020`` suite hashes exactly the same way, so it is the same class with
another proof type and no ``cryptosuite`` property.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from service.proofs.canonical import Canonicalizer


class EddsaRdfc2022:
    """eddsa-rdfc-2022: Ed25519 over RDFC-1.0 canonical N-Quads."""

    proof_type = "DataIntegrityProof"
    cryptosuite: str | None = "eddsa-rdfc-2022"

    def __init__(self, canonicalizer: Canonicalizer) -> None:
        self.canonicalizer = canonicalizer
        self._config_hashes: dict[str, bytes] = {}

    def _proof_config_hash(self, proof_config: Mapping[str, Any]) -> bytes:
        """SHA-256 of the canonical proof configuration, memoized by its exact JSON.

        A cohort is signed with one key at one ``created`` time, so every credential shares
        this value; canonicalization is a pure function of the JSON, so the memo is exact.
        """
        key = json.dumps(proof_config, sort_keys=True, ensure_ascii=False)
        digest = self._config_hashes.get(key)
        if digest is None:
            nquads = self.canonicalizer.canonicalize(proof_config)
            digest = hashlib.sha256(nquads.encode("utf-8")).digest()
            if len(self._config_hashes) >= 1024:
                self._config_hashes.clear()
            self._config_hashes[key] = digest
        return digest

    def hash_data(self, *, document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
        doc_nquads = self.canonicalizer.canonicalize(document)
        return (
            self._proof_config_hash(proof_config)
            + hashlib.sha256(doc_nquads.encode("utf-8")).digest()
        )


class Ed25519Signature2020(EddsaRdfc2022):
    """Legacy ``Ed25519Signature2020`` (verify only in practice; other issuers still send it)."""

    proof_type = "Ed25519Signature2020"
    cryptosuite: str | None = None


__all__ = ["Ed25519Signature2020", "EddsaRdfc2022"]
