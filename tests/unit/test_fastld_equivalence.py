"""service.proofs.pyld_fast produces exactly what unmodified PyLD produces.

The reference is plain ``pyld.jsonld.normalize`` (URDNA2015, N-Quads, ``base=None``,
``rdfDirection='i18n-datatype'``) with the same pinned document loader. The corpus: the
test factories, every JSON-LD document among the W3C vc-di-eddsa vectors (read in place from
``../shared``, never copied), the hand-written documents in ``tests/unit/corpus/`` and the
real-world credentials and status lists of ``tests/corpus/``.

Besides byte-identical canonical N-Quads this checks identical refusals (same error, same
dropped terms), identical expansion / toRdf / hook calls at the processor level for JSON-LD
features the strict Canonicalizer never lets through, FastURDNA2015 on datasets with many
indistinguishable blank nodes, many runs in shuffled orders through one shared cache (cache
poisoning), tiny caches (eviction), and seeded random variants of the corpus.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from service.contexts import ContextStore
from service.proofs import pyld_fast as fastld
from service.proofs.canonical import Canonicalizer
from service.proofs.pyld_fast import ContextCache, FastJsonLdProcessor, FastURDNA2015
from service.proofs.pyld_fast.urdna2015 import _copy_issuer
from tests.factories import open_badge_credential, small_credential

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TESSERA_SHARED_DIR") or ROOT.parent / "shared")
VECTORS = SHARED / "vectors" / "w3c-vc-di-eddsa" / "TestVectors"
CORPUS = Path(__file__).resolve().parent / "corpus"
#: Credentials other software issued (tests/corpus/README.md): DCC fixtures, JFF plug-fest badges.
REAL_CORPUS = ROOT / "tests" / "corpus"
CITIZENSHIP_V4RC1 = "https://w3id.org/citizenship/v4rc1"

Document = dict[str, Any]


# -- corpus -----------------------------------------------------------------------------


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _vector_documents() -> dict[str, Document]:
    """Every JSON-LD document among the W3C vectors (unsigned, signed, proof configurations,
    proof sets and chains, the employment vector)."""
    found: dict[str, Document] = {}
    for path in sorted(VECTORS.rglob("*.json")):
        document = _load(path)
        if isinstance(document, dict) and "@context" in document:
            found["w3c/" + path.relative_to(VECTORS).as_posix()] = document
    return found


def _factory_documents() -> dict[str, Document]:
    return {
        "factories/small_credential": small_credential(),
        "factories/small_credential_did_web": small_credential("did:web:issuer.example"),
        "factories/open_badge_credential": open_badge_credential(),
        "factories/open_badge_credential_did_web": open_badge_credential("did:web:vtc.example"),
    }


def _corpus_documents(folder: str = "") -> dict[str, Any]:
    directory = CORPUS / folder if folder else CORPUS
    return {
        f"corpus/{path.relative_to(CORPUS).as_posix()}": _load(path)
        for path in sorted(directory.glob("*.json"))
    }


def _real_documents() -> dict[str, Document]:
    """Every credential and status list of the real-world corpus (its DID documents use
    contexts that are not pinned, so they are not JSON-LD the canonicalizer reads)."""
    found: dict[str, Document] = {}
    for path in sorted(REAL_CORPUS.rglob("*.json")):
        document = _load(path)
        if isinstance(document, dict) and "@context" in document and "dids" not in path.parts:
            found["real/" + path.relative_to(REAL_CORPUS).as_posix()] = document
    return found


def _processor_documents() -> dict[str, Any]:
    documents: dict[str, Any] = {}
    for name, document in _corpus_documents("processor").items():
        if name.endswith("error-cases.json"):  # a list of separate (invalid) documents
            documents.update({f"{name}[{i}]": case for i, case in enumerate(document)})
        else:
            documents[name] = document
    return documents


ACCEPTED = {
    **_factory_documents(),
    **_vector_documents(),
    **_corpus_documents(),
    **_real_documents(),
}
REJECTED = _corpus_documents("rejected")
PROCESSOR = _processor_documents()


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ContextStore:
    made = ContextStore(tmp_path_factory.mktemp("fastld-contexts"))
    made.install_from_dir(SHARED / "contexts")
    # Only the W3C "employ" vector needs this one; it is not a default trusted context.
    made.add(CITIZENSHIP_V4RC1, (SHARED / "contexts" / "citizenship-v4rc1.jsonld").read_bytes())
    return made


@pytest.fixture(scope="module")
def loader(store: ContextStore) -> Callable[..., Any]:
    return store.document_loader()


@pytest.fixture(scope="module")
def fast(loader: Callable[..., Any]) -> Canonicalizer:
    return Canonicalizer(loader=loader, rdfc_escapes=False)


@pytest.fixture(scope="module")
def plain(loader: Callable[..., Any]) -> Canonicalizer:
    return Canonicalizer(loader=loader, fast=False)


@pytest.fixture(scope="module")
def reference(loader: Callable[..., Any]) -> Callable[[Any], str]:
    """Unmodified PyLD, called the documented way."""

    def normalize(document: Any) -> str:
        result: str = jsonld.normalize(
            copy.deepcopy(document),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "base": None,
                "rdfDirection": "i18n-datatype",
                "documentLoader": loader,
            },
        )
        return result

    return normalize


@pytest.fixture(scope="module")
def expected(reference: Callable[[Any], str]) -> dict[str, str]:
    """Reference N-Quads of every accepted document, computed once."""
    return {name: reference(document) for name, document in ACCEPTED.items()}


def _error_signature(exc: BaseException) -> list[tuple[str, Any, str]]:
    """Class, code and first line of each exception in the chain (details may hold uuids)."""
    chain = []
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        first_line = (str(cause).splitlines() or [""])[0]
        chain.append((type(cause).__name__, getattr(cause, "code", None), first_line))
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return chain


def _outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", run()
    except Exception as exc:
        return "error", _error_signature(exc)


# -- the corpus canonicalizes identically ---------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(_vector_documents()) >= 15, "the W3C vectors were not found under ../shared"
    assert any("employ" in name for name in ACCEPTED)
    assert any("proof-set-chain" in name for name in ACCEPTED)
    assert len(_corpus_documents()) >= 12
    assert len(_real_documents()) >= 90, "the real-world corpus (tests/corpus) was not found"
    assert len(REJECTED) >= 10
    assert len(PROCESSOR) >= 20


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_canonical_nquads_are_identical_to_pyld(
    name: str, fast: Canonicalizer, plain: Canonicalizer, expected: dict[str, str]
) -> None:
    document = ACCEPTED[name]
    reference = expected[name]
    assert reference, f"{name} canonicalizes to nothing: not a useful corpus document"
    assert fast.canonicalize(document) == reference
    assert plain.canonicalize(document) == reference
    assert document == ACCEPTED[name], "canonicalization changed its input"


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_refusals_are_identical(name: str, fast: Canonicalizer, plain: Canonicalizer) -> None:
    document = REJECTED[name]
    got_fast = _outcome(lambda: fast.canonicalize(document))
    got_plain = _outcome(lambda: plain.canonicalize(document))
    assert got_fast[0] == "error", f"{name} was accepted: {got_fast[1]!r}"
    assert got_fast == got_plain


# -- processor level: expansion, hook calls, toRdf, normalize -------------------------------


def _process(processor: Any, document: Any, options: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Expansion, toRdf dataset and normalized N-Quads of ``document`` (or the error of each)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expanded = _outcome(lambda: processor.expand(copy.deepcopy(document), dict(options)))
        dataset = _outcome(
            lambda: processor.to_rdf(
                copy.deepcopy(document), dict(options, produceGeneralizedRdf=True)
            )
        )
        nquads = _outcome(
            lambda: processor.normalize(
                copy.deepcopy(document),
                dict(options, algorithm="URDNA2015", format="application/n-quads"),
            )
        )
    return expanded, dataset, nquads


@pytest.mark.parametrize("rdf_direction", ["i18n-datatype", "compound-literal", None])
@pytest.mark.parametrize("base", [None, "", "https://doc.example/dir/doc.jsonld"])
@pytest.mark.parametrize("name", sorted(PROCESSOR))
def test_processor_matches_pyld(
    name: str, base: str | None, rdf_direction: str | None, store: ContextStore
) -> None:
    """Expansion, the dropped-term hook calls, toRdf and normalize() agree with PyLD."""
    document = PROCESSOR[name]
    options = {
        "base": base,
        "rdfDirection": rdf_direction,
        "documentLoader": store.document_loader(),
    }
    plain_dropped: list[Any] = []
    fast_dropped: list[Any] = []
    plain = jsonld.JsonLdProcessor(on_property_dropped=lambda *a, **k: plain_dropped.append((a, k)))
    fast = FastJsonLdProcessor(
        ContextCache(), on_property_dropped=lambda *a, **k: fast_dropped.append((a, k))
    )
    assert _process(fast, document, options) == _process(plain, document, options)
    assert fast_dropped == plain_dropped


# -- FastURDNA2015 on its own ---------------------------------------------------------------


def _quad(s: str, p: str, o: Any, g: str | None = None) -> dict[str, Any]:
    def term(value: str) -> dict[str, str]:
        return {"type": "blank node" if value.startswith("_:") else "IRI", "value": value}

    quad: dict[str, Any] = {"subject": term(s), "predicate": {"type": "IRI", "value": p}}
    quad["object"] = o if isinstance(o, dict) else term(o)
    return quad


def _literal(value: str, datatype: str = jsonld.XSD_STRING, language: str | None = None) -> Any:
    literal = {"type": "literal", "value": value, "datatype": datatype}
    if language:
        literal["language"] = language
    return literal


def _synthetic_datasets() -> Iterator[tuple[str, dict[str, list[dict[str, Any]]]]]:
    """Graphs built to need Hash N-Degree Quads: cycles, cliques, twins, blank graph names."""
    knows = "https://example.org/knows"
    name = "https://example.org/name"
    for size in (2, 3, 5):
        ring = [_quad(f"_:r{i}", knows, f"_:r{(i + 1) % size}") for i in range(size)]
        yield f"ring-{size}", {"@default": ring}
    clique = [_quad(f"_:k{i}", knows, f"_:k{j}") for i in range(4) for j in range(4) if i != j]
    yield "clique-4", {"@default": clique}
    twins = [_quad(f"_:t{i}", name, _literal("Twin")) for i in range(3)]
    twins += [_quad("https://example.org/parent", knows, f"_:t{i}") for i in range(3)]
    yield "twins-3", {"@default": twins}
    double_rings = [_quad(f"_:a{i}", knows, f"_:a{(i + 1) % 3}") for i in range(3)]
    double_rings += [_quad(f"_:b{i}", knows, f"_:b{(i + 1) % 3}") for i in range(3)]
    yield "two-rings", {"@default": double_rings}
    escapes = _literal('tab\there "quoted" back\\slash\nnew\rline', language="en")
    yield (
        "named-graphs",
        {
            "@default": [_quad("_:g1", name, escapes), _quad("_:x", knows, "_:y")],
            "_:g1": [_quad("_:x", knows, "_:y"), _quad("_:y", knows, "_:x")],
            "https://example.org/graph": [
                _quad("_:x", name, _literal("1", jsonld.XSD_INTEGER)),
                _quad("_:z", name, _literal("x", jsonld.RDF_LANGSTRING, "de")),
            ],
        },
    )
    rng = random.Random(20250301)
    for n in range(6):
        nodes = [f"_:n{i}" for i in range(rng.randint(3, 6))]
        quads = []
        for _ in range(rng.randint(3, 9)):
            quads.append(_quad(rng.choice(nodes), rng.choice([knows, name]), rng.choice(nodes)))
        quads.append(_quad(rng.choice(nodes), name, _literal(rng.choice(["a", "b"]))))
        yield f"random-{n}", {"@default": quads}


@pytest.mark.parametrize("label,dataset", list(_synthetic_datasets()))
def test_fast_urdna_matches_pyld_on_symmetric_graphs(
    label: str, dataset: dict[str, list[dict[str, Any]]]
) -> None:
    options = {"format": "application/n-quads"}
    assert FastURDNA2015().main(copy.deepcopy(dataset), options) == URDNA2015().main(
        copy.deepcopy(dataset), options
    )
    # without "format", both parse their output back into a dataset
    assert FastURDNA2015().main(copy.deepcopy(dataset), {}) == URDNA2015().main(
        copy.deepcopy(dataset), {}
    )


def _recording(base: type) -> type:
    """``base`` recording every Hash N-Degree Quads result (id, hash, issuer order)."""

    class Recording(base):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[tuple[str, str, list[str]]] = []

        def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
            result = super().hash_n_degree_quads(id_, issuer)
            self.calls.append((id_, result["hash"], list(result["issuer"].order)))
            return result

    return Recording


@pytest.mark.parametrize("label,dataset", list(_synthetic_datasets()))
def test_fast_urdna_hashes_n_degree_like_pyld(
    label: str, dataset: dict[str, list[dict[str, Any]]]
) -> None:
    """Not only the output: every Hash N-Degree Quads call returns the same hash and issuer."""
    runs = []
    for base in (URDNA2015, FastURDNA2015):
        canonizer = _recording(base)()
        canonizer.main(copy.deepcopy(dataset), {"format": "application/n-quads"})
        runs.append(canonizer.calls)
    assert runs[0] == runs[1]
    if label.startswith(("ring", "clique", "twins", "two-rings")):
        assert runs[0], "expected this graph to need Hash N-Degree Quads"


def test_issuer_copy_is_a_deep_copy() -> None:
    issuer = IdentifierIssuer("_:b")
    for old in ("_:x", "_:y", "_:z"):
        issuer.get_id(old)
    clone = _copy_issuer(issuer)
    assert vars(clone) == vars(copy.deepcopy(issuer))
    clone.get_id("_:w")
    assert not issuer.has_id("_:w")
    assert (issuer.counter, issuer.order) == (3, ["_:x", "_:y", "_:z"])


def test_fast_urdna_matches_pyld_on_corpus_datasets(loader: Callable[..., Any]) -> None:
    for name, document in ACCEPTED.items():
        dataset = jsonld.to_rdf(
            copy.deepcopy(document),
            {"base": None, "rdfDirection": "i18n-datatype", "documentLoader": loader},
        )
        options = {"format": "application/n-quads"}
        got = FastURDNA2015().main(copy.deepcopy(dataset), options)
        assert got == URDNA2015().main(copy.deepcopy(dataset), options), name


# -- caches: order, repetition, eviction, failures in between ---------------------------------


def _shuffled_runs(names: list[str], rounds: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(rounds):
        order = list(names)
        rng.shuffle(order)
        yield from order


def test_no_cache_poisoning_across_orders(
    loader: Callable[..., Any], expected: dict[str, str]
) -> None:
    """One Canonicalizer, every document many times in shuffled orders, refusals interleaved:
    each result must still equal the reference (A, B, A again...)."""
    canonicalizer = Canonicalizer(loader=loader, rdfc_escapes=False)
    names = sorted(ACCEPTED) + sorted(REJECTED)
    for name in _shuffled_runs(names, rounds=4, seed=7):
        if name in ACCEPTED:
            assert canonicalizer.canonicalize(ACCEPTED[name]) == expected[name], name
        else:
            with pytest.raises(Exception):  # noqa: B017 - any refusal; checked elsewhere
                canonicalizer.canonicalize(REJECTED[name])


def test_tiny_caches_evict_without_changing_results(
    loader: Callable[..., Any], expected: dict[str, str]
) -> None:
    canonicalizer = Canonicalizer(loader=loader, rdfc_escapes=False)
    canonicalizer._context_cache = ContextCache(max_contexts=3, max_iris_per_context=5)
    for name in _shuffled_runs(sorted(ACCEPTED), rounds=2, seed=11):
        assert canonicalizer.canonicalize(ACCEPTED[name]) == expected[name], name


def test_each_document_first_in_a_fresh_canonicalizer(
    loader: Callable[..., Any], expected: dict[str, str]
) -> None:
    """The memo starts empty per Canonicalizer: results must not depend on what warmed it."""
    for name in sorted(ACCEPTED):
        canonicalizer = Canonicalizer(loader=loader, rdfc_escapes=False)
        assert canonicalizer.canonicalize(ACCEPTED[name]) == expected[name], name
        assert canonicalizer.canonicalize(ACCEPTED[name]) == expected[name], name


# -- seeded random variants -------------------------------------------------------------------


_EXTRA_VALUES: list[Any] = [
    0,
    -3,
    7.25,
    1.0,
    10**22,
    True,
    False,
    "text",
    "",
    'ünïcödé "q" \\ \t\n',
    {"@value": "hola", "@language": "es"},
    {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"},
    {"@value": "ltr", "@direction": "ltr"},
    {"@value": "2025-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"},
]


def _mutate(document: Any, rng: random.Random) -> Any:
    """One random structural change somewhere in a copy of ``document`` (never a null)."""
    mutated = copy.deepcopy(document)
    containers: list[Any] = []
    stack = [mutated]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            containers.append(value)
            stack.extend(v for k, v in value.items() if k != "@context")
        elif isinstance(value, list):
            containers.append(value)
            stack.extend(value)
    target = rng.choice(containers)
    action = rng.randrange(7)
    if isinstance(target, list):
        if target and action < 3:
            target.append(copy.deepcopy(rng.choice(target)))  # duplicate an item
        elif len(target) > 1 and action < 5:
            target.pop(rng.randrange(len(target)))
        else:
            rng.shuffle(target)
        return mutated
    keys = [k for k in target if k != "@context"]
    if not keys:
        return mutated
    key = rng.choice(keys)
    if action == 0 and key not in ("id", "@id", "type", "@type"):
        del target[key]
    elif action == 1:
        target[key] = [target[key]] if not isinstance(target[key], list) else target[key]
    elif action == 2 and isinstance(target[key], list) and len(target[key]) == 1:
        target[key] = target[key][0]
    elif action == 3 and key not in ("id", "@id", "type", "@type", "@value", "@language"):
        target[key] = copy.deepcopy(rng.choice(_EXTRA_VALUES))
    elif action == 4:
        target["unexpectedTerm"] = "dropped?"
    elif action == 5 and key not in ("id", "@id", "type", "@type", "@value"):
        target[key] = {"name": "anonymous node", "description": "twin"}
    else:
        items = list(target.items())
        rng.shuffle(items)
        target.clear()
        target.update(items)
    return mutated


def test_random_variants_match(fast: Canonicalizer, plain: Canonicalizer) -> None:
    rng = random.Random(424242)
    names = sorted(ACCEPTED)
    accepted = 0
    for _ in range(240):
        document = ACCEPTED[rng.choice(names)]
        for _ in range(rng.randint(1, 3)):
            document = _mutate(document, rng)
        got_fast = _outcome(lambda d=document: fast.canonicalize(d))
        got_plain = _outcome(lambda d=document: plain.canonicalize(d))
        assert got_fast == got_plain, json.dumps(document, ensure_ascii=False)[:2000]
        accepted += got_fast[0] == "ok"
    assert accepted > 60, "the variants are nearly all refused: they test little"


# Values a hostile or broken client might send, in contexts and in data.
_HOSTILE_CONTEXTS: list[Any] = [
    5,
    1.5,
    True,
    "",
    "relative",
    "@id",
    "_:b",
    "#frag",
    "//host/x",
    "http://",
    ":",
    "a:b",
    [],
    [5],
    ["", {}],
    {},
    {"@base": 5},
    {"@vocab": ""},
    {"@vocab": "rel"},
    {"@base": "rel"},
    {"@language": 5},
    {"@direction": 5},
    {"x": 5},
    {"x": {"@id": 5}},
    {"x": {"@type": 5}},
    {"x": {"@container": 5}},
    {"x": {"@context": 5}},
    {"@propagate": "yes"},
    {"@version": "1.1"},
    {"x": {"@reverse": 5}},
    {"x": {"@id": "@type"}},
    {"@protected": 5},
    {"x": {"@nest": 5}},
    {"x": {"@prefix": "yes"}},
    {"x": {"@index": 5, "@container": "@index"}},
    {"x": ""},
    {"": "http://x/"},
    {"@type": "x"},
    {"@type": {"@container": "@list"}},
]
_HOSTILE_VALUES: list[Any] = [
    5,
    {"@value": 5, "@language": "en"},
    {"@id": 5},
    {"@type": 5},
    {"@list": 5},
    {"@set": {}},
    {"@value": [1]},
    {"@graph": 5},
    {"@included": 5},
    {"@reverse": 5},
    {"@index": 5},
    {"@language": 5, "@value": "x"},
    {"@direction": 5, "@value": "x"},
    {"@value": "x", "@type": "@json"},
    {"@value": {}, "@type": "@json"},
    [[[]]],
    {"@id": ""},
    {"@type": ""},
    {"@type": []},
    {"@type": [""]},
    {"@id": "_:"},
    "\U0001d11e\udc00",
    {"@type": {}},
    {"@type": [{}]},
    {"@id": {}},
    [{"@index": 5}],
    {"@index": "i"},
]


def test_hostile_variants_fail_identically(fast: Canonicalizer, plain: Canonicalizer) -> None:
    """Broken contexts and values: same result or same error (class, code, message)."""
    rng = random.Random(31337)
    keys = ["name", "id", "type", "@id", "@type", "description", "@value", "@list", "@graph"]
    for _ in range(1200):
        document = copy.deepcopy(rng.choice([small_credential, open_badge_credential])())
        target = rng.choice([document, document["credentialSubject"]])
        if rng.random() < 0.5:
            hostile = copy.deepcopy(rng.choice(_HOSTILE_CONTEXTS))
            inherited = document["@context"] if target is document else []
            target["@context"] = hostile if rng.random() < 0.5 else [*inherited, hostile]
        else:
            target[rng.choice(keys)] = copy.deepcopy(
                rng.choice(_HOSTILE_VALUES + _HOSTILE_CONTEXTS)
            )
        got_fast = _outcome(lambda d=document: fast.canonicalize(d))
        assert got_fast == _outcome(lambda d=document: plain.canonicalize(d)), json.dumps(
            document, ensure_ascii=False
        )[:2000]


# -- opt-in RDFC-1.0 escaping of control characters ------------------------------------------


def _fast_nquads(document: Any, loader: Callable[..., Any], *, rdfc_escapes: bool) -> str:
    processor = FastJsonLdProcessor(ContextCache())
    options = {"base": None, "rdfDirection": "i18n-datatype", "documentLoader": loader}
    dataset = processor.to_rdf(copy.deepcopy(document), options)
    canonizer = FastURDNA2015(rdfc_escapes=rdfc_escapes)
    result: str = canonizer.main(dataset, {"format": "application/n-quads"})
    return result


_CONTROLS = "".join(chr(c) for c in [*range(0x20), 0x7F])


def _with_controls(document: Document) -> Document:
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["name"] = f'a{_CONTROLS}"\\\x80\u2028z'
    return changed


def test_rdfc_escapes_change_only_control_characters(loader: Callable[..., Any]) -> None:
    for name, document in ACCEPTED.items():
        plain = _fast_nquads(document, loader, rdfc_escapes=False)
        if not any(c in plain for c in _CONTROLS if c not in "\t\n\r"):
            assert _fast_nquads(document, loader, rdfc_escapes=True) == plain, name
    escaped = _fast_nquads(_with_controls(small_credential()), loader, rdfc_escapes=True)
    expected = (
        "a\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r"
        "\\u000E\\u000F\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
        '\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F\\u007F\\"\\\\\x80\u2028z'
    )
    assert f'"{expected}"' in escaped


@pytest.mark.interop
@pytest.mark.parametrize("factory", [small_credential, open_badge_credential])
def test_rdfc_escapes_match_the_reference(
    factory: Callable[[], Document], node: Any, loader: Callable[..., Any]
) -> None:
    """With rdfc_escapes, control characters canonicalize as jsonld.js does (also inside a
    blank node's quads, where they feed the first-degree hashes)."""
    document = _with_controls(factory())
    reference = node.request({"op": "canonize", "document": document})
    assert _fast_nquads(document, loader, rdfc_escapes=True) == reference
    assert _fast_nquads(document, loader, rdfc_escapes=False) != reference


# -- isolation and the version pin -----------------------------------------------------------


def test_pyld_itself_is_not_patched() -> None:
    for method in (
        "_process_context",
        "_expand_iri",
        "_expand",
        "_expand_object",
        "_create_node_map",
        "_graph_to_rdf",
        "_object_to_rdf",
        "expand",
    ):
        assert getattr(jsonld.JsonLdProcessor, method) is not getattr(FastJsonLdProcessor, method)
        assert getattr(jsonld.JsonLdProcessor, method).__module__ == "pyld.jsonld"
    assert URDNA2015.main is not FastURDNA2015.main
    assert URDNA2015.main.__module__ == "pyld.canon"


FORK_HELPERS = ("_vocab", "_vocab_table", "_literal_to_rdf")


def test_each_override_is_defined_once_over_pyld() -> None:
    """The processor is PyLD's with mixins (one module per concern): no two mixins override the
    same method, so every ``super()`` in them reaches PyLD's own method, as in one class."""
    mixins = FastJsonLdProcessor.__mro__[1:-2]
    assert FastJsonLdProcessor.__mro__[-2:] == (jsonld.JsonLdProcessor, object)
    seen: dict[str, str] = {}
    for mixin in mixins:
        for name, value in vars(mixin).items():
            if callable(value) and not name.startswith("__"):
                assert name not in seen, f"{name} in {mixin.__name__} and {seen[name]}"
                seen[name] = mixin.__name__
                # an override of PyLD's, or one of the fork's own three helpers
                assert name in vars(jsonld.JsonLdProcessor) or name in FORK_HELPERS, name
    assert {"_process_context", "_expand_iri", "expand", "_expand_object", "_graph_to_rdf"} <= set(
        seen
    )


def test_fastld_refuses_another_pyld_version() -> None:
    assert jsonld.__version__ == fastld.SUPPORTED_PYLD_VERSION
    code = "import pyld.jsonld as j\nj.__version__ = '9.9.9'\nimport service.proofs.pyld_fast\n"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode != 0
    assert "ImportError" in run.stderr
    assert "PyLD 3.3.0" in run.stderr and "9.9.9" in run.stderr


def test_import_is_refused_and_later_documents_are_unaffected(
    loader: Callable[..., Any], expected: dict[str, str]
) -> None:
    """PyLD merges an @import-ing context into its cached copy of the imported context; the
    Canonicalizer refuses such contexts, so a later document is canonicalized as before."""
    victim = "corpus/credential-with-status.json"
    for engine in (True, False):
        canonicalizer = Canonicalizer(loader=loader, fast=engine, rdfc_escapes=False)
        for name in ("corpus/rejected/import-embedded.json", "corpus/rejected/import-scoped.json"):
            with pytest.raises(Exception, match="@import"):
                canonicalizer.canonicalize(REJECTED[name])
        assert canonicalizer.canonicalize(ACCEPTED[victim]) == expected[victim]
