"""Tessera against the reference JavaScript stack (@digitalbazaar/vc, eddsa-rdfc-2022).

Both directions: what Tessera signs, the reference verifies, and what the reference signs,
Tessera verifies; tampering is caught on both sides; and both canonicalize alike.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import W3C_VECTORS, read_json
from factories import ISSUER_DID_KEY, open_badge_credential, small_credential

from service.contexts import CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1, ContextStore
from service.dids import StaticResolver, controller_document
from service.keys import Ed25519Signer, decode_secret_multikey
from service.proofs import Canonicalizer, sign, verification_suites
from service.verification.pipeline import Verifier, verify_credential

pytestmark = pytest.mark.interop

PAIR = read_json(W3C_VECTORS / "keyPair.json")
MULTIKEY = PAIR["publicKeyMultibase"]
DID_WEB = "did:web:vtc-hamburg.example:issuers:weld"
DID_WEB_VM = f"{DID_WEB}#key-1"
CREATED = "2025-03-01T00:00:00Z"
SIGNED_AT = datetime(2025, 3, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)
NOW_TEXT = "2025-06-01T00:00:00Z"


@dataclass(frozen=True)
class Issuer:
    """An issuer identity both implementations sign with."""

    name: str
    controller: str
    verification_method: str
    did_documents: dict[str, Any]

    def js_key(self) -> dict[str, str]:
        return {
            "publicKeyMultibase": MULTIKEY,
            "secretKeyMultibase": PAIR["privateKeyMultibase"],
            "controller": self.controller,
            "id": self.verification_method,
        }

    def signer(self) -> Ed25519Signer:
        return Ed25519Signer(
            decode_secret_multikey(PAIR["privateKeyMultibase"]),
            verification_method=self.verification_method,
        )

    def resolver(self) -> StaticResolver:
        return StaticResolver(self.did_documents)


ISSUERS = [
    Issuer("did-key", ISSUER_DID_KEY, f"{ISSUER_DID_KEY}#{MULTIKEY}", {}),
    Issuer(
        "did-web",
        DID_WEB,
        DID_WEB_VM,
        {DID_WEB: controller_document(DID_WEB, [(DID_WEB_VM, MULTIKEY)])},
    ),
]
FACTORIES: dict[str, Callable[[str], dict[str, Any]]] = {
    "small": small_credential,
    "open-badge": open_badge_credential,
}


@pytest.fixture(params=ISSUERS, ids=lambda i: i.name)
def issuer(request: pytest.FixtureRequest) -> Issuer:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=FACTORIES.values(), ids=FACTORIES.keys())
def credential(request: pytest.FixtureRequest, issuer: Issuer) -> dict[str, Any]:
    return request.param(issuer.controller)  # type: ignore[no-any-return]


def _js_verify(node: Any, document: dict[str, Any], issuer: Issuer) -> dict[str, Any]:
    return node.request(  # type: ignore[no-any-return]
        {
            "op": "verify",
            "credential": document,
            "didDocuments": issuer.did_documents,
            "now": NOW_TEXT,
        }
    )


def _tessera_verify(
    document: dict[str, Any], issuer: Issuer, store: ContextStore, canonicalizer: Canonicalizer
) -> Any:
    verifier = Verifier(
        contexts=store, suites=verification_suites(canonicalizer), resolver=issuer.resolver()
    )
    return verify_credential(document, verifier=verifier, now=NOW)


def _tamper(document: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    tampered["validFrom"] = "2024-01-01T00:00:00Z"
    return tampered


# -- Tessera signs, the reference verifies ------------------------------------------------------


def test_tessera_signed_verifies_in_js(
    node: Any, credential: dict[str, Any], issuer: Issuer, canonicalizer: Canonicalizer
) -> None:
    signed = sign(
        credential, signer=issuer.signer(), canonicalizer=canonicalizer, created=SIGNED_AT
    )
    outcome = _js_verify(node, signed, issuer)
    assert outcome["verified"], outcome["errors"]
    tampered = _js_verify(node, _tamper(signed), issuer)
    assert not tampered["verified"]


def test_js_refuses_tessera_credential_with_a_foreign_issuer(
    node: Any, canonicalizer: Canonicalizer
) -> None:
    """The reference, like Tessera, binds the issuer to the key's controller."""
    issuer = ISSUERS[0]
    signed = sign(
        small_credential("did:web:someone-else.example"),
        signer=issuer.signer(),
        canonicalizer=canonicalizer,
        created=SIGNED_AT,
    )
    outcome = _js_verify(node, signed, issuer)
    assert not outcome["verified"]
    assert any("issuer" in error.lower() for error in outcome["errors"])


# -- the reference signs, Tessera verifies ---------------------------------------------------------


def test_js_signed_verifies_in_tessera(
    node: Any,
    credential: dict[str, Any],
    issuer: Issuer,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
) -> None:
    signed = node.request(
        {
            "op": "sign",
            "credential": credential,
            "key": issuer.js_key(),
            "created": CREATED,
            "didDocuments": issuer.did_documents,
        }
    )
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"]["verificationMethod"] == issuer.verification_method
    result = _tessera_verify(signed, issuer, context_store, canonicalizer)
    assert result.verified, result.to_json()
    tampered = _tessera_verify(_tamper(signed), issuer, context_store, canonicalizer)
    assert tampered.check("proof").status == "failed"
    assert not tampered.verified


def test_both_sign_the_same_bytes(
    node: Any, credential: dict[str, Any], issuer: Issuer, canonicalizer: Canonicalizer
) -> None:
    """Ed25519 is deterministic: equal canonical data gives equal proofValues."""
    ours = sign(credential, signer=issuer.signer(), canonicalizer=canonicalizer, created=SIGNED_AT)
    theirs = node.request(
        {"op": "sign", "credential": credential, "key": issuer.js_key(), "created": CREATED}
    )
    assert ours["proof"]["proofValue"] == theirs["proof"]["proofValue"]


# -- canonical N-Quads agree ----------------------------------------------------------------------------


def _arabic() -> dict[str, Any]:
    document = small_credential()
    document["credentialSubject"]["name"] = {
        "@value": "مدرسة الأمثلة",
        "@language": "ar",
        "@direction": "rtl",
    }
    return document


def _floats() -> dict[str, Any]:
    document = open_badge_credential()
    achievement = document["credentialSubject"]["achievement"]
    achievement["creditsAvailable"] = 2.5  # xsd:float (https namespace in the OB context)
    achievement["learningHours"] = 2.5  # xsd:decimal
    achievement["eqfLevel"] = 4
    return document


def _integral_float() -> dict[str, Any]:
    document = open_badge_credential()
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 2.0
    return document


def _blank_nodes() -> dict[str, Any]:
    """No ids anywhere: every node is blank, and two alignments differ only in one value."""
    document = open_badge_credential()
    del document["id"]
    del document["credentialSubject"]["achievement"]["id"]
    alignments = document["credentialSubject"]["achievement"]["alignment"]
    alignments.append({**alignments[0], "targetCode": "4"})
    return document


def _ltr_and_language_only() -> dict[str, Any]:
    document = small_credential()
    document["credentialSubject"]["name"] = [
        {"@value": "Amina", "@language": "en", "@direction": "ltr"},
        {"@value": "Amina", "@language": "de"},
        {"@value": "אמינה", "@language": "he", "@direction": "rtl"},
    ]
    return document


def _escapes() -> dict[str, Any]:
    document = small_credential()
    document["credentialSubject"]["name"] = (
        'Quote " backslash \\ newline \n tab \t return \r é 😀 \u2028 \x80 \ufeff'
    )
    return document


def _json_literal() -> dict[str, Any]:
    """An @json value: the literal is the JCS form of the JSON, escaped into N-Quads."""
    document = small_credential()
    document["@context"] = [
        CREDENTIALS_V2,
        {"payload": {"@id": "https://example.org/vocab#payload", "@type": "@json"}},
    ]
    document["credentialSubject"]["payload"] = {
        "a": 'x"y',
        "b": [1, 2.5, {"c": False}],
        "é": 1500,
        "big": 1e21,
        "small": 1e-7,
        "f": 0.1,
        "u": "\u2028",
    }
    return document


SHAPES: dict[str, Callable[[], dict[str, Any]]] = {
    "small": small_credential,
    "open-badge": open_badge_credential,
    "arabic-rtl": _arabic,
    "float-2.5": _floats,
    "float-2.0": _integral_float,
    "blank-nodes": _blank_nodes,
    "directions": _ltr_and_language_only,
    "escapes": _escapes,
    "json-literal": _json_literal,
    "w3c-unsigned": lambda: read_json(W3C_VECTORS / "unsigned.json"),
    "proof-config": lambda: {
        **read_json(W3C_VECTORS / "eddsa-rdfc-2022" / "proofConfigDataInt.json"),
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3, TESSERA_V1],
    },
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_canonical_nquads_equal(
    node: Any, shape: Callable[[], dict[str, Any]], canonicalizer: Canonicalizer
) -> None:
    document = shape()
    ours = canonicalizer.canonicalize(document)
    assert ours == node.request({"op": "canonize", "document": document})
    assert ours.endswith(" .\n")


def test_float_literals_are_canonical_doubles(canonicalizer: Canonicalizer) -> None:
    canonical = canonicalizer.canonicalize(_floats())
    assert '"2.5E0"^^<https://www.w3.org/2001/XMLSchema#float>' in canonical
    assert '"2.5E0"^^<http://www.w3.org/2001/XMLSchema#decimal>' in canonical


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f"], ids=ascii
)
def test_control_characters_canonicalize_like_the_reference(
    node: Any, char: str, canonicalizer: Canonicalizer
) -> None:
    document = small_credential()
    document["credentialSubject"]["name"] = f"a{char}b"
    assert canonicalizer.canonicalize(document) == node.request(
        {"op": "canonize", "document": document}
    )
