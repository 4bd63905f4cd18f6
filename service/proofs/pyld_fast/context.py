"""Context processing and IRI expansion of :class:`~service.proofs.pyld_fast.FastJsonLdProcessor`:
the processed-context memo and the IRI memo (package docstring, points 1 and 2).
"""

from __future__ import annotations

from typing import Any

from frozendict import frozendict
from pyld import jsonld

from service.proofs.pyld_fast._common import _MISSING
from service.proofs.pyld_fast.cache import ContextCache, _local_context_key


class ContextProcessing(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's ``_process_context`` and ``_expand_iri`` behind memos; what they cannot memoize
    goes to PyLD's own methods (``super()``). Mixed into :class:`FastJsonLdProcessor`."""

    # set by FastJsonLdProcessor.__init__
    _cache: ContextCache
    _last_table: tuple[Any, dict[Any, Any] | None]

    # -- context processing -------------------------------------------------------------

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if cycles is not None or type(active_ctx) is not frozendict:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        cache = self._cache
        local = _local_context_key(cache, local_ctx)
        if local is None:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped
            )
        local_key, local_ref = local
        key = (
            id(active_ctx),
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base", ""),
        )
        entry = cache.contexts.get(key)
        if entry is not None and entry[0] is active_ctx and entry[1] is local_ref:
            return entry[2]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped
        )
        if type(result) is frozendict:
            if len(cache.contexts) >= cache.max_contexts:
                cache.clear()
            cache.contexts[key] = (active_ctx, local_ref, result)
            stable = cache.stable
            for mapping in result["mappings"].values():
                if mapping:
                    scoped = mapping.get("@context")
                    if type(scoped) is dict or type(scoped) is list:
                        stable[id(scoped)] = scoped
        return result

    # -- IRI expansion ------------------------------------------------------------------

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: Any = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        if vocab is True and local_ctx is None and type(value) is str:
            table = self._vocab_table(active_ctx)
            if table is not None:
                key = value if base is None else (value, base)
                try:
                    return table[key]
                except KeyError:
                    pass
                except TypeError:  # unhashable base: not memoized
                    return super()._expand_iri(active_ctx, value, base, vocab)
                result = super()._expand_iri(active_ctx, value, base, vocab)
                if len(table) >= self._cache.max_iris_per_context:
                    table.clear()
                table[key] = result
                return result
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)

    def _vocab_table(self, active_ctx: Any) -> dict[Any, Any] | None:
        """The IRI memo of a frozen (finished, immutable) active context; None for others."""
        last = self._last_table
        if last[0] is active_ctx:
            return last[1]
        if type(active_ctx) is not frozendict:
            return None
        iris = self._cache.iris
        entry = iris.get(id(active_ctx))
        if entry is None or entry[0] is not active_ctx:
            if len(iris) >= self._cache.max_contexts:
                iris.clear()
            entry = iris[id(active_ctx)] = (active_ctx, {})
        self._last_table = entry
        return entry[1]

    def _vocab(self, active_ctx: Any, table: dict[Any, Any] | None, value: Any) -> Any:
        """``self._expand_iri(active_ctx, value, vocab=True)``, ``table`` being its memo."""
        if table is not None and type(value) is str:  # other values may be unhashable
            result = table.get(value, _MISSING)
            if result is not _MISSING:
                return result
        return self._expand_iri(active_ctx, value, vocab=True)


__all__ = ["ContextProcessing"]
