"""The memo tables one Canonicalizer's processors share, and how a local context is keyed in
them (see the package docstring, points 1 and 2).
"""

from __future__ import annotations

import json
from typing import Any

from service.proofs.pyld_fast._common import _plain_json


class ContextCache:
    """Memo tables shared by the :class:`FastJsonLdProcessor` instances of one Canonicalizer.

    One instance per document loader (per pinned context store): never share one between
    loaders that could return different documents for the same URL. All tables are bounded;
    when one overflows, everything is dropped and rebuilt on demand. Thread-safe in the sense
    that matters here: each operation is a single dict read or write, entries are immutable
    once stored, and a lost race only means the same value is computed twice.
    """

    def __init__(self, max_contexts: int = 4096, max_iris_per_context: int = 4096) -> None:
        self.max_contexts = max_contexts
        self.max_iris_per_context = max_iris_per_context
        # key -> (active_ctx, local_ctx or None, processed context)
        self.contexts: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        # id(local context object inside a processed context's term definition) -> object
        self.stable: dict[int, Any] = {}
        # id(active_ctx) -> (active_ctx, {value or (value, base): vocab-expanded IRI}); the key
        # is the bare term when base is None (a str never equals a tuple)
        self.iris: dict[int, tuple[Any, dict[Any, Any]]] = {}

    def clear(self) -> None:
        self.contexts = {}
        self.stable = {}
        self.iris = {}


def _local_context_key(cache: ContextCache, local_ctx: Any) -> tuple[Any, Any] | None:
    """(hashable key, object the key depends on by identity) for a local context, or None."""
    if isinstance(local_ctx, str):
        return ("url", local_ctx), None
    if type(local_ctx) is list and all(type(c) is str for c in local_ctx):
        return ("urls", tuple(local_ctx)), None
    held = cache.stable.get(id(local_ctx))
    if held is not None and held is local_ctx:
        return ("object", id(local_ctx)), local_ctx
    if type(local_ctx) in (dict, list) and _plain_json(local_ctx):
        # the exact JSON text, key order included: equal text, equal context
        text = json.dumps(local_ctx, ensure_ascii=False, separators=(",", ":"))
        return ("json", text), None
    return None


__all__ = ["ContextCache"]
