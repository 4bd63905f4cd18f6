"""RDFC-1.0 canonicalization through PyLD, with its traps closed and its work bounded.

Each trap test shows what plain PyLD does (so the reason for the fix stays visible) and
that Tessera's :class:`Canonicalizer` does the right thing instead.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import CONTEXTS_BUNDLE, W3C_VECTORS, read_json
from factories import (
    POISON_PROPERTY,
    blank_node_clique,
    open_badge_credential,
    poison_credential,
    small_credential,
)
from pyld import jsonld

from service.contexts import CREDENTIALS_V2, ContextStore
from service.dids import StaticResolver
from service.errors import (
    BlankNodeLimitError,
    CanonicalizationError,
    CanonicalizationLimitError,
    TesseraError,
    UntrustedContextError,
)
from service.keys import Ed25519Signer
from service.proofs import Canonicalizer, Limits, sign, verification_suites
from service.proofs.limits import check_structure
from service.verification.pipeline import Verifier, verify_credential

NOW = datetime(2025, 6, 1, tzinfo=UTC)
SIGNED_AT = datetime(2025, 3, 1, tzinfo=UTC)
I18N_AR_RTL = "https://www.w3.org/ns/i18n#ar_rtl"
P = "https://example.com/p"


@pytest.fixture(scope="module")
def verifier(context_store: ContextStore, canonicalizer: Canonicalizer) -> Verifier:
    return Verifier(
        contexts=context_store, suites=verification_suites(canonicalizer), resolver=StaticResolver()
    )


def _plain_pyld(document: dict[str, Any], **options: Any) -> str:
    """PyLD as most code calls it (only inline contexts are used, so nothing is fetched)."""
    return jsonld.normalize(  # type: ignore[no-any-return]
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", **options}
    )


# -- (a) RDFC-1.0 is URDNA2015 -------------------------------------------------------------


def test_pyld_refuses_the_name_rdfc_1_0() -> None:
    with pytest.raises(jsonld.JsonLdError, match="Unsupported normalization algorithm"):
        jsonld.normalize({"@id": "urn:x", P: "y"}, {"algorithm": "RDFC-1.0"})


@pytest.mark.parametrize(
    ("unsigned", "expected"),
    [
        (W3C_VECTORS / "unsigned.json", W3C_VECTORS / "eddsa-rdfc-2022" / "canonDocDataInt.txt"),
        (
            W3C_VECTORS / "eddsa-rdfc-2022" / "proofConfigDataInt.json",
            W3C_VECTORS / "eddsa-rdfc-2022" / "proofCanonDataInt.txt",
        ),
    ],
    ids=["document", "proof-config"],
)
def test_output_equals_the_rdfc_1_0_vector(
    unsigned: Any, expected: Any, canonicalizer: Canonicalizer
) -> None:
    assert canonicalizer.canonicalize(read_json(unsigned)) == expected.read_text(encoding="utf-8")


def test_blank_node_labels_equal_the_rdfc_1_0_vector(tmp_path: Any) -> None:
    """The employ vector has three blank nodes: the labelling step is exercised too."""
    store = ContextStore(tmp_path)
    store.install_from_dir(CONTEXTS_BUNDLE)
    store.add(
        "https://w3id.org/citizenship/v4rc1",
        (CONTEXTS_BUNDLE / "citizenship-v4rc1.jsonld").read_bytes(),
    )
    canonical = Canonicalizer(loader=store.document_loader()).canonicalize(
        read_json(W3C_VECTORS / "employmentAuth.json")
    )
    expected = (W3C_VECTORS / "eddsa-rdfc-2022" / "employ" / "canonDocDataInt.txt").read_text()
    assert canonical == expected
    assert "_:c14n2" in canonical


def test_canonical_form_ignores_member_order(canonicalizer: Canonicalizer) -> None:
    document = open_badge_credential()
    reordered = json.loads(json.dumps(document, sort_keys=True))
    reordered["credentialSubject"]["achievement"]["description"].reverse()
    assert list(reordered) != list(document)
    assert canonicalizer.canonicalize(reordered) == canonicalizer.canonicalize(document)


# -- (b) relative IRIs are refused, never resolved against PyLD's default base ---------------


def test_plain_pyld_signs_relative_iris_under_example_org() -> None:
    document = {
        "@context": {"name": "https://schema.org/name"},
        "@id": "relative/thing",
        "name": "x",
    }
    assert "<http://example.org/base/relative/thing>" in _plain_pyld(document)


RELATIVE = {
    "id": lambda d: d.__setitem__("id", "relative/thing"),
    "type": lambda d: d.__setitem__("type", ["VerifiableCredential", "RelativeType"]),
    "subject-id": lambda d: d["credentialSubject"].__setitem__("id", "relative"),
    "subject-type": lambda d: d["credentialSubject"].__setitem__("type", "Learner"),
    "issuer": lambda d: d.__setitem__("issuer", "issuers/acme"),
    "dot-slash": lambda d: d.__setitem__("id", "./credential.json"),
}


@pytest.mark.parametrize("make_relative", RELATIVE.values(), ids=RELATIVE.keys())
def test_relative_iri_is_refused(
    make_relative: Any, canonicalizer: Canonicalizer, vector_signer: Ed25519Signer
) -> None:
    document = small_credential()
    make_relative(document)
    with pytest.raises(CanonicalizationError) as caught:
        canonicalizer.canonicalize(document)
    assert "example.org/base" not in str(caught.value)
    with pytest.raises(CanonicalizationError):
        sign(document, signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)


def test_absolute_iris_of_every_scheme_are_kept(canonicalizer: Canonicalizer) -> None:
    document = small_credential()
    document["id"] = "https://vtc-hamburg.example/credentials/1"
    document["credentialSubject"]["id"] = "did:web:learner.example"
    canonical = canonicalizer.canonicalize(document)
    assert "<https://vtc-hamburg.example/credentials/1>" in canonical
    assert "<did:web:learner.example>" in canonical


# -- (c) @direction is kept, as the i18n datatype ---------------------------------------------


def _arabic() -> dict[str, Any]:
    document = small_credential()
    document["credentialSubject"]["name"] = {
        "@value": "ليلى حداد",
        "@language": "ar",
        "@direction": "rtl",
    }
    return document


def test_plain_pyld_drops_the_direction() -> None:
    document = {
        "@context": {"name": "https://schema.org/name"},
        "@id": "urn:x",
        "name": {"@value": "مدرسة", "@language": "ar", "@direction": "rtl"},
    }
    assert _plain_pyld(document) == '<urn:x> <https://schema.org/name> "مدرسة"@ar .\n'


def test_arabic_rtl_becomes_the_i18n_datatype(canonicalizer: Canonicalizer) -> None:
    canonical = canonicalizer.canonicalize(_arabic())
    assert f'"ليلى حداد"^^<{I18N_AR_RTL}>' in canonical
    assert '"ليلى حداد"@ar' not in canonical


def test_direction_is_signed(
    canonicalizer: Canonicalizer, vector_signer: Ed25519Signer, verifier: Verifier
) -> None:
    """Flipping rtl to ltr after signing changes the statements, so the proof fails."""
    signed = sign(_arabic(), signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)
    assert verify_credential(signed, verifier=verifier, now=NOW).verified
    signed["credentialSubject"]["name"]["@direction"] = "ltr"
    result = verify_credential(signed, verifier=verifier, now=NOW)
    assert result.check("proof").status == "failed"


@pytest.mark.interop
def test_arabic_rtl_equals_the_reference_implementation(
    canonicalizer: Canonicalizer, node: Any
) -> None:
    document = _arabic()
    assert canonicalizer.canonicalize(document) == node.request(
        {"op": "canonize", "document": document}
    )


# -- (d) undefined terms are refused, at signing and at verifying ------------------------------


def test_plain_pyld_drops_undefined_terms() -> None:
    document = {
        "@context": {"name": "https://schema.org/name"},
        "@id": "urn:x",
        "name": "a",
        "favouriteColour": "red",
    }
    assert "red" not in _plain_pyld(document)


def _at(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        document = document[key]
    return document


UNDEFINED_PLACES = [
    (small_credential, ()),
    (small_credential, ("credentialSubject",)),
    (open_badge_credential, ("issuer",)),
    (open_badge_credential, ("credentialSubject", "achievement")),
    (open_badge_credential, ("credentialSubject", "achievement", "criteria")),
]


@pytest.mark.parametrize(
    ("factory", "path"),
    UNDEFINED_PLACES,
    ids=lambda x: "/".join(x) if isinstance(x, tuple) else x.__name__,
)
def test_undefined_term_is_refused_at_signing(
    factory: Any, path: tuple[str, ...], canonicalizer: Canonicalizer, vector_signer: Ed25519Signer
) -> None:
    document = factory()
    _at(document, path)["favouriteColour"] = "red"
    with pytest.raises(CanonicalizationError, match="favouriteColour"):
        sign(document, signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)


@pytest.mark.parametrize(
    ("factory", "path"),
    UNDEFINED_PLACES,
    ids=lambda x: "/".join(x) if isinstance(x, tuple) else x.__name__,
)
def test_undefined_term_added_after_signing_fails_the_proof(
    factory: Any,
    path: tuple[str, ...],
    canonicalizer: Canonicalizer,
    vector_signer: Ed25519Signer,
    verifier: Verifier,
) -> None:
    signed = sign(factory(), signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)
    assert verify_credential(signed, verifier=verifier, now=NOW).verified
    tampered = copy.deepcopy(signed)
    _at(tampered, path)["favouriteColour"] = "red"
    result = verify_credential(tampered, verifier=verifier, now=NOW)
    proof = result.check("proof")
    assert proof.status == "failed"
    assert "favouriteColour" in proof.detail
    assert result.verified is False


def test_undefined_type_is_refused(canonicalizer: Canonicalizer) -> None:
    document = open_badge_credential()
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "MicroCredential"]
    with pytest.raises(CanonicalizationError, match="MicroCredential"):
        canonicalizer.canonicalize(document)


# -- (e) nulls are refused ----------------------------------------------------------------------

NULLS = {
    "top-level": lambda d: d.__setitem__("name", None),
    "subject": lambda d: d["credentialSubject"].__setitem__("name", None),
    "in-array": lambda d: d.__setitem__("type", ["VerifiableCredential", None]),
    "value-object": lambda d: d["credentialSubject"].__setitem__("name", {"@value": None}),
}


@pytest.mark.parametrize("add_null", NULLS.values(), ids=NULLS.keys())
def test_null_values_are_refused(
    add_null: Any, canonicalizer: Canonicalizer, vector_signer: Ed25519Signer
) -> None:
    document = small_credential()
    add_null(document)
    with pytest.raises(CanonicalizationError, match="null"):
        canonicalizer.canonicalize(document)
    with pytest.raises(CanonicalizationError):
        sign(document, signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)


# -- untrusted contexts --------------------------------------------------------------------------


def test_untrusted_context_is_named(canonicalizer: Canonicalizer) -> None:
    document = small_credential()
    document["@context"] = [CREDENTIALS_V2, "https://evil.example/context.jsonld"]
    with pytest.raises(UntrustedContextError) as caught:
        canonicalizer.canonicalize(document)
    assert caught.value.url == "https://evil.example/context.jsonld"


# -- bounded work -------------------------------------------------------------------------------


def test_small_blank_node_cycles_still_canonicalize(canonicalizer: Canonicalizer) -> None:
    canonical = canonicalizer.canonicalize({"@graph": blank_node_clique(3)})
    assert canonical.count("\n") == 9
    assert {"_:c14n0", "_:c14n1", "_:c14n2"} <= set(canonical.split())


@pytest.mark.parametrize("size", [10, 30])
def test_poison_graph_is_stopped_within_the_deadline(
    size: int, canonicalizer: Canonicalizer
) -> None:
    started = time.process_time()
    with pytest.raises(CanonicalizationLimitError, match="poison"):
        canonicalizer.canonicalize({"@graph": blank_node_clique(size)})
    assert time.process_time() - started < 3.0


def test_poison_graph_in_a_credential_fails_verification_quickly(verifier: Verifier) -> None:
    credential = poison_credential(10)
    started = time.process_time()
    result = verify_credential(credential, verifier=verifier, now=NOW)
    assert time.process_time() - started < 3.0
    assert result.check("proof").status == "failed"
    assert "poison" in result.check("proof").detail
    assert result.verified is False


def _nested(depth: int) -> dict[str, Any]:
    document = small_credential()
    inner: dict[str, Any] = {P: "bottom"}
    for _ in range(depth):
        inner = {P: inner}
    document["credentialSubject"] = inner
    return document


def test_deep_nesting_is_refused_quickly(canonicalizer: Canonicalizer, verifier: Verifier) -> None:
    document = _nested(1000)
    raw = (
        json.dumps(small_credential())[:-1] + ', "evidence": ' + '{"a": ' * 1000 + "1" + "}" * 1001
    )
    started = time.process_time()
    with pytest.raises(CanonicalizationLimitError, match="nested"):
        canonicalizer.canonicalize(document)
    for given in (document, raw):
        result = verify_credential(given, verifier=verifier, now=NOW)
        assert result.check("parse").status == "failed"
        assert result.verified is False
    assert time.process_time() - started < 1.0


def test_nesting_within_the_limit_is_accepted(canonicalizer: Canonicalizer) -> None:
    assert "bottom" in canonicalizer.canonicalize(_nested(8))


def test_huge_array_is_refused_quickly(canonicalizer: Canonicalizer, verifier: Verifier) -> None:
    document = small_credential()
    document["credentialSubject"]["name"] = ["x"] * 100_000
    started = time.process_time()
    with pytest.raises(CanonicalizationLimitError, match="100000 items"):
        canonicalizer.canonicalize(document)
    result = verify_credential(document, verifier=verifier, now=NOW)
    assert time.process_time() - started < 1.0
    assert result.check("parse").status == "failed"


def test_too_many_json_values_are_refused() -> None:
    limits = Limits(max_array_length=10)
    document = {"a": [[1] * 10 for _ in range(10)]}  # 112 values > 10 * 10
    with pytest.raises(CanonicalizationLimitError, match="JSON values"):
        check_structure(document, limits)


def test_too_many_quads_are_refused(context_store: ContextStore) -> None:
    canonicalizer = Canonicalizer(
        loader=context_store.document_loader(), limits=Limits(max_quads=20)
    )
    document = small_credential()
    assert canonicalizer.canonicalize(document)  # 6 statements: fine
    document["credentialSubject"]["name"] = [f"name {i}" for i in range(30)]
    with pytest.raises(CanonicalizationLimitError, match="RDF statements"):
        canonicalizer.canonicalize(document)


def _identical_children(parents: int, children: int) -> dict[str, Any]:
    """No blank-node ids, just a tree: ``parents`` identical objects, each with ``children``
    identical objects. Hash N-Degree Quads tries ``children!`` orderings per parent."""
    document = small_credential()
    leaf = {POISON_PROPERTY: "x"}
    document["credentialSubject"][POISON_PROPERTY] = [
        {POISON_PROPERTY: [dict(leaf) for _ in range(children)]} for _ in range(parents)
    ]
    return document


def test_tree_shaped_poison_is_refused_before_the_exponential_step(
    canonicalizer: Canonicalizer,
) -> None:
    patient = canonicalizer.with_limits(Limits(max_seconds=60.0))
    with pytest.raises(BlankNodeLimitError, match="too entangled") as caught:
        patient.canonicalize(_identical_children(2, 9))  # 2 x 9! orderings: minutes
    assert "more than the 20,000 orderings" in str(caught.value)
    assert patient.canonicalize(_identical_children(2, 3))  # 2 x 3!: fine


@pytest.mark.parametrize(("size", "degree"), [(20, 2), (100, 1)])
def test_rings_of_alike_blank_nodes_are_refused_before_the_exponential_step(
    canonicalizer: Canonicalizer, size: int, degree: int
) -> None:
    """A ring where each blank node links to the next ``degree``: no node has more than
    ``degree`` alike neighbours, but the recursion walks the whole ring (1.8 KB of it take
    seconds at degree 3)."""
    ring = [
        {"@id": f"_:r{i}", POISON_PROPERTY: [{"@id": f"_:r{(i + j) % size}"} for j in (1, degree)]}
        for i in range(size)
    ]
    public = canonicalizer.with_limits(Limits(max_seconds=60.0, max_blank_node_permutations=500))
    with pytest.raises(BlankNodeLimitError, match="too entangled"):
        public.canonicalize({"@context": CREDENTIALS_V2, "@graph": ring})


def test_the_ordering_estimate_counts_only_indistinguishable_blank_nodes(
    canonicalizer: Canonicalizer,
) -> None:
    strict = canonicalizer.with_limits(Limits(max_blank_node_permutations=1))
    assert strict.canonicalize(open_badge_credential())  # 4 blank nodes, all different
    many_alike_leaves = small_credential()
    many_alike_leaves["credentialSubject"][POISON_PROPERTY] = [{POISON_PROPERTY: "x"}] * 50
    assert strict.canonicalize(many_alike_leaves)  # alike, but with no blank neighbours
    with pytest.raises(BlankNodeLimitError):
        strict.canonicalize({"@graph": blank_node_clique(3)})


def test_too_many_blank_nodes_are_refused_before_json_ld_work() -> None:
    document = small_credential()
    document["credentialSubject"][POISON_PROPERTY] = [{POISON_PROPERTY: n} for n in range(5)]
    check_structure(document, Limits(max_blank_nodes=5))  # the subject has an id
    with pytest.raises(BlankNodeLimitError, match="5 blank nodes"):
        check_structure(document, Limits(max_blank_nodes=4))
    labelled = {"@graph": blank_node_clique(4)}  # 4 labels, each counted once
    check_structure(labelled, Limits(max_blank_nodes=5))
    with pytest.raises(BlankNodeLimitError, match="at most 3"):
        check_structure(labelled, Limits(max_blank_nodes=3))


def test_values_and_context_definitions_are_not_blank_nodes() -> None:
    document = small_credential()
    document["@context"] = [
        CREDENTIALS_V2,
        {"note": {"@type": "@json"}, "x": {"@container": "@set"}},
    ]
    document["credentialSubject"]["name"] = [{"@value": "Amina", "@language": "en"}] * 10
    check_structure(document, Limits(max_blank_nodes=1))


def test_ten_megabyte_string_is_refused_by_the_verifier(verifier: Verifier) -> None:
    document = small_credential()
    document["credentialSubject"]["name"] = "x" * (10 * 1024 * 1024)
    raw = json.dumps(document)
    started = time.process_time()
    for given in (raw, raw.encode(), document):
        result = verify_credential(given, verifier=verifier, now=NOW)
        parse = result.check("parse")
        assert parse.status == "failed"
        assert "limit" in parse.detail
        assert result.verified is False
    assert time.process_time() - started < 3.0


def test_canonicalizer_refuses_a_document_larger_than_max_bytes(
    canonicalizer: Canonicalizer, vector_signer: Ed25519Signer
) -> None:
    document = small_credential()
    document["credentialSubject"]["name"] = "x" * (10 * 1024 * 1024)
    started = time.process_time()
    with pytest.raises(CanonicalizationLimitError, match="bytes"):
        canonicalizer.canonicalize(document)
    with pytest.raises(CanonicalizationLimitError):
        sign(document, signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)
    assert time.process_time() - started < 3.0
    document["credentialSubject"]["name"] = "x" * (canonicalizer.limits.max_bytes // 2)
    assert canonicalizer.canonicalize(document)  # large but within the bound


@pytest.mark.parametrize("reference", ["relative", "", "@id"])
def test_relative_embedded_context_reference_is_a_tessera_error(
    reference: str, canonicalizer: Canonicalizer, vector_signer: Ed25519Signer
) -> None:
    document = small_credential()
    document["credentialSubject"]["@context"] = reference
    with pytest.raises(TesseraError):
        canonicalizer.canonicalize(document)
    with pytest.raises(TesseraError):
        sign(document, signer=vector_signer, canonicalizer=canonicalizer, created=SIGNED_AT)
