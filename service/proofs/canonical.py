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

Work is bounded: input size, JSON depth and array length are checked before PyLD runs,
the number of quads is capped, and RDFC's blank-node hashing (exponential on "poison"
graphs) stops at a deadline. See README "Limits".
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from service.contexts import DocumentLoader
from service.errors import (
    CanonicalizationError,
    CanonicalizationLimitError,
    ContextError,
    MalformedDocumentError,
    TesseraError,
)

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


DEFAULT_LIMITS = Limits()


def check_structure(document: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse JSON deeper, wider or larger than ``limits`` before any JSON-LD work.

    Iterative, so a hostile depth cannot exhaust the Python stack.
    """
    stack: list[tuple[Any, int]] = [(document, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > limits.max_depth:
            raise CanonicalizationLimitError(
                f"The document is nested more than {limits.max_depth} levels deep; "
                "credentials never need that. Flatten it."
            )
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            if len(value) > limits.max_array_length:
                raise CanonicalizationLimitError(
                    f"An array in the document has {len(value)} items; the limit is "
                    f"{limits.max_array_length}."
                )
            stack.extend((v, depth + 1) for v in value)
        elif value is None:
            raise CanonicalizationError(
                "The document contains a null value. Canonicalization drops nulls, so they "
                "cannot be signed; remove the property instead."
            )
    if nodes > limits.max_array_length * 10:
        raise CanonicalizationLimitError(
            f"The document has {nodes} JSON values; the limit is {limits.max_array_length * 10}."
        )


class _Deadline:
    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise CanonicalizationLimitError(
                f"Canonicalization did not finish within {self.seconds:g} s. The document's "
                "blank nodes are too entangled to canonicalize safely (a 'poison graph'); "
                "refusing it."
            )


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """URDNA2015 (= RDFC-1.0) that stops at a deadline inside its exponential step."""

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
                    if not isinstance(t, str) or not _ABSOLUTE_IRI.match(t) or t.startswith("_:"):
                        return f"the type {t!r} is not defined by any trusted context"
            elif key == "@value":
                if item is None:
                    return "a value is null"
            elif not key.startswith("@"):
                if key.startswith("_:") or not _ABSOLUTE_IRI.match(key):
                    return f"the property {key!r} is not an absolute IRI"
                stack.append(item)
            elif key in ("@list", "@set", "@graph", "@included", "@reverse"):
                stack.append(item)
    return None


class Canonicalizer:
    """Turns JSON-LD into canonical N-Quads with one document loader and one set of limits.

    Keep one per context store: it owns the cache of resolved contexts, so repeated calls
    skip context loading, and a cache is never shared across stores with other trust.
    """

    def __init__(self, *, loader: DocumentLoader, limits: Limits = DEFAULT_LIMITS) -> None:
        self.loader = loader
        self.limits = limits
        # PyLD's resolved-context LRU, scoped to this loader instead of the process.
        self._shared_cache: Any = jsonld.LRUCache(maxsize=jsonld.RESOLVED_CONTEXT_CACHE_MAX_SIZE)

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        """RDFC-1.0 canonical N-Quads of ``document``.

        Raises :class:`CanonicalizationError` if expansion would drop a term or keep a
        relative IRI, :class:`CanonicalizationLimitError` if a bound is hit,
        :class:`ContextError` for an untrusted or missing context.
        """
        check_structure(document, self.limits)
        deadline = _Deadline(self.limits.max_seconds)
        hook = _DroppedTerms()
        processor = jsonld.JsonLdProcessor(on_property_dropped=hook)
        options: dict[str, Any] = {
            "base": None,
            "documentLoader": self.loader,
            "contextResolver": ContextResolver(self._shared_cache, self.loader),
            "processingMode": "json-ld-1.1",
            "extractAllScripts": False,
            "rdfDirection": "i18n-datatype",
            "produceGeneralizedRdf": False,
            "identifierIssuer": IdentifierIssuer("_:b"),
        }
        try:
            expanded = processor.expand(dict(document), options)
        except jsonld.JsonLdError as exc:
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
        dataset = _to_dataset(processor, expanded, options)
        quads = sum(len(triples) for triples in dataset.values())
        if quads > self.limits.max_quads:
            raise CanonicalizationLimitError(
                f"The document expands to {quads} RDF statements; the limit is {self.limits.max_quads}."
            )
        try:
            result: str = _BoundedURDNA2015(deadline).main(
                dataset, {"format": "application/n-quads"}
            )
        except RecursionError:
            raise CanonicalizationLimitError("The document's blank nodes nest too deeply.") from None
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


__all__ = ["DEFAULT_LIMITS", "Canonicalizer", "Limits", "check_structure", "serialize"]
