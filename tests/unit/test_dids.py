"""did:key and did:web: identifiers, DID documents, offline resolution, issuer binding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from factories import small_credential

from service.contexts import ContextStore
from service.dids import (
    DID_V1,
    MULTIKEY_V1,
    StaticResolver,
    controller_document,
    did_key_document,
    did_web_host,
    did_web_of,
    did_web_url,
    method_from_document,
)
from service.encoding import b58encode, b64url_encode
from service.errors import DidResolutionError, InputError
from service.keys import Ed25519Signer, did_web_for, encode_public_multikey, public_key_from_seed
from service.proofs import Canonicalizer, sign, verification_suites
from service.verification.pipeline import Verifier, verify_credential

SEED = bytes(range(32))
PUBLIC = public_key_from_seed(SEED)
MULTIKEY = encode_public_multikey(PUBLIC)
DID_WEB = "did:web:example.org:issuers:acme"
VM_WEB = f"{DID_WEB}#key-1"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("example.org", "did:web:example.org"),
        ("example.org:issuers:acme", "did:web:example.org:issuers:acme"),
        ("example.org/issuers/acme", "did:web:example.org:issuers:acme"),
        ("https://example.org/issuers/acme/", "did:web:example.org:issuers:acme"),
        ("Example.ORG:issuers:acme", "did:web:example.org:issuers:acme"),
        ("localhost:8443", "did:web:localhost%3A8443"),
        ("example.org:8443:issuers:acme", "did:web:example.org%3A8443:issuers:acme"),
        ("example.org:8443/issuers/acme", "did:web:example.org%3A8443:issuers:acme"),
        ("tessera.example:2025", "did:web:tessera.example%3A2025"),
        ("localhost%3A8443", "did:web:localhost%3A8443"),
        ("did:web:example.org:issuers:acme", "did:web:example.org:issuers:acme"),
        ("example.org:issuers:caf%C3%A9", "did:web:example.org:issuers:caf%C3%A9"),
    ],
)
def test_did_web_formatting(given: str, expected: str) -> None:
    assert did_web_for(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "exa mple.org",
        "ex_ample.org",
        "exämple.org",
        "/",
        "example.org:",
        "example.org::acme",
        "example.org:issuers:..",
        "example.org:issuers:a%zz",
        "example.org:issuers:a#b",
        "example.org/issuers/../../x",
    ],
)
def test_did_web_refuses_bad_hosts(given: str) -> None:
    with pytest.raises(InputError):
        did_web_for(given)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.org", "https://example.org/.well-known/did.json"),
        ("did:web:example.org:issuers:acme", "https://example.org/issuers/acme/did.json"),
        ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
        (
            "did:web:example.org%3A8443:issuers:acme",
            "https://example.org:8443/issuers/acme/did.json",
        ),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    ("did", "host"),
    [
        ("did:web:example.org", "example.org"),
        ("did:web:example.org%3A8443:issuers:acme", "example.org:8443"),
        ("did:web:localhost%3a8000", "localhost:8000"),  # percent-escapes in either case
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", None),
        ("https://example.org", None),
    ],
)
def test_did_web_host_is_read_one_way(did: str, host: str | None) -> None:
    """One reading of a did:web's host: the document URL, the status-list host check and the
    offline QR's short URLs agree on it."""
    assert did_web_host(did) == host
    if host is not None:
        assert did_web_url(did).startswith(f"https://{host}/")


@pytest.mark.parametrize(
    ("base_url", "method_id"),
    [
        ("https://example.org", "example.org"),
        ("http://localhost:8000", "localhost%3A8000"),
        ("https://Example.org:8443/tessera/", "example.org%3A8443:tessera"),
    ],
)
def test_did_web_of_an_origin_reads_back(base_url: str, method_id: str) -> None:
    assert did_web_of(base_url) == method_id
    assert did_web_host(f"did:web:{method_id}") == method_id.split(":")[0].replace("%3A", ":")


@pytest.mark.parametrize(
    "host", ["example.org:issuers:acme", "localhost:8443", "example.org:8443:a:b"]
)
def test_did_web_round_trips_to_its_url(host: str) -> None:
    url = did_web_url(did_web_for(host))
    assert url.startswith("https://" + host.split(":")[0])
    assert ("8443" in url) == ("8443" in host)


@pytest.mark.parametrize("did", ["did:key:z6Mk", "https://example.org", "did:webx:example.org"])
def test_did_web_url_refuses_other_identifiers(did: str) -> None:
    with pytest.raises(InputError):
        did_web_url(did)


# -- documents and resolution --------------------------------------------------------------------


def test_did_key_document_shape() -> None:
    document = did_key_document(MULTIKEY)
    did = f"did:key:{MULTIKEY}"
    vm = f"{did}#{MULTIKEY}"
    assert document["@context"] == [DID_V1, MULTIKEY_V1]
    assert document["id"] == did
    assert document["verificationMethod"] == [
        {"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": MULTIKEY}
    ]
    for relationship in (
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
    ):
        assert document[relationship] == [vm]


def test_resolve_did_key() -> None:
    method = StaticResolver().resolve(f"did:key:{MULTIKEY}#{MULTIKEY}")
    assert method.public_key == PUBLIC
    assert method.controller == f"did:key:{MULTIKEY}"
    assert "assertionMethod" in method.relationships


@pytest.mark.parametrize(
    "vm",
    [
        f"did:key:{MULTIKEY}",  # no fragment
        f"did:key:{MULTIKEY}#",  # empty fragment
        f"did:key:{MULTIKEY}#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # another key's fragment
        "did:key:zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76#zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76",
        "did:key:z6MkBROKEN0#z6MkBROKEN0",
        f"{DID_WEB}#key-1",  # no document supplied
    ],
)
def test_unresolvable_verification_methods(vm: str) -> None:
    with pytest.raises(DidResolutionError):
        StaticResolver().resolve(vm)


def test_resolve_did_web_from_a_controller_document() -> None:
    resolver = StaticResolver({DID_WEB: controller_document(DID_WEB, [(VM_WEB, MULTIKEY)])})
    method = resolver.resolve(VM_WEB)
    assert method.public_key == PUBLIC
    assert method.controller == DID_WEB
    assert {"authentication", "assertionMethod"} <= method.relationships
    with pytest.raises(DidResolutionError, match="not listed"):
        resolver.resolve(f"{DID_WEB}#key-2")


def test_rotated_key_stays_resolvable_but_loses_assertion() -> None:
    old_mk = encode_public_multikey(public_key_from_seed(bytes(32)))
    document = controller_document(
        DID_WEB, [(f"{DID_WEB}#key-0", old_mk), (VM_WEB, MULTIKEY)], assertion=[VM_WEB]
    )
    resolver = StaticResolver()
    resolver.add(document)
    assert "assertionMethod" not in resolver.resolve(f"{DID_WEB}#key-0").relationships
    assert "assertionMethod" in resolver.resolve(VM_WEB).relationships


@pytest.mark.parametrize(
    "method",
    [
        {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": MULTIKEY},
        {"id": VM_WEB, "type": "Ed25519VerificationKey2018", "publicKeyBase58": b58encode(PUBLIC)},
        {
            "id": VM_WEB,
            "type": "JsonWebKey2020",
            "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(PUBLIC)},
        },
    ],
    ids=["relative-multikey", "base58", "jwk"],
)
def test_key_formats_and_relative_ids(method: dict[str, Any]) -> None:
    document = {"id": DID_WEB, "verificationMethod": [method], "assertionMethod": ["#key-1"]}
    found = method_from_document(document, VM_WEB)
    assert found.public_key == PUBLIC
    assert found.controller == DID_WEB
    assert found.relationships == frozenset({"assertionMethod"})


@pytest.mark.parametrize(
    "method",
    [
        {"id": VM_WEB, "publicKeyMultibase": "zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76"},
        {"id": VM_WEB, "publicKeyJwk": {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}},
        {"id": VM_WEB, "publicKeyBase58": "abc"},
        {"id": VM_WEB},
    ],
)
def test_unreadable_keys_are_resolution_errors(method: dict[str, Any]) -> None:
    with pytest.raises(DidResolutionError):
        method_from_document({"id": DID_WEB, "verificationMethod": [method]}, VM_WEB)


def test_embedded_method_in_a_relationship() -> None:
    document = {
        "id": DID_WEB,
        "assertionMethod": [{"id": VM_WEB, "type": "Multikey", "publicKeyMultibase": MULTIKEY}],
    }
    found = method_from_document(document, VM_WEB)
    assert found.public_key == PUBLIC and "assertionMethod" in found.relationships


# -- issuer binding in verify_credential ------------------------------------------------------


@pytest.fixture(scope="module")
def web_signed(canonicalizer: Canonicalizer) -> dict[str, Any]:
    signer = Ed25519Signer(SEED, verification_method=VM_WEB)
    return sign(
        small_credential(issuer=DID_WEB),
        signer=signer,
        canonicalizer=canonicalizer,
        created=datetime(2025, 3, 1, tzinfo=UTC),
    )


def _verify(
    credential: dict[str, Any], resolver: StaticResolver, store: ContextStore, canon: Canonicalizer
) -> Any:
    verifier = Verifier(contexts=store, suites=verification_suites(canon), resolver=resolver)
    return verify_credential(credential, verifier=verifier, now=NOW)


def test_did_web_issuer_verifies(
    web_signed: dict[str, Any], context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    resolver = StaticResolver({DID_WEB: controller_document(DID_WEB, [(VM_WEB, MULTIKEY)])})
    result = _verify(web_signed, resolver, context_store, canonicalizer)
    assert result.verified, result.to_json()
    assert result.check("issuer").status == "passed"


def test_key_not_in_assertion_method_fails_the_issuer_check(
    web_signed: dict[str, Any], context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    document = controller_document(DID_WEB, [(VM_WEB, MULTIKEY)], assertion=[])
    result = _verify(web_signed, StaticResolver({DID_WEB: document}), context_store, canonicalizer)
    assert result.check("proof").status == "passed"
    assert result.check("issuer").status == "failed"
    assert "assertionMethod" in result.check("issuer").detail
    assert result.verified is False


def test_key_controlled_by_someone_else_fails_the_issuer_check(
    web_signed: dict[str, Any], context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    """The issuer's document lists a key whose controller is another party."""
    document = controller_document(DID_WEB, [(VM_WEB, MULTIKEY)])
    document["verificationMethod"][0]["controller"] = "did:web:mallory.example"
    result = _verify(web_signed, StaticResolver({DID_WEB: document}), context_store, canonicalizer)
    assert result.check("proof").status == "passed"
    assert result.check("issuer").status == "failed"
    assert "did:web:mallory.example" in result.check("issuer").detail


def test_unknown_did_web_leaves_the_proof_unknown(
    web_signed: dict[str, Any], context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    result = _verify(web_signed, StaticResolver(), context_store, canonicalizer)
    assert result.check("proof").status == "unknown"
    assert DID_WEB in result.check("proof").detail
    assert result.verified is False


def test_other_key_in_the_issuer_document_fails_the_proof(
    web_signed: dict[str, Any], context_store: ContextStore, canonicalizer: Canonicalizer
) -> None:
    """The DID document says key-1 is another public key than the one that signed."""
    other = encode_public_multikey(public_key_from_seed(bytes(32)))
    document = controller_document(DID_WEB, [(VM_WEB, other)])
    result = _verify(web_signed, StaticResolver({DID_WEB: document}), context_store, canonicalizer)
    assert result.check("proof").status == "failed"
    assert result.verified is False
