"""RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, via PyLD, made safe.

PyLD has three traps that each break signatures or interop silently; this module closes
them in one place and every proof suite canonicalizes through :func:`canonicalize`:

* PyLD refuses the name ``RDFC-1.0``; RDFC-1.0 is URDNA2015 (RDF Dataset Canonicalization
  §1: the algorithm was renamed, the output is identical), so we ask for ``URDNA2015``.
* With no ``base`` PyLD resolves relative IRIs against ``http://example.org/base/`` and
  signs them. We pass ``base=None`` and refuse any relative IRI that remains.
* Without ``rdfDirection='i18n-datatype'`` PyLD drops ``@direction``, so right-to-left
  values (Arabic) canonicalize differently from the reference implementation.

PyLD has no "safe mode": an undefined term is dropped from the RDF without a word, so a
property added after signing would still verify. :func:`canonicalize` refuses any document
in which expansion drops or relativizes anything (the events jsonld.js' ``safe: true``
treats as errors), so a document is signed or verified only as the exact set of
statements it shows.

PyLD processes ``@import`` by merging the importing context into its cached copy of the
imported context, so one document could redefine terms for every later document (or crash
them). Any context that uses ``@import`` is refused.

Work is bounded: input size (``max_bytes``, compact JSON in UTF-8), JSON depth and array
length are checked before PyLD runs, the number of quads is capped, and RDFC's blank-node
hashing (exponential on "poison" graphs) stops at a deadline. See README "Limits".

Every failure is a :class:`TesseraError`: PyLD's own errors, and the bare ``ValueError``
it raises for a relative ``@context`` reference or text that is not valid Unicode, are
translated.

The JSON-LD work runs on :mod:`service.proofs.pyld_fast` (PyLD's processor and URDNA2015 with
memoized context processing and streamlined hot paths; output proven byte-identical to
plain PyLD by ``tests/unit/test_fastld_equivalence.py``). ``Canonicalizer(fast=False)`` runs
unmodified PyLD through exactly the same checks, for comparison and as an escape hatch.
"""

from __future__ import annotations

import copy
import json
import math
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from service.contexts import DocumentLoader
from service.errors import (
    BlankNodeLimitError,
    CanonicalizationError,
    CanonicalizationLimitError,
    ContextError,
    MalformedDocumentError,
    TesseraError,
)
from service.proofs.pyld_fast import ContextCache, FastJsonLdProcessor, FastURDNA2015

# jsonld.js' test for an absolute IRI (or blank node id); PyLD drops anything else.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one document may cause. Defaults are documented in the README."""

    max_bytes: int = 256 * 1024
    max_depth: int = 32
    max_array_length: int = 2_000
    max_quads: int = 5_000
    max_seconds: float = 1.0
    #: Blank nodes (JSON objects without an id, and ``_:`` identifiers), counted in the JSON
    #: before any JSON-LD work. An Open Badges credential has about 4.
    max_blank_nodes: int = 1_000
    #: Estimated orderings RDFC-1.0's Hash N-Degree Quads would try for the document's
    #: indistinguishable blank nodes (:func:`blank_node_permutations`), checked before that
    #: exponential step. A real credential needs none; about 40 us of CPU each.
    max_blank_node_permutations: int = 20_000


DEFAULT_LIMITS = Limits()


def check_structure(document: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse JSON deeper, wider or larger than ``limits`` before any JSON-LD work.

    Iterative, so a hostile depth cannot exhaust the Python stack.
    """
    _walk(document, limits)


_UNBOUNDED = 1 << 62
_MAX_SMALL_INT = 10**18


def _walk(document: Any, limits: Limits) -> int:
    """:func:`check_structure`, returning an upper bound of the document's size in bytes.

    The bound is for compact JSON in UTF-8 (at most 6 bytes a character, with quotes, colons
    and commas), or ``_UNBOUNDED`` when it cannot be had cheaply (huge integers, non-JSON
    types); :func:`_check_size` then measures exactly. The visiting order (and so the first
    problem reported) is that of a plain stack walk; ``type(...) is`` tests come before the
    slow ABC check.
    """
    # A negative depth marks a value inside an ``@context`` (term definitions are no nodes).
    stack: list[tuple[Any, int]] = [(document, 1)]
    nodes = 0
    size = 0
    blank_nodes = 0
    labels: set[str] = set()
    max_depth = limits.max_depth
    max_array_length = limits.max_array_length
    while stack:
        value, depth = stack.pop()
        nodes += 1
        in_context = depth < 0
        depth = -depth if in_context else depth
        if depth > max_depth:
            raise CanonicalizationLimitError(
                f"The document is nested more than {limits.max_depth} levels deep; "
                "credentials never need that. Flatten it."
            )
        kind = type(value)
        if kind is str:
            size += 6 * len(value) + 2
        elif kind is bool or kind is float:
            size += 24
        elif kind is int:
            size += 20 if -_MAX_SMALL_INT < value < _MAX_SMALL_INT else _UNBOUNDED
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            if kind is not dict:
                size += _UNBOUNDED
            for key in value:
                size += 6 * len(key) + 4 if type(key) is str else _UNBOUNDED
            size += 2
            if in_context:
                stack.extend((v, -depth - 1) for v in value.values())
                continue
            identifier = value.get("@id", value.get("id"))
            if identifier is None:
                if "@value" not in value and "@list" not in value and "@set" not in value:
                    blank_nodes += 1
            elif type(identifier) is str and identifier.startswith("_:"):
                labels.add(identifier)
            for key, item in value.items():
                stack.append((item, -depth - 1 if key == "@context" else depth + 1))
        elif isinstance(value, list):
            if len(value) > max_array_length:
                raise CanonicalizationLimitError(
                    f"An array in the document has {len(value)} items; the limit is "
                    f"{limits.max_array_length}."
                )
            size += len(value) + 2 if kind is list else _UNBOUNDED
            stack.extend((v, -depth - 1 if in_context else depth + 1) for v in value)
        elif value is None:
            raise CanonicalizationError(
                "The document contains a null value. Canonicalization drops nulls, so they "
                "cannot be signed; remove the property instead."
            )
        else:
            size += _UNBOUNDED
    if nodes > max_array_length * 10:
        raise CanonicalizationLimitError(
            f"The document has {nodes} JSON values; the limit is {limits.max_array_length * 10}."
        )
    if blank_nodes + len(labels) > limits.max_blank_nodes:
        raise BlankNodeLimitError(
            f"The document has {blank_nodes + len(labels)} blank nodes (objects without an "
            f"id, and _: identifiers); this verifier accepts at most {limits.max_blank_nodes}, "
            "because canonicalizing many blank nodes can take exponential time. A credential "
            "has a handful; give its objects ids (https://…, urn:uuid:…) or send it without "
            "the extra objects."
        )
    return size


def _check_size(document: Any, bound: int, limits: Limits) -> None:
    """Refuse a document whose compact JSON is larger than ``limits.max_bytes``."""
    if bound <= limits.max_bytes:
        return
    try:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError) as exc:  # e.g. a key that is not a string
        raise MalformedDocumentError(f"The document is not JSON: {exc}") from None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise CanonicalizationLimitError(
            f"The document is {size} bytes of JSON; the limit is {limits.max_bytes}."
        )


class _NoImportContextResolver(ContextResolver):  # type: ignore[misc]
    """PyLD's context resolver, refusing any context that uses ``@import``.

    PyLD 3.3.0 processes ``@import`` by merging the importing context into its cached copy
    of the imported one (``import_ctx.update(ctx)`` in ``_process_context``), so one
    document would redefine terms for every later document using that context, or crash
    them. Every context PyLD processes (embedded, scoped, loaded, or an ``@import`` target)
    passes through :meth:`resolve`, so this refuses exactly the contexts that would be used.
    """

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        local = context
        if isinstance(local, Mapping) and "@context" in local:
            local = local["@context"]
        for ctx in local if isinstance(local, list) else [local]:
            if isinstance(ctx, Mapping) and "@import" in ctx:
                raise ContextError(
                    "A JSON-LD context uses @import, which Tessera refuses: PyLD would merge "
                    "it into its shared copy of the imported context and change how later "
                    "documents canonicalize. List the contexts in @context instead."
                )
        return super().resolve(active_ctx, context, base, cycles)


_shared_budget = threading.local()


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Bound the CPU time of all canonicalizations in this thread inside the ``with`` block,
    together, to ``seconds`` (each still has its own :attr:`Limits.max_seconds`).

    One verification canonicalizes once or twice per proof, and a document may carry many
    proofs (an attacker can sign a costly document with as many of its own did:keys as it
    likes), so a per-call deadline alone does not bound a request. Nested budgets keep the
    tighter one."""
    previous: float | None = getattr(_shared_budget, "at", None)
    at = time.thread_time() + seconds
    _shared_budget.at = min(at, previous) if previous is not None else at
    _shared_budget.seconds = seconds
    try:
        yield
    finally:
        _shared_budget.at = previous


class _Deadline:
    """A budget of CPU time for this thread: a busy machine slows the clock, not the work,
    so a normal credential never fails for load while a poison graph is still stopped. The
    tighter of ``seconds`` and the enclosing :func:`cpu_budget`."""

    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.thread_time() + seconds
        shared: float | None = getattr(_shared_budget, "at", None)
        if shared is not None and shared < self.at:
            self.at = shared
            self.seconds = _shared_budget.seconds

    def check(self) -> None:
        if time.thread_time() > self.at:
            raise CanonicalizationLimitError(
                f"Canonicalization did not finish within {self.seconds:g} s of CPU. The "
                "document's blank nodes are too entangled to canonicalize safely (a 'poison "
                "graph'), or it is far larger or carries far more proofs than a credential; "
                "refusing it."
            )


class _BoundedURDNA2015(FastURDNA2015):
    """URDNA2015 (= RDFC-1.0) that stops at a deadline inside its exponential step."""

    def __init__(self, deadline: _Deadline, *, rdfc_escapes: bool = True) -> None:
        # RDFC-1.0 canonical N-Quads escape control characters; PyLD writes them raw, so
        # without this a credential containing one would not verify in other verifiers.
        super().__init__(rdfc_escapes=rdfc_escapes)
        self._deadline = deadline

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._deadline.check()
        return super().hash_n_degree_quads(id_, issuer)

    def hash_related_blank_node(self, related: str, quad: Any, issuer: Any, position: str) -> Any:
        self._deadline.check()
        return super().hash_related_blank_node(related, quad, issuer, position)


class _BoundedPlainURDNA2015(URDNA2015):  # type: ignore[misc]
    """Unmodified PyLD URDNA2015 with the same deadline (``Canonicalizer(fast=False)``)."""

    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._deadline.check()
        return super().hash_n_degree_quads(id_, issuer)

    def hash_related_blank_node(self, related: str, quad: Any, issuer: Any, position: str) -> Any:
        self._deadline.check()
        return super().hash_related_blank_node(related, quad, issuer, position)


class _DroppedTerms:
    """PyLD ``on_property_dropped`` hook: remember every property expansion discarded."""

    def __init__(self) -> None:
        self.dropped: list[str] = []

    def __call__(self, expanded_property: str | None = None, *args: Any, **kwargs: Any) -> None:
        self.dropped.append(str(expanded_property))


# Property IRIs and types already known to match _ABSOLUTE_IRI (they repeat across
# documents); bounded, and a pure cache: a miss only means one more regex match.
_KNOWN_ABSOLUTE: set[str] = set()
_KNOWN_ABSOLUTE_MAX = 20_000


def _absolute(value: str) -> bool:
    if value in _KNOWN_ABSOLUTE:
        return True
    if _ABSOLUTE_IRI.match(value) is None:
        return False
    if len(_KNOWN_ABSOLUTE) >= _KNOWN_ABSOLUTE_MAX:
        _KNOWN_ABSOLUTE.clear()
    _KNOWN_ABSOLUTE.add(value)
    return True


def _find_unsafe(expanded: Any) -> str | None:
    """First thing in expanded JSON-LD that toRdf would silently drop, described; else None."""
    stack = [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        is_value = "@value" in value
        for key, item in value.items():
            if key == "@id":
                if not isinstance(item, str) or not _ABSOLUTE_IRI.match(item):
                    return f"the identifier {item!r} is not an absolute IRI"
            elif key == "@type":
                types = item if isinstance(item, list) else [item]
                for t in types:
                    if is_value and t == "@json":
                        continue
                    if not isinstance(t, str) or not _absolute(t) or t.startswith("_:"):
                        return f"the type {t!r} is not defined by any trusted context"
            elif key == "@value":
                if item is None:
                    return "a value is null"
            elif not key.startswith("@"):
                if key.startswith("_:") or not _absolute(key):
                    return f"the property {key!r} is not an absolute IRI"
                stack.append(item)
            elif key in ("@list", "@set", "@graph", "@included", "@reverse"):
                stack.append(item)
    return None


class Canonicalizer:
    """Turns JSON-LD into canonical N-Quads with one document loader and one set of limits.

    Keep one per context store: it owns the caches of resolved and processed contexts, so
    repeated calls skip context loading and processing, and a cache is never shared across
    stores with other trust. ``fast=False`` uses unmodified PyLD (same checks, same output,
    several times slower).
    """

    def __init__(
        self,
        *,
        loader: DocumentLoader,
        limits: Limits = DEFAULT_LIMITS,
        fast: bool = True,
        rdfc_escapes: bool = True,
    ) -> None:
        self.loader = loader
        self.limits = limits
        self.fast = fast
        # False only to prove the fast path identical to PyLD, which does not escape.
        self.rdfc_escapes = rdfc_escapes
        # PyLD's resolved-context LRU, scoped to this loader instead of the process.
        self._shared_cache: Any = jsonld.LRUCache(maxsize=jsonld.RESOLVED_CONTEXT_CACHE_MAX_SIZE)
        # fastld's processed-context and IRI memo, likewise scoped to this loader.
        self._context_cache = ContextCache()

    def with_limits(self, limits: Limits) -> Canonicalizer:
        """The same canonicalizer (loader, context caches, mode) under other ``limits``: the
        public verifier's smaller work budget without a second copy of the caches."""
        bounded = copy.copy(self)
        bounded.limits = limits
        return bounded

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        """RDFC-1.0 canonical N-Quads of ``document``.

        Raises :class:`CanonicalizationError` if expansion would drop a term or keep a
        relative IRI, :class:`CanonicalizationLimitError` if a bound is hit,
        :class:`ContextError` for an untrusted or missing context, or one using ``@import``
        (PyLD would rewrite its shared copy of the imported context).
        """
        _check_size(document, _walk(document, self.limits), self.limits)
        deadline = _Deadline(self.limits.max_seconds)
        hook = _DroppedTerms()
        processor: Any
        if self.fast:
            processor = FastJsonLdProcessor(self._context_cache, on_property_dropped=hook)
        else:
            processor = jsonld.JsonLdProcessor(on_property_dropped=hook)
        options: dict[str, Any] = {
            "base": None,
            "documentLoader": self.loader,
            "contextResolver": _NoImportContextResolver(self._shared_cache, self.loader),
            "processingMode": "json-ld-1.1",
            "extractAllScripts": False,
            "rdfDirection": "i18n-datatype",
            "produceGeneralizedRdf": False,
            "identifierIssuer": IdentifierIssuer("_:b"),
        }
        try:
            expanded = processor.expand(dict(document), options)
        except (jsonld.JsonLdError, ValueError) as exc:
            # PyLD's IRI resolver raises a bare ValueError for a relative @context reference
            raise _explain(exc) from None
        except RecursionError:
            raise CanonicalizationLimitError("The document is nested too deeply.") from None
        if hook.dropped:
            raise CanonicalizationError(
                "Canonicalization would silently drop "
                + ", ".join(repr(p) for p in sorted(set(hook.dropped)))
                + ": the term is not defined by any of the document's contexts. Add a context "
                "that defines it, or remove it."
            )
        problem = _find_unsafe(expanded)
        if problem:
            raise CanonicalizationError(
                f"Canonicalization would drop or change data: {problem}. Use absolute IRIs "
                "(https://…, urn:…, did:…) and terms the contexts define."
            )
        deadline.check()
        try:
            dataset = _to_dataset(processor, expanded, options)
        except (jsonld.JsonLdError, ValueError) as exc:
            raise _explain(exc) from None
        quads = sum(len(triples) for triples in dataset.values())
        if quads > self.limits.max_quads:
            raise CanonicalizationLimitError(
                f"The document expands to {quads} RDF statements; "
                f"the limit is {self.limits.max_quads}."
            )
        cap = self.limits.max_blank_node_permutations
        if blank_node_permutations(dataset, cap) > cap:
            raise BlankNodeLimitError(
                "The document's blank nodes are too entangled to canonicalize safely (a "
                "'poison graph'): telling them apart would take more than the "
                f"{self.limits.max_blank_node_permutations:,} orderings this verifier allows. "
                "Real credentials need none: give repeated objects ids, or make them differ."
            )
        canonizer: URDNA2015 = (
            _BoundedURDNA2015(deadline, rdfc_escapes=self.rdfc_escapes)
            if self.fast
            else _BoundedPlainURDNA2015(deadline)
        )
        try:
            result: str = canonizer.main(dataset, {"format": "application/n-quads"})
            if not result.isascii():
                result.encode("utf-8")  # what gets hashed must be valid UTF-8
        except RecursionError:
            raise CanonicalizationLimitError(
                "The document's blank nodes nest too deeply."
            ) from None
        except UnicodeEncodeError as exc:
            raise _explain(exc) from None
        return result


def blank_node_permutations(dataset: Mapping[str, Any], cap: int) -> int:
    """An estimate of the orderings RDFC-1.0 (§4.8 Hash N-Degree Quads) would try, computed
    in linear time before that exponential step runs; at least ``cap + 1`` when over ``cap``.

    Blank nodes whose own statements are alike (the same "first-degree" shape: themselves as
    ``_:a``, other blank nodes as ``_:z``, as in §4.7) cannot be told apart directly, so the
    algorithm hashes paths through their neighbours. For each such node and each group of
    alike neighbours reached the same way (shape, predicate, position), it tries every
    ordering of the group: ``k!`` for ``k`` neighbours, summed. Nodes with a unique shape get
    their label at once and cost nothing. Then it recurses along paths of alike nodes, so
    each connected group of them adds the number of paths (about the product of the square
    roots of each node's widest group, plus the square of its size). The estimate refuses the known poison shapes
    (cliques of interchangeable nodes, identical parents with many identical children,
    rings and lattices of alike nodes) in microseconds instead of after the whole deadline;
    the CPU deadline covers what it underestimates.
    """
    mentions: dict[str, list[tuple[str, tuple[str, str, str, str]]]] = {}
    for graph_name, triples in dataset.items():
        graph = graph_name if graph_name.startswith("_:") else ""
        for triple in triples:
            subject, obj = triple["subject"], triple["object"]
            s_value = subject["value"] if subject["type"] == "blank node" else ""
            o_value = obj["value"] if obj["type"] == "blank node" else ""
            if not (s_value or o_value or graph):
                continue
            literal = (
                obj["value"] + "\x00" + obj.get("datatype", "") + "\x00" + obj.get("language", "")
                if obj["type"] == "literal"
                else ""
                if o_value
                else obj["value"]
            )
            quad = (s_value, triple["predicate"]["value"], o_value, graph)
            for node in {s_value, o_value, graph} - {""}:
                mentions.setdefault(node, []).append((literal, quad))
    if len(mentions) < 2:
        return 0

    def shape(node: str) -> tuple[str, ...]:
        def name(value: str) -> str:
            return "" if not value else ("_:a" if value == node else "_:z")

        return tuple(
            sorted(
                f"{name(s)} {p} {name(o) or literal} {name(g)}"
                for literal, (s, p, o, g) in mentions[node]
            )
        )

    shapes = {node: shape(node) for node in mentions}
    alike: dict[tuple[str, ...], int] = {}
    for node_shape in shapes.values():
        alike[node_shape] = alike.get(node_shape, 0) + 1
    total = 0
    widest: dict[str, int] = {}  # alike node -> its largest group of alike neighbours
    parent: dict[str, str] = {}  # union-find over alike nodes joined by a statement
    for node, node_shape in shapes.items():
        if alike[node_shape] < 2:
            continue
        parent.setdefault(node, node)
        groups: dict[tuple[tuple[str, ...], str, str], int] = {}
        for _, (s, p, o, g) in mentions[node]:
            for position, related in (("s", s), ("o", o), ("g", g)):
                if related and related != node:
                    key = (shapes[related], p, position)
                    groups[key] = groups.get(key, 0) + 1
                    if alike[shapes[related]] > 1:
                        _union(parent, node, related)
        widest[node] = max(groups.values(), default=1)
        for k in groups.values():
            total += math.factorial(min(k, 20)) if k > 1 else 1
            if total > cap:
                return total
    # The recursion: each alike node it walks through multiplies the paths by about the
    # square root of its widest group (rings of degree k: k ** (n / 2)), and every node of
    # a connected group walks the group (n ** 2 even for a plain ring). Measured at roughly
    # 8 orderings' worth of CPU per path, and per 32 node pairs.
    log_paths: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for node, k in widest.items():
        root = _find(parent, node)
        log_paths[root] = log_paths.get(root, 0.0) + 0.5 * math.log(k)
        sizes[root] = sizes.get(root, 0) + 1
    for root, log_value in log_paths.items():
        if sizes[root] > 1:
            paths = math.ceil(math.exp(min(log_value, 60.0)))
            total += 8 * (paths + math.ceil(sizes[root] ** 2 / 32))
            if total > cap:
                return total
    return total


def _find(parent: dict[str, str], node: str) -> str:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _union(parent: dict[str, str], a: str, b: str) -> None:
    parent.setdefault(b, b)
    root_a, root_b = _find(parent, a), _find(parent, b)
    if root_a != root_b:
        parent[root_b] = root_a


def _to_dataset(processor: Any, expanded: Any, options: dict[str, Any]) -> dict[str, Any]:
    """PyLD's toRdf after expansion (jsonld.py ``to_rdf``), without expanding a second time."""
    issuer = options["identifierIssuer"]
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    dataset: dict[str, Any] = {}
    for graph_name, graph in sorted(node_map.items()):
        if graph_name == "@default" or _ABSOLUTE_IRI.match(graph_name):
            dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
    return dataset


def _explain(exc: Any) -> TesseraError:
    """Turn a PyLD error chain into one of ours, keeping the innermost readable message."""
    if isinstance(exc, UnicodeError):
        return MalformedDocumentError(
            "The document contains text that is not valid Unicode (an unpaired UTF-16 "
            "surrogate), which cannot be signed."
        )
    cause: Any = exc
    while cause is not None:
        if isinstance(cause, TesseraError):
            return cause
        cause = cause.__cause__ or getattr(cause, "cause", None)
    messages = []
    cause = exc
    while isinstance(cause, jsonld.JsonLdError):
        messages.append(str(getattr(cause, "message", cause)).split("\n")[0])
        cause = cause.__cause__ or getattr(cause, "cause", None)
    detail = messages[-1] if messages else str(exc)
    if "context" in detail.lower():
        return ContextError(f"JSON-LD context error: {detail}")
    return MalformedDocumentError(f"The document is not valid JSON-LD: {detail}")


def serialize(document: Mapping[str, Any]) -> str:
    """Stable JSON text of a document (for size checks and hashing of whole documents)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


__all__ = [
    "DEFAULT_LIMITS",
    "Canonicalizer",
    "Limits",
    "blank_node_permutations",
    "check_structure",
    "cpu_budget",
    "serialize",
]
