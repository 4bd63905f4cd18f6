"""The signature checks: ``proof`` (every Data Integrity proof verifies) and ``issuer`` (each
proof's key is the issuer's, authorized for issuing and not declared compromised before it
signed). Like every check (:mod:`service.verification.checks`), a document in, a
:class:`~service.verification.checks.Check` out, never an exception for bad input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service.dates import format_utc, parse_datetime
from service.dids import Resolver
from service.errors import (
    VC_DM,
    CanonicalizationError,
    DidResolutionError,
    InputError,
    InvalidSignature,
    UnsupportedProofError,
)
from service.parties import issuer_of
from service.proofs.data_integrity import Cryptosuite, VerifiedProof, proofs_of, verify_proof
from service.verification.checks import Check, failed, passed, unknown

_CRYPTO = VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"


def check_proofs(
    document: Mapping[str, Any], *, suites: Sequence[Cryptosuite], resolver: Resolver
) -> tuple[Check, list[VerifiedProof]]:
    """The ``proof`` check: every Data Integrity proof verifies. Returns the check and the
    verified proofs (empty unless it passed)."""
    try:
        proofs = proofs_of(document)
    except InputError as exc:
        return failed("proof", str(exc), exc.problem_type), []
    if not proofs:
        return failed("proof", "The credential carries no proof: it was never signed.", _CRYPTO), []
    verified: list[VerifiedProof] = []
    for proof in proofs:
        try:
            verified.append(verify_proof(document, proof, suites=suites, resolver=resolver))
        except InvalidSignature as exc:
            return failed(
                "proof",
                "The signature does not match the content: the credential was changed after it "
                f"was signed, or signed with another key. ({exc})",
                exc.problem_type,
            ), []
        except DidResolutionError as exc:
            return unknown("proof", f"The signing key could not be found: {exc}"), []
        except (CanonicalizationError, UnsupportedProofError, InputError) as exc:
            return failed("proof", str(exc), exc.problem_type), []
    names = sorted({v.suite for v in verified})
    # A proof set (two assessors, say) names every key that signed: each one was checked.
    signers = f" by {' and '.join(v.method.id for v in verified)}" if len(verified) > 1 else ""
    return passed(
        "proof",
        f"{len(verified)} signature(s) verified ({', '.join(names)}){signers}; the content is "
        "unchanged.",
    ), verified


def check_issuer(document: Mapping[str, Any], verified: Sequence[VerifiedProof]) -> Check:
    """The ``issuer`` check: each verified proof's key is controlled by the issuer, listed
    under ``assertionMethod``, and was not declared compromised before the signature."""
    if not verified:
        return unknown("issuer", "Not checked: no signature was verified.")
    issuer = issuer_of(document)
    for proof in verified:
        method = proof.method
        if method.controller != issuer:
            return failed(
                "issuer",
                f"The credential names {issuer} as issuer, but it was signed with a key controlled "
                f"by {method.controller}.",
                _CRYPTO,
            )
        if "assertionMethod" not in method.relationships:
            return failed(
                "issuer",
                f"The key {method.id} is not authorized by {issuer} to issue credentials "
                "(it is not listed under assertionMethod).",
                _CRYPTO,
            )
        if method.revoked is not None:
            created = parse_datetime(proof.proof.get("created"), require_offset=True)
            if created is None or created >= method.revoked:
                when = (
                    f"made {format_utc(created, 'minute')}" if created else "with no creation date"
                )
                return failed(
                    "issuer",
                    f"The key {method.id} was declared compromised from "
                    f"{format_utc(method.revoked, 'minute')}, and this signature was {when}: anyone may "
                    "have made it. Ask the provider to issue the credential again.",
                    _CRYPTO,
                )
    return passed("issuer", f"Signed by {issuer} with a key it authorizes for issuing.")


__all__ = ["check_issuer", "check_proofs"]
