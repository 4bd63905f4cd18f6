"""1EdTech Open Badges 3.0 (and CLR 2.0) eddsa-rdfc-2022 test vectors.

The implementation guide embeds everything in HTML (``linked-data-proof-ob.html``): the key
pair, the unsigned credential, the proof options, the hashes, the signature and the signed
credential. They are parsed out of the HTML here, at test time, and reproduced.

What is surprising in this vector (kept as assertions below):

* the secret key is given in the 64-byte ``seed || public key`` form (``zrv…``), not the
  32-byte form the W3C vectors use (``z3u2…``);
* "Document before signing" and "Proof before signing" are JavaScript object literals
  (single quotes, bare keys), not JSON; the section titled "Proof value (hex)" holds a
  multibase base58btc string, not hex;
* the verification method is an https URL (the issuer profile), not a DID;
* the OB 3.0.3 context maps ``criteria`` to the class IRI ``…vocab.html#Criteria`` and
  types ``url``/``anyURI`` values with ``https://www.w3.org/2001/XMLSchema#`` (https, not
  the XSD namespace), so the canonical N-Quads carry those IRIs.

The CLR vector needs ``https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json`` and
``https://purl.imsglobal.org/spec/ob/v3p0/extensions.json``, which are not in the offline
bundle: Tessera must refuse it with a context error, and does.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import VECTORS

from service.contexts import ContextStore
from service.dids import StaticResolver, controller_document
from service.encoding import decode_multibase_b58, multibase_b58
from service.keys import (
    Ed25519Signer,
    decode_secret_multikey,
    encode_public_multikey,
    public_key_from_seed,
    verify_signature,
)
from service.proofs import Canonicalizer, EddsaRdfc2022, add_proof, verification_suites
from service.proofs.data_integrity import unsecured
from service.verification.pipeline import Verifier, verify_credential

IMPL = VECTORS / "1EdTech-openbadges-specification" / "ob_v3p0" / "impl"
OB_HTML = IMPL / "linked-data-proof-ob.html"
CLR_HTML = IMPL / "linked-data-proof-clr.html"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


# -- parsing the implementation guide -----------------------------------------------------


def js_literal_to_json(text: str) -> Any:
    """Parse the guide's JavaScript object literals: 'single-quoted' strings and bare keys."""
    converted = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(m.group(1)), text)
    converted = re.sub(r"(?m)^(\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', converted)
    return json.loads(converted)


class Guide:
    """One test-vector chapter of the implementation guide."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.prefix = prefix
        self.examples = {
            title: html.unescape(body).strip()
            for title, body in re.findall(
                r'<pre[^>]*\btitle="([^"]+)"[^>]*>(.*?)</pre', self.text, flags=re.S
            )
        }
        self.codes = {
            section: re.sub(r"\s+", "", value)
            for section, value in re.findall(
                r'<h3 id="([^"]+)">[^<]*</h3>\s*<code\s*>(.*?)</code', self.text, flags=re.S
            )
        }
        self.includes = dict(
            re.findall(r'title="([^"]+)"\s+data-include="([^"]+)"', self.text, flags=re.S)
        )

    def code(self, name: str) -> str:
        return self.codes[f"{self.prefix}-{name}"]

    def json_example(self, title: str) -> Any:
        return json.loads(self.examples[title])

    def js_example(self, title: str) -> Any:
        return js_literal_to_json(self.examples[title])

    def included(self, title: str) -> str:
        return (self.path.parent / self.includes[title]).read_text(encoding="utf-8")

    def hex_key(self, label: str) -> bytes:
        found = re.search(label + r"\s*\(hex\):\s*<code\s*>\s*([0-9a-f]+)\s*</code", self.text)
        assert found, f"{label} not found in {self.path.name}"
        return bytes.fromhex(found.group(1))

    def multikey(self, member: str) -> str:
        found = re.search(member + r":\s*'([^']+)'", self.examples["Multikey"])
        assert found, f"{member} not found in the Multikey example"
        return found.group(1)


@pytest.fixture(scope="module")
def ob() -> Guide:
    return Guide(OB_HTML, "ob")


@pytest.fixture(scope="module")
def clr() -> Guide:
    return Guide(CLR_HTML, "clr")


@pytest.fixture(scope="module")
def ob_signer(ob: Guide) -> Ed25519Signer:
    seed = decode_secret_multikey(ob.multikey("secretKeyMultibase"))
    return Ed25519Signer(seed, verification_method=ob.multikey("id"))


@pytest.fixture(scope="module")
def ob_resolver(ob: Guide) -> StaticResolver:
    """The issuer's controller document, built from the guide's Multikey (there is no DID)."""
    return StaticResolver(
        {
            ob.multikey("controller"): controller_document(
                ob.multikey("controller"), [(ob.multikey("id"), ob.multikey("publicKeyMultibase"))]
            )
        }
    )


def _verifier(
    context_store: ContextStore, canonicalizer: Canonicalizer, resolver: StaticResolver
) -> Verifier:
    return Verifier(
        contexts=context_store, suites=verification_suites(canonicalizer), resolver=resolver
    )


def _proof_config(guide: Guide, credential: dict[str, Any]) -> dict[str, Any]:
    return {**guide.js_example("Proof before signing"), "@context": credential["@context"]}


# -- the guide is parsed as intended --------------------------------------------------------


def test_guide_sections_are_all_found(ob: Guide) -> None:
    assert {"Multikey", "Credential", "Document before signing", "Proof before signing"} <= set(
        ob.examples
    )
    assert {"Proof", "Signed credential"} <= set(ob.examples)
    for name in ("document-hash", "proof-hash", "data", "signature", "proof-value"):
        assert ob.code(name)
    assert set(ob.includes) == {"Proof normalized", "Document normalized"}


def test_key_pair(ob: Guide) -> None:
    public, private = ob.hex_key("Public key"), ob.hex_key("Private key")
    assert len(public) == 32 and len(private) == 64
    seed = private[:32]
    assert private[32:] == public  # libsodium's secret key is seed || public key
    assert public_key_from_seed(seed) == public
    assert encode_public_multikey(public) == ob.multikey("publicKeyMultibase")
    secret_multikey = ob.multikey("secretKeyMultibase")
    assert secret_multikey.startswith("zrv")  # the 64-byte form
    assert decode_secret_multikey(secret_multikey) == seed
    assert decode_multibase_b58(secret_multikey, what="secret") == b"\x80\x26" + private
    assert ob.multikey("id") == f"{ob.multikey('controller')}#{ob.multikey('publicKeyMultibase')}"


def test_document_before_signing_is_the_test_credential(ob: Guide) -> None:
    assert ob.js_example("Document before signing") == ob.json_example("Credential")


def test_signed_credential_is_credential_plus_proof(ob: Guide) -> None:
    signed = ob.json_example("Signed credential")
    assert unsecured(signed) == ob.json_example("Credential")
    assert signed["proof"] == ob.json_example("Proof")
    proof = dict(signed["proof"])
    del proof["proofValue"]
    assert proof == ob.js_example("Proof before signing")


# -- reproduce -----------------------------------------------------------------------------


def test_canonical_document(ob: Guide, canonicalizer: Canonicalizer) -> None:
    canonical = canonicalizer.canonicalize(ob.json_example("Credential"))
    assert canonical == ob.included("Document normalized")
    assert canonical == (IMPL / "test-vectors" / "obv3p0" / "document-canon.txt").read_text()
    # The OB 3.0.3 context's quirks, visible in the signed statements:
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Criteria> _:c14n0" in canonical
    assert '"https://www.imsglobal.org"^^<https://www.w3.org/2001/XMLSchema#anyURI>' in canonical


def test_canonical_proof_configuration(ob: Guide, canonicalizer: Canonicalizer) -> None:
    config = _proof_config(ob, ob.json_example("Credential"))
    assert canonicalizer.canonicalize(config) == ob.included("Proof normalized")


def test_hashes_and_data_to_sign(ob: Guide, canonicalizer: Canonicalizer) -> None:
    credential = ob.json_example("Credential")
    config = _proof_config(ob, credential)
    doc_hash = hashlib.sha256(canonicalizer.canonicalize(credential).encode()).hexdigest()
    proof_hash = hashlib.sha256(canonicalizer.canonicalize(config).encode()).hexdigest()
    assert doc_hash == ob.code("document-hash")
    assert proof_hash == ob.code("proof-hash")
    data = EddsaRdfc2022(canonicalizer).hash_data(document=credential, proof_config=config)
    assert data.hex() == ob.code("data") == proof_hash + doc_hash


def test_signature_and_proof_value(
    ob: Guide, ob_signer: Ed25519Signer, canonicalizer: Canonicalizer
) -> None:
    credential = ob.json_example("Credential")
    data = EddsaRdfc2022(canonicalizer).hash_data(
        document=credential, proof_config=_proof_config(ob, credential)
    )
    signature = ob_signer.sign(data)
    assert signature.hex() == ob.code("signature")
    assert multibase_b58(signature) == ob.code("proof-value")  # titled "(hex)", is multibase
    assert multibase_b58(signature) == ob.json_example("Proof")["proofValue"]


def test_add_proof_reproduces_the_signed_credential(
    ob: Guide, ob_signer: Ed25519Signer, canonicalizer: Canonicalizer
) -> None:
    before = ob.js_example("Proof before signing")
    signed = add_proof(
        ob.json_example("Credential"),
        signer=ob_signer,
        suite=EddsaRdfc2022(canonicalizer),
        created=datetime.fromisoformat(before["created"]),
    )
    assert signed == ob.json_example("Signed credential")


# -- verify ----------------------------------------------------------------------------------


def test_signed_credential_verifies(
    ob: Guide,
    ob_resolver: StaticResolver,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
) -> None:
    signed = ob.json_example("Signed credential")
    result = verify_credential(
        signed, verifier=_verifier(context_store, canonicalizer, ob_resolver), now=NOW
    )
    statuses = {c.check: c.status for c in result.checks}
    assert statuses == {
        "parse": "passed",
        "context": "passed",
        "proof": "passed",
        "issuer": "passed",  # the https verification method's controller is the issuer
        "validity": "passed",
        "status": "passed",  # the example names no status list: nothing can revoke it
        "trust": "unknown",
    }
    assert result.verified is True
    assert result.issuer == "https://example.edu/issuers/565049"


def test_signed_credential_without_the_controller_document_is_not_verified(
    ob: Guide, context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    result = verify_credential(
        ob.json_example("Signed credential"),
        verifier=_verifier(context_store, canonicalizer, StaticResolver()),
        now=NOW,
    )
    assert result.check("proof").status == "unknown"
    assert "https://example.edu/issuers/565049" in result.check("proof").detail
    assert result.verified is False


@pytest.mark.parametrize(
    "path",
    [
        ("name",),
        ("credentialSubject", "achievement", "name"),
        ("credentialSubject", "achievement", "criteria", "narrative"),
        ("issuer", "url"),
        ("validFrom",),
    ],
    ids="/".join,
)
def test_tampered_signed_credential_fails(
    path: tuple[str, ...],
    ob: Guide,
    ob_resolver: StaticResolver,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
) -> None:
    signed = copy.deepcopy(ob.json_example("Signed credential"))
    parent = signed
    for key in path[:-1]:
        parent = parent[key]
    value = parent[path[-1]]
    parent[path[-1]] = value.replace("2010", "2011") if path[-1] == "validFrom" else value + "x"
    result = verify_credential(
        signed, verifier=_verifier(context_store, canonicalizer, ob_resolver), now=NOW
    )
    assert result.check("proof").status == "failed"
    assert result.verified is False


# -- CLR 2.0 ---------------------------------------------------------------------------------


def test_clr_vector_is_internally_consistent(clr: Guide, ob: Guide) -> None:
    """The CLR chapter's own numbers agree."""
    doc_canon = clr.included("Document normalized")
    proof_canon = clr.included("Proof normalized")
    assert hashlib.sha256(doc_canon.encode()).hexdigest() == clr.code("document-hash")
    assert hashlib.sha256(proof_canon.encode()).hexdigest() == clr.code("proof-hash")
    assert clr.code("data") == clr.code("proof-hash") + clr.code("document-hash")
    # The proof options are the OB chapter's, so the proof hash is the same.
    assert clr.code("proof-hash") == ob.code("proof-hash")
    verify_signature(
        public_key=clr.hex_key("Public key"),
        data=bytes.fromhex(clr.code("data")),
        signature=bytes.fromhex(clr.code("signature")),
    )
    assert multibase_b58(bytes.fromhex(clr.code("signature"))) == clr.code("proof-value")


def test_clr_credential_canonicalizes_with_its_pinned_context(
    clr: Guide, canonicalizer: Canonicalizer, context_store: ContextStore
) -> None:
    credential = clr.json_example("Credential")
    assert CLR_CONTEXT in credential["@context"] and OB_EXTENSIONS in credential["@context"]
    assert context_store.is_trusted(CLR_CONTEXT) and context_store.is_trusted(OB_EXTENSIONS)
    assert canonicalizer.canonicalize(credential)


def test_clr_signed_credential_verifies_and_a_tampered_copy_does_not(
    clr: Guide,
    ob_resolver: StaticResolver,
    context_store: ContextStore,
    canonicalizer: Canonicalizer,
) -> None:
    signed = clr.json_example("Signed credential")
    result = verify_credential(
        signed, verifier=_verifier(context_store, canonicalizer, ob_resolver), now=NOW
    )
    assert result.check("parse").status == "passed"
    assert result.check("context").status == "passed"
    assert result.check("proof").status == "passed"
    assert result.verified is True
    tampered = copy.deepcopy(signed)
    tampered["name"] = str(tampered.get("name", "")) + "x"
    again = verify_credential(
        tampered, verifier=_verifier(context_store, canonicalizer, ob_resolver), now=NOW
    )
    assert again.check("proof").status == "failed" and again.verified is False
