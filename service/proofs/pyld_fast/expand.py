"""Expansion of :class:`~service.proofs.pyld_fast.FastJsonLdProcessor`: ``expand``, ``_expand``,
``_prepare_nested_context`` and ``_expand_value``, PyLD's code with its helpers inlined
(package docstring, point 3). Node objects are expanded in :mod:`.expand_object`.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from service.proofs.pyld_fast._common import (
    JsonLdError,
    _arrayify,
    _context_value,
    _is_absolute_iri,
    _is_keyword,
    copy_json,
)


class Expansion(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's expansion entry points and value expansion, streamlined. Mixed into
    :class:`FastJsonLdProcessor`."""

    # -- expansion ----------------------------------------------------------------------

    def expand(self, input_: Any, options: Any) -> Any:
        """PyLD's ``expand``, copying the input with :func:`copy_json`."""
        options = options.copy() if options else {}
        options.setdefault("isFrame", False)
        options.setdefault("keepFreeFloatingNodes", False)
        options.setdefault("documentLoader", jsonld._default_document_loader)
        options.setdefault(
            "contextResolver",
            jsonld.ContextResolver(jsonld._resolved_context_cache, options["documentLoader"]),
        )
        options.setdefault("extractAllScripts", False)
        options.setdefault("processingMode", "json-ld-1.1")

        if isinstance(input_, str):
            remote_doc = jsonld.load_document(input_, options)
        else:
            remote_doc = {"contextUrl": None, "documentUrl": None, "document": input_}

        try:
            if remote_doc["document"] is None:
                raise JsonLdError(
                    "No remote document found at the given URL.",
                    "jsonld.NullRemoteDocument",
                )
        except Exception as cause:
            raise JsonLdError(
                "Could not retrieve a JSON-LD document from the URL.",
                "jsonld.LoadDocumentError",
                {"remoteDoc": remote_doc},
                code="loading document failed",
            ) from cause

        options.setdefault("base", remote_doc["documentUrl"] or "")

        input_ = {
            "document": copy_json(remote_doc["document"]),
            "remoteContext": remote_doc["contextUrl"],
        }
        if "expandContext" in options:
            expand_context = options["expandContext"]
            if isinstance(expand_context, dict) and "@context" in expand_context:
                input_["expandContext"] = expand_context["@context"]
            else:
                input_["expandContext"] = expand_context

        active_ctx = self._get_initial_context(options)
        document = input_["document"]
        remote_context = input_["remoteContext"]

        if "expandContext" in input_:
            active_ctx = self.process_context(active_ctx, input_["expandContext"], options)

        if remote_context is not None:
            active_ctx = self.process_context(active_ctx, remote_context, options)

        expanded = self._expand(active_ctx, None, document, options, inside_list=False)

        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        elif expanded is None:
            expanded = []

        return _arrayify(expanded)

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        if element is None:
            return element

        if active_property == "@default":
            options = {**options, "isFrame": False}

        if isinstance(element, list):
            rval: Any = []
            container = _arrayify(_context_value(active_ctx, active_property, "@container"))
            inside_list = inside_list or "@list" in container
            for e in element:
                e = self._expand(
                    active_ctx,
                    active_property,
                    e,
                    options,
                    inside_list=inside_list,
                    inside_index=inside_index,
                    type_scoped_ctx=type_scoped_ctx,
                )
                if inside_list and isinstance(e, list):
                    e = {"@list": e}
                if e is not None:
                    if isinstance(e, list):
                        rval.extend(e)
                    else:
                        rval.append(e)
            return rval

        if not isinstance(element, dict):
            if not inside_list and (
                active_property is None
                or self._vocab(active_ctx, self._vocab_table(active_ctx), active_property)
                == "@graph"
            ):
                return None
            return self._expand_value(active_ctx, active_property, element, options)

        expanded_active_property = self._vocab(
            active_ctx, self._vocab_table(active_ctx), active_property
        )

        property_scoped_ctx = _context_value(active_ctx, active_property, "@context")

        if not type_scoped_ctx and active_ctx.get("previousContext"):
            type_scoped_ctx = active_ctx

        must_revert = not inside_index
        if must_revert and type_scoped_ctx and len(element) <= 2 and "@context" not in element:
            table = self._vocab_table(type_scoped_ctx)
            for key in sorted(element):
                expanded_property = self._vocab(type_scoped_ctx, table, key)
                if expanded_property == "@value":
                    must_revert = False
                    active_ctx = type_scoped_ctx
                    break
                if expanded_property == "@id" and len(element) == 1:
                    must_revert = False
                    break

        if must_revert and "previousContext" in active_ctx:
            active_ctx = active_ctx["previousContext"]

        if property_scoped_ctx is not None:
            active_ctx = self._process_context(
                active_ctx, property_scoped_ctx, options, override_protected=True
            )

        active_ctx, type_key, type_scoped_ctx = self._prepare_nested_context(
            active_ctx, element, options
        )

        rval = {}
        self._expand_object(
            active_ctx,
            active_property,
            expanded_active_property,
            element,
            rval,
            options,
            inside_list,
            type_key,
            type_scoped_ctx,
        )

        count = len(rval)

        if "@value" in rval:
            if "@type" in rval and ("@language" in rval or "@direction" in rval):
                raise JsonLdError(
                    "Invalid JSON-LD syntax; an element containing "
                    '"@value" may not contain both "@type" and either "@language" or "@direction".',
                    "jsonld.SyntaxError",
                    {"element": rval},
                    code="invalid value object",
                )
            valid_count = count - 1
            if "@type" in rval:
                valid_count -= 1
            if "@index" in rval:
                valid_count -= 1
            if "@language" in rval:
                valid_count -= 1
            if "@direction" in rval:
                valid_count -= 1
            if valid_count != 0:
                raise JsonLdError(
                    'Invalid JSON-LD syntax; an element containing "@value" '
                    'may only have an "@index" property and at most one other '
                    'property which can be "@type" or "@language".',
                    "jsonld.SyntaxError",
                    {"element": rval},
                    code="invalid value object",
                )

            if "@type" in rval:
                if not options.get("isFrame") and any(
                    self._expand_iri(active_ctx, key, vocab=True) == "@type"
                    and isinstance(value, list)
                    for key, value in element.items()
                ):
                    raise JsonLdError(
                        'Invalid JSON-LD syntax; an element containing "@value" '
                        'must have a string or null value for "@type".',
                        "jsonld.SyntaxError",
                        {"element": rval},
                        code="invalid typed value",
                    )
                if rval["@type"] is None:
                    del rval["@type"]

            values = _arrayify(rval.get("@value")) if "@value" in rval else []
            types = _arrayify(rval.get("@type")) if "@type" in rval else []

            if self._processing_mode(active_ctx, 1.1) and "@json" in types and len(types) == 1:
                pass  # any @value is okay if @type: @json
            elif rval["@value"] is None:
                rval = None
            elif "@language" in rval and not all(
                isinstance(val, str) or (isinstance(val, dict) and len(val) == 0) for val in values
            ):
                raise JsonLdError(
                    "Invalid JSON-LD syntax; only strings may be language-tagged.",
                    "jsonld.SyntaxError",
                    {"element": rval},
                    code="invalid language-tagged value",
                )
            elif not all(
                (isinstance(type_, dict) and len(type_) == 0)
                or (
                    isinstance(type_, str)
                    and _is_absolute_iri(type_)
                    and not type_.startswith("_:")
                )
                for type_ in types
            ):
                raise JsonLdError(
                    'Invalid JSON-LD syntax; an element containing "@value" '
                    'and "@type" must have an absolute IRI for the value '
                    'of "@type".',
                    "jsonld.SyntaxError",
                    {"element": rval},
                    code="invalid typed value",
                )
        elif "@type" in rval:
            if rval["@type"] is None:
                raise JsonLdError(
                    'Invalid JSON-LD syntax; "@type" value must be a string, '
                    "an array of strings, or an empty object.",
                    "jsonld.SyntaxError",
                    {"value": None},
                    code="invalid type value",
                )
            if not isinstance(rval["@type"], list):
                rval["@type"] = [rval["@type"]]
        elif "@set" in rval or "@list" in rval:
            if count > 1 and not (count == 2 and "@index" in rval):
                raise JsonLdError(
                    "Invalid JSON-LD syntax; if an element has the "
                    'property "@set" or "@list", then it can have at most '
                    'one other property, which is "@index".',
                    "jsonld.SyntaxError",
                    {"element": rval},
                    code="invalid set or list object",
                )
            if "@set" in rval:
                rval = rval["@set"]
                count = len(rval)
        elif count == 1 and "@language" in rval:
            rval = None

        if (
            isinstance(rval, dict)
            and not options.get("keepFreeFloatingNodes")
            and not inside_list
            and (active_property is None or expanded_active_property == "@graph")
        ) and (count == 0 or "@value" in rval or "@list" in rval or (count == 1 and "@id" in rval)):
            rval = None

        return rval

    def _prepare_nested_context(self, active_ctx: Any, element: Any, options: Any) -> Any:
        if "@context" in element:
            local_ctx = element["@context"]
            if isinstance(local_ctx, dict) and len(local_ctx) == 1 and "@context" in local_ctx:
                raise JsonLdError(
                    "Invalid JSON-LD syntax; keywords cannot be overridden.",
                    "jsonld.SyntaxError",
                    {"context": local_ctx, "term": "@context"},
                    code="keyword redefinition",
                )
            active_ctx = self._process_context(active_ctx, local_ctx, options)

        type_scoped_ctx = active_ctx
        type_key = None

        table = self._vocab_table(active_ctx)
        for key in sorted(element):
            if self._vocab(active_ctx, table, key) != "@type":
                continue
            type_key = type_key or key
            types = [t for t in _arrayify(element[key]) if isinstance(t, str)]
            for type_ in sorted(types):
                ctx = _context_value(type_scoped_ctx, type_, "@context")
                if ctx is not None and ctx is not False:
                    active_ctx = self._process_context(active_ctx, ctx, options, propagate=False)

        return active_ctx, type_key, type_scoped_ctx

    def _expand_value(self, active_ctx: Any, active_property: Any, value: Any, options: Any) -> Any:
        if value is None:
            return None

        expanded_property = self._vocab(active_ctx, self._vocab_table(active_ctx), active_property)
        if expanded_property == "@id":
            return self._expand_iri(active_ctx, value, base=options.get("base", ""))
        elif expanded_property == "@type":
            return self._expand_iri(active_ctx, value, vocab=True, base=options.get("base", ""))

        entry = active_ctx["mappings"].get(active_property) if active_property is not None else None
        type_ = entry.get("@type") if entry else None  # get_context_value(..., "@type")

        if (type_ == "@id" or expanded_property == "@graph") and isinstance(value, str):
            return {"@id": self._expand_iri(active_ctx, value, base=options.get("base", ""))}
        if type_ == "@vocab" and isinstance(value, str):
            return {
                "@id": self._expand_iri(active_ctx, value, vocab=True, base=options.get("base", ""))
            }

        if _is_keyword(expanded_property):
            return value

        rval: dict[str, Any] = {}

        if type_ is not None and type_ != "@id" and type_ != "@vocab" and type_ != "@none":
            rval["@type"] = type_
        elif isinstance(value, str):
            language = _context_value(active_ctx, active_property, "@language")
            if language is not None:
                rval["@language"] = language
            direction = _context_value(active_ctx, active_property, "@direction")
            if direction is not None:
                rval["@direction"] = direction

        kind = type(value)
        if not (kind is str or kind is int or kind is float or kind is bool) and not (
            isinstance(value, bool) or jsonld._is_numeric(value) or isinstance(value, str)
        ):
            value = str(value)

        rval["@value"] = value
        return rval


__all__ = ["Expansion"]
