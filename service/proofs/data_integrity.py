"""Data Integrity proofs (W3C VC Data Integrity 1.0): add a proof, verify one, proof sets/chains.

The algorithms common to every suite live here (§4.2 Add Proof, §4.4 Verify Proof, proof
sets and chains in §2.1.2); a suite only says how to turn a document and a proof
configuration into the bytes that get signed (:class:`Cryptosuite`). Suites raise, the
pipeline in ``service.verification.pipeline`` turns errors into checks.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from service.dates import format_utc
from service.dids import Resolver, VerificationMethod
from service.encoding import decode_multibase_b58, multibase_b58
from service.errors import InputError, InvalidSignature, UnsupportedProofError
from service.keys import Signer, verify_signature
from service.proofs.pyld_fast import copy_json

JsonObject = dict[str, Any]


class Cryptosuite(Protocol):
    """How one suite turns (unsecured document, proof configuration) into signed bytes."""

    proof_type: str
    cryptosuite: str | None

    def hash_data(self, *, document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
        """The bytes to sign: ``hash(proof config) || hash(document)`` for the eddsa suites."""
        ...


@dataclass(frozen=True)
class VerifiedProof:
    """A proof whose signature checked out, and the key that made it."""

    proof: JsonObject
    method: VerificationMethod
    suite: str


def proofs_of(document: Mapping[str, Any]) -> list[JsonObject]:
    """The document's proofs as a list (``proof`` may be one object or a set)."""
    raw = document.get("proof")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(p, dict) for p in items):
        raise InputError("Each proof must be a JSON object.")
    return list(items)


def unsecured(document: Mapping[str, Any]) -> JsonObject:
    """A deep copy of the document without its ``proof``."""
    return {k: copy_json(v) for k, v in document.items() if k != "proof"}


def add_proof(
    document: Mapping[str, Any],
    *,
    signer: Signer,
    suite: Cryptosuite,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    proof_id: str | None = None,
) -> JsonObject:
    """Return a copy of ``document`` with one more proof (§4.2); existing proofs form a set."""
    existing = proofs_of(document)
    base = unsecured(document)
    options: JsonObject = {"type": suite.proof_type}
    if proof_id is not None:
        options["id"] = proof_id
    if suite.cryptosuite is not None:
        options["cryptosuite"] = suite.cryptosuite
    options["created"] = format_utc(created)
    options["verificationMethod"] = signer.verification_method
    options["proofPurpose"] = proof_purpose
    if getattr(suite, "embeds_context", False) and "@context" in base:
        # eddsa-jcs-2022 §3.4.1 step 2: the proof carries the document's @context, because a
        # JCS verifier hashes the proof options exactly as they are shipped.
        options["@context"] = copy.deepcopy(base["@context"])
    config = {**options, "@context": copy.deepcopy(base.get("@context"))}
    signature = signer.sign(suite.hash_data(document=base, proof_config=config))
    proof = {**options, "proofValue": multibase_b58(signature)}
    signed = dict(base)
    signed["proof"] = [*existing, proof] if existing else proof
    return signed


def verify_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    suites: Sequence[Cryptosuite],
    resolver: Resolver,
    purpose: str = "assertionMethod",
) -> VerifiedProof:
    """Verify one proof of ``document`` (§4.4). Raises on any failure, returns the key on success.

    ``purpose`` is the ``proofPurpose`` the proof must state: ``assertionMethod`` for a
    credential, ``authentication`` for a presentation.

    A proof with ``previousProof`` (a chain) is verified over the document carrying the proofs
    it names, as §4.4 step 4 requires.
    """
    suite = select_suite(proof, suites)
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise InputError("The proof has no proofValue string.")
    signature = decode_multibase_b58(proof_value, what="proofValue")
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str):
        raise InputError("The proof has no verificationMethod string.")
    if proof.get("proofPurpose") != purpose:
        what = "a presentation" if purpose == "authentication" else "a credential"
        raise InputError(
            f"The proof's purpose is {proof.get('proofPurpose')!r}; {what} needs {purpose!r}."
        )

    base = unsecured(document)
    previous = proof.get("previousProof")
    if previous is not None:
        wanted = previous if isinstance(previous, list) else [previous]
        chain = [p for p in proofs_of(document) if p.get("id") in wanted]
        if len(chain) != len(wanted):
            raise InputError(f"previousProof names proofs that are not in the document: {wanted}.")
        base["proof"] = chain[0] if len(chain) == 1 else chain

    options = {k: copy.deepcopy(v) for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # §4.4 step 3: the document's @context must start with the proof's @context.
        doc_ctx = _as_list(base.get("@context"))
        proof_ctx = _as_list(options["@context"])
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            raise InputError(
                "The proof's @context does not match the start of the document's @context."
            )
        base["@context"] = options["@context"]
    options["@context"] = copy.deepcopy(base.get("@context"))

    method = resolver.resolve(vm_id)
    data = suite.hash_data(document=base, proof_config=options)
    verify_signature(public_key=method.public_key, data=data, signature=signature)
    return VerifiedProof(
        proof=dict(proof), method=method, suite=suite.cryptosuite or suite.proof_type
    )


def select_suite(proof: Mapping[str, Any], suites: Sequence[Cryptosuite]) -> Cryptosuite:
    """The suite that handles ``proof``'s type and cryptosuite, or :class:`UnsupportedProofError`."""
    for suite in suites:
        if proof.get("type") == suite.proof_type and proof.get("cryptosuite") == suite.cryptosuite:
            return suite
    names = ", ".join(s.cryptosuite or s.proof_type for s in suites)
    raise UnsupportedProofError(
        f"Proof type {proof.get('type')!r} with cryptosuite {proof.get('cryptosuite')!r} is not "
        f"supported. Tessera verifies: {names}."
    )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


__all__ = [
    "Cryptosuite",
    "InvalidSignature",
    "VerifiedProof",
    "add_proof",
    "proofs_of",
    "select_suite",
    "unsecured",
    "verify_proof",
]
