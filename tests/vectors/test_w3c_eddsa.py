"""W3C Data Integrity EdDSA Cryptosuites v1.0 test vectors, as data.

Every suite directory is reproduced step by step (canonical document, canonical proof
configuration, both hashes, the signature, the proofValue, the whole signed credential), the
signed credential verifies, and each tamper variant fails. Sources: ``W3C_VECTORS`` (the
spec's ``TestVectors/`` folder), read in place.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTEXTS_BUNDLE, W3C_VECTORS, read_json

from service.contexts import ContextStore, UntrustedContextError
from service.dids import StaticResolver
from service.encoding import multibase_b58
from service.errors import InvalidSignature
from service.keys import (
    Ed25519Signer,
    decode_secret_multikey,
    encode_public_multikey,
    public_key_from_seed,
)
from service.proofs import (
    Canonicalizer,
    Cryptosuite,
    Ed25519Signature2020,
    EddsaJcs2022,
    EddsaRdfc2022,
    add_proof,
    verification_suites,
    verify_proof,
)
from service.proofs.data_integrity import unsecured
from service.proofs.eddsa_jcs_2022 import jcs
from service.verification.pipeline import Verifier, verify_credential

CITIZENSHIP_V4RC1 = "https://w3id.org/citizenship/v4rc1"
VECTOR_ISSUER = "https://vc.example/issuers/5678"
VECTOR_DID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
SET_CHAIN = W3C_VECTORS / "proof-set-chain"


@dataclass(frozen=True)
class SuiteVector:
    """One suite directory of the W3C vectors: file names share a suffix (DataInt, JCS, EdSig)."""

    name: str
    directory: Path
    suffix: str
    unsigned: Path  # the published unsigned document this vector signs
    extra_context: tuple[str, ...] = ()  # contexts the signed form appends to it
    issuer: str = VECTOR_ISSUER

    def text(self, stem: str) -> str:
        return (self.directory / f"{stem}{self.suffix}.txt").read_text(encoding="utf-8")

    def hex(self, stem: str) -> str:
        return self.text(stem).strip()

    def json(self, stem: str) -> dict[str, Any]:
        return read_json(self.directory / f"{stem}{self.suffix}.json")

    @property
    def signed(self) -> dict[str, Any]:
        return self.json("signed")

    @property
    def proof_config(self) -> dict[str, Any]:
        return self.json("proofConfig")

    @property
    def needs_citizenship(self) -> bool:
        return self.name.endswith("employ")


SUITE_VECTORS = [
    SuiteVector(
        "eddsa-rdfc-2022", W3C_VECTORS / "eddsa-rdfc-2022", "DataInt", W3C_VECTORS / "unsigned.json"
    ),
    SuiteVector(
        "eddsa-rdfc-2022-employ",
        W3C_VECTORS / "eddsa-rdfc-2022" / "employ",
        "DataInt",
        W3C_VECTORS / "employmentAuth.json",
        issuer="did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76",
    ),
    SuiteVector(
        "eddsa-jcs-2022", W3C_VECTORS / "eddsa-jcs-2022", "JCS", W3C_VECTORS / "unsigned.json"
    ),
    SuiteVector(
        "Ed25519Signature2020",
        W3C_VECTORS / "Ed25519Signature2020",
        "EdSig",
        W3C_VECTORS / "unsigned.json",
        extra_context=("https://w3id.org/security/suites/ed25519-2020/v1",),
    ),
]


@dataclass(frozen=True)
class Kit:
    """What one vector is processed with."""

    canonicalizer: Canonicalizer
    suite: Any
    verifier: Verifier

    def transform(self, document: dict[str, Any]) -> str:
        """The suite's canonical form, as text (N-Quads for RDFC, JSON for JCS)."""
        if isinstance(self.suite, EddsaJcs2022):
            return jcs(document).decode("utf-8")
        return self.canonicalizer.canonicalize(document)


@pytest.fixture(scope="module")
def employ_store(tmp_path_factory: pytest.TempPathFactory) -> ContextStore:
    """A separate store in which the operator also trusts the citizenship context."""
    store = ContextStore(tmp_path_factory.mktemp("employ-contexts"))
    store.install_from_dir(CONTEXTS_BUNDLE)
    store.add(CITIZENSHIP_V4RC1, (CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld").read_bytes())
    return store


def _verifier(store: ContextStore, canonicalizer: Canonicalizer) -> Verifier:
    return Verifier(
        contexts=store, suites=verification_suites(canonicalizer), resolver=StaticResolver()
    )


def _suite(vector: SuiteVector, canonicalizer: Canonicalizer) -> Cryptosuite:
    if vector.suffix == "JCS":
        return EddsaJcs2022()
    if vector.suffix == "EdSig":
        return Ed25519Signature2020(canonicalizer)
    return EddsaRdfc2022(canonicalizer)


@pytest.fixture(params=SUITE_VECTORS, ids=lambda v: v.name)
def vector(request: pytest.FixtureRequest) -> SuiteVector:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def kit(
    vector: SuiteVector,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
    employ_store: ContextStore,
) -> Kit:
    if vector.needs_citizenship:
        store = employ_store
        canon = Canonicalizer(loader=employ_store.document_loader())
    else:
        store, canon = context_store, canonicalizer
    return Kit(canonicalizer=canon, suite=_suite(vector, canon), verifier=_verifier(store, canon))


def _signer(private_key_multibase: str, public_key_multibase: str) -> Ed25519Signer:
    did = f"did:key:{public_key_multibase}"
    return Ed25519Signer(
        decode_secret_multikey(private_key_multibase),
        verification_method=f"{did}#{public_key_multibase}",
    )


# -- the vector's own consistency -----------------------------------------------------------


def test_vector_key_pair_is_consistent() -> None:
    pair = read_json(W3C_VECTORS / "keyPair.json")
    seed = decode_secret_multikey(pair["privateKeyMultibase"])
    assert encode_public_multikey(public_key_from_seed(seed)) == pair["publicKeyMultibase"]
    assert f"did:key:{pair['publicKeyMultibase']}" == VECTOR_DID


def test_unsigned_document_is_the_signed_one_without_proof(vector: SuiteVector) -> None:
    expected = read_json(vector.unsigned)
    expected["@context"] = [*expected["@context"], *vector.extra_context]
    assert unsecured(vector.signed) == expected


# -- reproduce every step -----------------------------------------------------------------


def test_canonical_document(vector: SuiteVector, kit: Kit) -> None:
    assert kit.transform(unsecured(vector.signed)) == vector.text("canonDoc")


def test_canonical_proof_configuration(vector: SuiteVector, kit: Kit) -> None:
    assert kit.transform(vector.proof_config) == vector.text("proofCanon")


def test_hashes(vector: SuiteVector, kit: Kit) -> None:
    document, config = unsecured(vector.signed), vector.proof_config
    proof_hash = hashlib.sha256(kit.transform(config).encode("utf-8")).hexdigest()
    doc_hash = hashlib.sha256(kit.transform(document).encode("utf-8")).hexdigest()
    assert proof_hash == vector.hex("proofHash")
    assert doc_hash == vector.hex("docHash")
    combined = kit.suite.hash_data(document=document, proof_config=config)
    assert combined.hex() == vector.hex("combinedHash") == proof_hash + doc_hash


def test_signature_and_proof_value(
    vector: SuiteVector, kit: Kit, vector_signer: Ed25519Signer
) -> None:
    data = kit.suite.hash_data(document=unsecured(vector.signed), proof_config=vector.proof_config)
    signature = vector_signer.sign(data)
    assert signature.hex() == vector.hex("sigHex")
    assert (
        multibase_b58(signature) == vector.hex("sigBTC58") == vector.signed["proof"]["proofValue"]
    )


def test_add_proof_reproduces_the_signed_credential(
    vector: SuiteVector, kit: Kit, vector_signer: Ed25519Signer
) -> None:
    signed = add_proof(
        unsecured(vector.signed), signer=vector_signer, suite=kit.suite, created=CREATED
    )
    assert signed == vector.signed
    # Including the member order of the proof, which the vector shows.
    assert list(signed["proof"]) == list(vector.signed["proof"])


# -- verification ---------------------------------------------------------------------------


def test_signed_vector_proof_verifies(vector: SuiteVector, kit: Kit) -> None:
    signed = vector.signed
    verified = verify_proof(
        signed, signed["proof"], suites=kit.verifier.suites, resolver=kit.verifier.resolver
    )
    assert verified.method.controller == VECTOR_DID
    assert verified.suite == (signed["proof"].get("cryptosuite") or signed["proof"]["type"])


def test_issuer_is_not_the_key_controller(vector: SuiteVector, kit: Kit) -> None:
    """The vectors' issuer does not control their did:key: proof passes, issuer fails."""
    result = verify_credential(json.dumps(vector.signed), verifier=kit.verifier, now=NOW)
    statuses = {c.check: c.status for c in result.checks}
    assert statuses["parse"] == statuses["context"] == statuses["proof"] == "passed"
    assert statuses["validity"] == "passed"
    assert statuses["issuer"] == "failed"
    assert result.issuer == vector.issuer
    detail = result.check("issuer").detail
    assert vector.issuer in detail and VECTOR_DID in detail
    assert result.verified is False


def test_employ_vector_needs_the_citizenship_context(
    context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    """Without the operator's extra pin, the employ vector is refused at the context check."""
    employ = SUITE_VECTORS[1]
    assert CITIZENSHIP_V4RC1 not in context_store.pins()
    result = verify_credential(
        employ.signed, verifier=_verifier(context_store, canonicalizer), now=NOW
    )
    assert result.check("context").status == "failed"
    assert CITIZENSHIP_V4RC1 in result.check("context").detail
    assert result.check("proof").status == "unknown"
    assert result.verified is False
    with pytest.raises(UntrustedContextError) as caught:
        canonicalizer.canonicalize(unsecured(employ.signed))
    assert caught.value.url == CITIZENSHIP_V4RC1


# -- tamper variants --------------------------------------------------------------------------

OTHER_KEY = read_json(SET_CHAIN / "multiKeyPairs.json")["keyPair1"]["publicKeyMultibase"]


def _change_value(doc: dict[str, Any]) -> None:
    doc["name"] = doc["name"] + "!"


def _change_subject_value(doc: dict[str, Any]) -> None:
    subject = doc["credentialSubject"]
    key = "alumniOf" if "alumniOf" in subject else "givenName"
    subject[key] = subject[key].lower()


def _add_defined_property(doc: dict[str, Any]) -> None:
    doc["validUntil"] = "2099-01-01T00:00:00Z"  # defined by credentials/v2


def _add_undefined_property(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["favouriteColour"] = "red"


def _remove_property(doc: dict[str, Any]) -> None:
    del doc["description"]


def _change_created(doc: dict[str, Any]) -> None:
    doc["proof"]["created"] = "2023-02-24T23:36:39Z"


def _change_proof_value_one_char(doc: dict[str, Any]) -> None:
    value = doc["proof"]["proofValue"]
    middle = len(value) // 2
    replacement = "2" if value[middle] != "2" else "3"
    doc["proof"]["proofValue"] = value[:middle] + replacement + value[middle + 1 :]


def _swap_verification_key(doc: dict[str, Any]) -> None:
    doc["proof"]["verificationMethod"] = f"did:key:{OTHER_KEY}#{OTHER_KEY}"


TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "change-value": _change_value,
    "change-subject-value": _change_subject_value,
    "add-defined-property": _add_defined_property,
    "add-undefined-property": _add_undefined_property,
    "remove-property": _remove_property,
    "change-proof-created": _change_created,
    "change-proofValue-one-char": _change_proof_value_one_char,
    "swap-verificationMethod-key": _swap_verification_key,
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_tampered_vector_fails_the_proof_check(
    vector: SuiteVector, kit: Kit, tamper: Callable[[dict[str, Any]], None]
) -> None:
    tampered = copy.deepcopy(vector.signed)
    tamper(tampered)
    assert tampered != vector.signed
    result = verify_credential(tampered, verifier=kit.verifier, now=NOW)
    assert result.check("proof").status == "failed", result.check("proof")
    assert result.check("issuer").status == "unknown"
    assert result.verified is False


# -- proof sets and chains ------------------------------------------------------------------

KEY_PAIRS = read_json(SET_CHAIN / "multiKeyPairs.json")


def _pair_signer(name: str) -> Ed25519Signer:
    pair = KEY_PAIRS[name]
    return _signer(pair["privateKeyMultibase"], pair["publicKeyMultibase"])


SET_CHAIN_DOCUMENTS = {
    "signedProofSet1.json": 1,
    "signedProofSet2.json": 2,
    "signedProofChain1.json": 3,
    "signedProofChain2.json": 4,
}


@pytest.mark.parametrize(("name", "proofs"), SET_CHAIN_DOCUMENTS.items())
def test_proof_set_and_chain_verify(
    name: str, proofs: int, context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    document = read_json(SET_CHAIN / name)
    verifier = _verifier(context_store, canonicalizer)
    listed = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    assert len(listed) == proofs
    for proof in listed:
        verified = verify_proof(document, proof, suites=verifier.suites, resolver=verifier.resolver)
        assert verified.method.id == proof["verificationMethod"]
    result = verify_credential(document, verifier=verifier, now=NOW)
    assert result.check("proof").status == "passed"
    assert f"{proofs} signature(s)" in result.check("proof").detail
    assert result.check("issuer").status == "failed"  # same issuer/controller mismatch


@pytest.mark.parametrize(
    ("key", "config", "signed_config"),
    [
        ("keyPair1", "proofSetConfig1.json", "proofSetConfigSigned1.json"),
        ("keyPair2", "proofSetConfig2.json", "proofSetConfigSigned2.json"),
    ],
)
def test_proof_set_members_reproduce(
    key: str, config: str, signed_config: str, canonicalizer: Canonicalizer
) -> None:
    options = read_json(SET_CHAIN / config)
    signed = add_proof(
        read_json(SET_CHAIN / "unsigned.json"),
        signer=_pair_signer(key),
        suite=EddsaRdfc2022(canonicalizer),
        created=datetime.fromisoformat(options["created"]),
        proof_id=options["id"],
    )
    assert signed["proof"] == read_json(SET_CHAIN / signed_config)


def test_proof_set_grows_by_adding_a_proof(canonicalizer: Canonicalizer) -> None:
    """Adding a proof to a signed document makes a set; existing proofs are not signed over."""
    first = read_json(SET_CHAIN / "signedProofSet1.json")
    options = read_json(SET_CHAIN / "proofSetConfig2.json")
    both = add_proof(
        first,
        signer=_pair_signer("keyPair2"),
        suite=EddsaRdfc2022(canonicalizer),
        created=datetime.fromisoformat(options["created"]),
        proof_id=options["id"],
    )
    assert both == read_json(SET_CHAIN / "signedProofSet2.json")


@pytest.mark.parametrize(
    ("key", "temp_doc", "config", "signed_config"),
    [
        (
            "keyPair3",
            "proofChainTempDoc1.json",
            "proofChainConfig1.json",
            "proofChainConfigSigned1.json",
        ),
        (
            "keyPair4",
            "proofChainTempDoc2.json",
            "proofChainConfig2.json",
            "proofChainConfigSigned2.json",
        ),
    ],
)
def test_proof_chain_members_reproduce(
    key: str, temp_doc: str, config: str, signed_config: str, canonicalizer: Canonicalizer
) -> None:
    """A chained proof signs the document together with the proofs it names (§4.4 step 4)."""
    document = read_json(SET_CHAIN / temp_doc)
    options = read_json(SET_CHAIN / config)
    suite = EddsaRdfc2022(canonicalizer)
    data = suite.hash_data(
        document=document, proof_config={**options, "@context": document["@context"]}
    )
    proof_value = multibase_b58(_pair_signer(key).sign(data))
    assert proof_value == read_json(SET_CHAIN / signed_config)["proofValue"]


def test_chain_proof_without_its_previous_proofs_is_refused(
    context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    """proofChainTempDoc2 carries a proof whose previousProof entries are absent."""
    result = verify_credential(
        read_json(SET_CHAIN / "proofChainTempDoc2.json"),
        verifier=_verifier(context_store, canonicalizer),
        now=NOW,
    )
    assert result.check("proof").status == "failed"
    assert "previousProof" in result.check("proof").detail


@pytest.mark.parametrize("dropped", [0, 1])
def test_chain_with_a_previous_proof_removed_fails(
    dropped: int, context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    document = read_json(SET_CHAIN / "signedProofChain1.json")
    del document["proof"][dropped]
    result = verify_credential(document, verifier=_verifier(context_store, canonicalizer), now=NOW)
    assert result.check("proof").status == "failed"
    assert result.verified is False


def test_chain_with_a_previous_proof_altered_fails(
    context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    """Changing an earlier proof breaks it and the chained proof that signed over it."""
    document = read_json(SET_CHAIN / "signedProofChain1.json")
    verifier = _verifier(context_store, canonicalizer)
    document["proof"][0]["created"] = "2023-02-24T23:36:39Z"
    chained = document["proof"][2]
    with pytest.raises(InvalidSignature):
        verify_proof(document, chained, suites=verifier.suites, resolver=verifier.resolver)
    result = verify_credential(document, verifier=verifier, now=NOW)
    assert result.check("proof").status == "failed"
