"""Node object expansion of :class:`~service.proofs.pyld_fast.FastJsonLdProcessor`:
PyLD's ``_expand_object`` (the longest algorithm of JSON-LD expansion, kept in one piece so it
reads side by side with PyLD's) with its helpers inlined (package docstring, point 3).
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from service.proofs.pyld_fast._common import (
    _KEYWORDS,
    _MISSING,
    JsonLdError,
    _add_value,
    _arrayify,
    _context_value,
    _is_absolute_iri,
)


class ObjectExpansion(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's ``_expand_object``, streamlined. Mixed into :class:`FastJsonLdProcessor`."""

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        expanded_parent: Any,
        options: Any,
        inside_list: bool = False,
        type_key: Any = None,
        type_scoped_ctx: Any = None,
    ) -> None:
        nests = []
        unexpanded_value = None
        is_json_type = False
        is_frame = options["isFrame"]
        base = options.get("base", "")
        expand_iri = self._expand_iri
        table = self._vocab_table(active_ctx)
        mappings = active_ctx["mappings"]

        if type_key in element:
            if element[type_key] and isinstance(element[type_key], list):
                t = element[type_key][0]
            else:
                t = element[type_key]
            is_json_type = self._vocab(active_ctx, table, t) == "@json"

        for key in sorted(element):
            value = element[key]
            if key == "@context":
                continue

            expanded_property: Any = table.get(key, _MISSING) if table is not None else _MISSING
            if expanded_property is _MISSING:
                expanded_property = expand_iri(active_ctx, key, vocab=True)

            is_keyword = isinstance(expanded_property, str) and expanded_property in _KEYWORDS
            if expanded_property is None or not (is_keyword or _is_absolute_iri(expanded_property)):
                self.on_property_dropped(expanded_property)
                continue

            if is_keyword:
                if expanded_active_property == "@reverse":
                    raise JsonLdError(
                        "Invalid JSON-LD syntax; a keyword cannot be used as a @reverse property.",
                        "jsonld.SyntaxError",
                        {"value": value},
                        code="invalid reverse property map",
                    )
                if (
                    expanded_property in expanded_parent
                    and expanded_property != "@included"
                    and expanded_property != "@type"
                ):
                    raise JsonLdError(
                        "Invalid JSON-LD syntax; colliding keywords detected.",
                        "jsonld.SyntaxError",
                        {"keyword": expanded_property},
                        code="colliding keywords",
                    )

                if expanded_property == "@id":
                    if not isinstance(value, str):
                        if not options.get("isFrame"):
                            raise JsonLdError(
                                'Invalid JSON-LD syntax; "@id" value must be a string.',
                                "jsonld.SyntaxError",
                                {"value": value},
                                code="invalid @id value",
                            )
                        if isinstance(value, dict):
                            if len(value) != 0:
                                raise JsonLdError(
                                    'Invalid JSON-LD syntax; "@id" value must be a '
                                    "string or an empty object or array of strings.",
                                    "jsonld.SyntaxError",
                                    {"value": value},
                                    code="invalid @id value",
                                )
                        elif isinstance(value, list):
                            if not all(isinstance(v, str) for v in value):
                                raise JsonLdError(
                                    'Invalid JSON-LD syntax; "@id" value an empty object or '
                                    "array of strings, if framing",
                                    "jsonld.SyntaxError",
                                    {"value": value},
                                    code="invalid @id value",
                                )
                        else:
                            raise JsonLdError(
                                'Invalid JSON-LD syntax; "@id" value an empty object or '
                                "array of strings, if framing",
                                "jsonld.SyntaxError",
                                {"value": value},
                                code="invalid @id value",
                            )

                    expanded_values = [
                        v if isinstance(v, dict) else expand_iri(active_ctx, v, base=base)
                        for v in _arrayify(value)
                    ]
                    _add_value(expanded_parent, "@id", expanded_values, is_frame)
                    continue

                if expanded_property == "@type":
                    if value is None:
                        _add_value(expanded_parent, "@type", None, is_frame)
                        continue
                    if isinstance(value, dict):
                        value = {
                            expand_iri(type_scoped_ctx, k, vocab=True): [
                                expand_iri(type_scoped_ctx, vv, vocab=True, base=base)
                                for vv in _arrayify(v)
                            ]
                            for k, v in value.items()
                        }
                    else:
                        value = _arrayify(value)
                    jsonld._validate_type_value(value, options.get("isFrame"))
                    expanded_values = [
                        expand_iri(type_scoped_ctx, v, vocab=True, base=base)
                        if isinstance(v, str)
                        else v
                        for v in _arrayify(value)
                    ]
                    _add_value(expanded_parent, "@type", expanded_values, is_frame)
                    continue

                if expanded_property == "@included" and self._processing_mode(active_ctx, 1.1):
                    included_result = _arrayify(
                        self._expand(active_ctx, active_property, value, options)
                    )
                    if not all(jsonld._is_subject(v) for v in included_result):
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "values of @included '
                            "must expand to node objects.",
                            "jsonld.SyntaxError",
                            {"value": value},
                            code="invalid @included value",
                        )
                    _add_value(expanded_parent, "@included", included_result, True)
                    continue

                if expanded_property == "@graph" and not isinstance(value, (dict, list)):
                    raise JsonLdError(
                        'Invalid JSON-LD syntax; "@graph" must not be an object or an array.',
                        "jsonld.SyntaxError",
                        {"value": value},
                        code="invalid @graph value",
                    )

                if expanded_property == "@value":
                    unexpanded_value = value
                    if is_json_type and self._processing_mode(active_ctx, 1.1):
                        expanded_parent["@value"] = value
                    else:
                        _add_value(expanded_parent, "@value", value, is_frame)
                    continue

                if expanded_property == "@language":
                    if value is None:
                        continue
                    if not isinstance(value, str) and not is_frame:
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "@language" value must be a string.',
                            "jsonld.SyntaxError",
                            {"value": value},
                            code="invalid language-tagged string",
                        )
                    expanded_values = [
                        v.lower() if isinstance(v, str) else v for v in _arrayify(value)
                    ]
                    _add_value(expanded_parent, "@language", expanded_values, is_frame)
                    continue

                if expanded_property == "@direction":
                    if not isinstance(value, str) and not is_frame:
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "@direction" value must be a string.',
                            "jsonld.SyntaxError",
                            {"value": value},
                            code="invalid base direction",
                        )
                    value = _arrayify(value)
                    if any(isinstance(d, str) and d not in ("ltr", "rtl") for d in value):
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "@direction" must be "ltr" or "rtl".',
                            "jsonld.SyntaxError",
                            {"value": value},
                            code="invalid base direction",
                        )
                    _add_value(expanded_parent, "@direction", value, is_frame)
                    continue

                if expanded_property == "@index":
                    if not isinstance(value, str):
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "@index" value must be a string.',
                            "jsonld.SyntaxError",
                            {"value": value},
                            code="invalid @index value",
                        )
                    _add_value(expanded_parent, "@index", value, False)
                    continue

                if expanded_property == "@reverse":
                    if not isinstance(value, dict):
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "@reverse" value must be an object.',
                            "jsonld.SyntaxError",
                            {"value": value},
                            code="invalid @reverse value",
                        )

                    expanded_value = self._expand(
                        active_ctx, "@reverse", value, options, inside_list=inside_list
                    )

                    if "@reverse" in expanded_value:
                        for rproperty, rvalue in expanded_value["@reverse"].items():
                            _add_value(expanded_parent, rproperty, rvalue, True)

                    reverse_map = expanded_parent.get("@reverse")
                    for prop, items in expanded_value.items():
                        if prop == "@reverse":
                            continue
                        if reverse_map is None:
                            reverse_map = expanded_parent["@reverse"] = {}
                        _add_value(reverse_map, prop, [], True)
                        for item in items:
                            if isinstance(item, dict) and ("@value" in item or "@list" in item):
                                raise JsonLdError(
                                    'Invalid JSON-LD syntax; "@reverse" '
                                    "value must not be an @value or an @list",
                                    "jsonld.SyntaxError",
                                    {"value": expanded_value},
                                    code="invalid reverse property value",
                                )
                            _add_value(reverse_map, prop, item, True)
                    continue

            # use potential scoped context for key (mapping lookups: get_context_value)
            entry = mappings.get(key)
            term_ctx = active_ctx
            ctx = entry.get("@context") if entry else None
            if ctx is not None:
                term_ctx = self._process_context(
                    active_ctx, ctx, options, propagate=True, override_protected=True
                )

            if expanded_property == "@nest":
                nests.append((key, term_ctx))
                continue

            container = _arrayify(entry.get("@container") if entry else None)

            if "@language" in container and isinstance(value, dict):
                direction = _context_value(active_ctx, key, "@direction")
                expanded_value = self._expand_language_map(term_ctx, value, direction)
            elif "@index" in container and isinstance(value, dict):
                index_key = _context_value(term_ctx, key, "@index")
                if index_key is None:
                    index_key = "@index"
                property_index = None
                if index_key != "@index":
                    property_index = expand_iri(
                        active_ctx, index_key, vocab=options.get("base", "")
                    )
                expanded_value = self._expand_index_map(
                    term_ctx,
                    key,
                    value,
                    index_key,
                    "@graph" in container,
                    property_index,
                    options,
                )
            elif "@id" in container and isinstance(value, dict):
                expanded_value = self._expand_index_map(
                    term_ctx, key, value, "@id", "@graph" in container, None, options
                )
            elif "@type" in container and isinstance(value, dict):
                expanded_value = self._expand_index_map(
                    self._revert_to_previous_context(term_ctx),
                    key,
                    value,
                    "@type",
                    False,
                    None,
                    options,
                )
            else:
                is_list = expanded_property == "@list"
                if is_list or expanded_property == "@set":
                    next_active_property = active_property
                    if is_list and expanded_active_property == "@graph":
                        next_active_property = None
                    expanded_value = self._expand(
                        term_ctx,
                        next_active_property,
                        value,
                        options,
                        inside_list=is_list,
                    )
                elif (entry.get("@type") if entry else None) == "@json":
                    expanded_value = {"@type": "@json", "@value": value}
                else:
                    expanded_value = self._expand(term_ctx, key, value, options, inside_list=False)

            if expanded_value is None and expanded_property != "@value":
                continue

            if (
                expanded_property != "@list"
                and not (isinstance(expanded_value, dict) and "@list" in expanded_value)
                and "@list" in container
            ):
                expanded_value = {"@list": _arrayify(expanded_value)}

            if "@graph" in container and "@id" not in container and "@index" not in container:
                expanded_value = [{"@graph": [v]} for v in _arrayify(expanded_value)]

            mapping = term_ctx["mappings"].get(key)
            if mapping and mapping["reverse"]:
                reverse_map = expanded_parent.setdefault("@reverse", {})
                expanded_value = _arrayify(expanded_value)
                for item in expanded_value:
                    if isinstance(item, dict) and ("@value" in item or "@list" in item):
                        raise JsonLdError(
                            'Invalid JSON-LD syntax; "@reverse" value must '
                            "not be an @value or an @list.",
                            "jsonld.SyntaxError",
                            {"value": expanded_value},
                            code="invalid reverse property value",
                        )
                    _add_value(reverse_map, expanded_property, item, True)
                continue

            use_array = expanded_property not in ("@index", "@id", "@type", "@value", "@language")
            _add_value(expanded_parent, expanded_property, expanded_value, use_array)

        if (
            "@value" in expanded_parent
            and not (
                expanded_parent.get("@type") == "@json" and self._processing_mode(active_ctx, 1.1)
            )
            and isinstance(unexpanded_value, (dict, list))
            and not options["isFrame"]
        ):
            raise JsonLdError(
                'Invalid JSON-LD syntax; @value" value must not be an object or an array.',
                "jsonld.SyntaxError",
                {"value": unexpanded_value},
                code="invalid value object value",
            )

        for key, nest_ctx in nests:
            for nv in _arrayify(element[key]):
                if not isinstance(nv, dict):
                    raise JsonLdError(
                        "Invalid JSON-LD syntax; nested value must be a node object.",
                        "jsonld.SyntaxError",
                        {"value": nv},
                        code="invalid @nest value",
                    )

                active_ctx, nest_type_key, nest_type_scoped_ctx = self._prepare_nested_context(
                    nest_ctx, nv, options
                )

                if any(expand_iri(active_ctx, k, vocab=True) == "@value" for k in nv):
                    raise JsonLdError(
                        "Invalid JSON-LD syntax; nested value must be a node object.",
                        "jsonld.SyntaxError",
                        {"value": nv},
                        code="invalid @nest value",
                    )

                self._expand_object(
                    active_ctx,
                    active_property,
                    expanded_active_property,
                    nv,
                    expanded_parent,
                    options,
                    inside_list=inside_list,
                    type_key=nest_type_key,
                    type_scoped_ctx=nest_type_scoped_ctx,
                )


__all__ = ["ObjectExpansion"]
