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
hashing (exponential on "poison" graphs) stops at a deadline (:mod:`.limits`, estimated
first by :mod:`.blank_nodes`). See README "Limits".

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
import re
from collections.abc import Mapping
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
from service.proofs.blank_nodes import blank_node_permutations
from service.proofs.limits import DEFAULT_LIMITS, Limits, _check_size, _Deadline, _walk
from service.proofs.pyld_fast import ContextCache, FastJsonLdProcessor, FastURDNA2015

# jsonld.js' test for an absolute IRI (or blank node id); PyLD drops anything else.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")


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


__all__ = ["Canonicalizer", "serialize"]
