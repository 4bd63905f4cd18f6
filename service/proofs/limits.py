"""Bounds on the work one document may cause, checked before and during canonicalization:
JSON size, depth, width and blank nodes (:func:`check_structure`, iterative, before any JSON-LD
work), and CPU time per canonicalization and per request (:func:`cpu_budget`). The defaults
are documented in the README ("Limits")."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from service.errors import (
    BlankNodeLimitError,
    CanonicalizationError,
    CanonicalizationLimitError,
    MalformedDocumentError,
)


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


__all__ = ["DEFAULT_LIMITS", "Limits", "check_structure", "cpu_budget"]
