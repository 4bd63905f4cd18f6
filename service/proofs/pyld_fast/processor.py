"""The fork's JSON-LD processor: PyLD's :class:`pyld.jsonld.JsonLdProcessor` with the overrides
of :mod:`.context`, :mod:`.expand`, :mod:`.expand_object` and :mod:`.to_rdf` mixed in. Each
mixin subclasses PyLD's processor and overrides distinct methods, so ``super()`` in any of
them reaches PyLD's own method."""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from service.proofs.pyld_fast.cache import ContextCache
from service.proofs.pyld_fast.context import ContextProcessing
from service.proofs.pyld_fast.expand import Expansion
from service.proofs.pyld_fast.expand_object import ObjectExpansion
from service.proofs.pyld_fast.to_rdf import ToRdf


class FastJsonLdProcessor(ContextProcessing, Expansion, ObjectExpansion, ToRdf):
    """PyLD's JSON-LD processor with memoized context processing and streamlined expansion.

    Produces exactly what :class:`pyld.jsonld.JsonLdProcessor` produces (see the module
    docstring). ``cache`` must belong to a single document loader.
    """

    def __init__(self, cache: ContextCache, on_property_dropped: Any = jsonld.noop) -> None:
        super().__init__(on_property_dropped=on_property_dropped)
        self._cache = cache
        # the last (active context, IRI table) pair looked up: consecutive lookups mostly
        # concern the same context
        self._last_table: tuple[Any, dict[Any, Any] | None] = (None, None)


__all__ = ["FastJsonLdProcessor"]
