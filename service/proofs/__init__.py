"""Data Integrity proofs: the suites Tessera signs and verifies with, and one way to sign.

``eddsa-rdfc-2022`` is the default (Open Badges 3.0 and the W3C ecosystem expect it);
``eddsa-jcs-2022`` is offered for JSON-only peers; ``Ed25519Signature2020`` is verified
for legacy issuers and never produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from service.errors import UnsupportedProofError
from service.keys import Signer
from service.proofs.canonical import Canonicalizer
from service.proofs.data_integrity import Cryptosuite, VerifiedProof, add_proof, verify_proof
from service.proofs.eddsa_jcs_2022 import EddsaJcs2022
from service.proofs.eddsa_rdfc_2022 import Ed25519Signature2020, EddsaRdfc2022
from service.proofs.limits import Limits

DEFAULT_CRYPTOSUITE = "eddsa-rdfc-2022"
SIGNING_SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def verification_suites(canonicalizer: Canonicalizer) -> list[Cryptosuite]:
    """Every suite a verifier accepts."""
    return [EddsaRdfc2022(canonicalizer), EddsaJcs2022(), Ed25519Signature2020(canonicalizer)]


_signing_suites: WeakKeyDictionary[Canonicalizer, dict[str, Cryptosuite]] = WeakKeyDictionary()


def signing_suite(name: str, canonicalizer: Canonicalizer) -> Cryptosuite:
    """The suite called ``name`` for signing (one per canonicalizer, so its memo is reused);
    legacy suites are refused."""
    suites = _signing_suites.setdefault(canonicalizer, {})
    if name not in suites and name in SIGNING_SUITES:
        suites[name] = EddsaRdfc2022(canonicalizer) if name == "eddsa-rdfc-2022" else EddsaJcs2022()
    if name in suites:
        return suites[name]
    raise UnsupportedProofError(
        f"Cannot sign with {name!r}: choose one of {', '.join(SIGNING_SUITES)}."
    )


def sign(
    document: Mapping[str, Any],
    *,
    signer: Signer,
    canonicalizer: Canonicalizer,
    created: datetime,
    cryptosuite: str = DEFAULT_CRYPTOSUITE,
) -> dict[str, Any]:
    """Sign ``document`` (a copy is returned). Refuses anything canonicalization would drop,
    even for JCS, so every Tessera credential also verifies under RDFC-based verifiers."""
    suite = signing_suite(cryptosuite, canonicalizer)
    if cryptosuite != "eddsa-rdfc-2022":  # rdfc canonicalizes (strictly) while hashing anyway
        canonicalizer.canonicalize({k: v for k, v in document.items() if k != "proof"})
    return add_proof(document, signer=signer, suite=suite, created=created)


__all__ = [
    "DEFAULT_CRYPTOSUITE",
    "SIGNING_SUITES",
    "Canonicalizer",
    "Cryptosuite",
    "Ed25519Signature2020",
    "EddsaJcs2022",
    "EddsaRdfc2022",
    "Limits",
    "VerifiedProof",
    "add_proof",
    "sign",
    "signing_suite",
    "verification_suites",
    "verify_proof",
]
