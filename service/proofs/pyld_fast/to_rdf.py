"""Node map and toRdf of :class:`~service.proofs.pyld_fast.FastJsonLdProcessor`: PyLD's
``_create_node_map``, ``_graph_to_rdf``, ``_object_to_rdf`` and ``_literal_to_rdf`` with its
helpers inlined (package docstring, point 3).
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from service.proofs.pyld_fast._common import (
    _RDF_DIRECTION,
    _RDF_JSON_LITERAL,
    _RDF_LANGSTRING,
    _RDF_LANGUAGE,
    _RDF_TYPE,
    _RDF_VALUE,
    _XSD_BOOLEAN,
    _XSD_DOUBLE,
    _XSD_INTEGER,
    _XSD_STRING,
    JsonLdError,
    _add_value,
    _add_value_unique,
    _is_absolute_iri,
    _is_bnode,
    _is_keyword,
)


class ToRdf(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's node map and RDF conversion, streamlined. Mixed into
    :class:`FastJsonLdProcessor`."""

    # -- node map and RDF ---------------------------------------------------------------

    def _create_node_map(
        self,
        input_: Any,
        graph_map: Any,
        active_graph: Any,
        issuer: Any,
        active_subject: Any = None,
        active_property: Any = None,
        list_: Any = None,
    ) -> None:
        if isinstance(input_, list):
            for e in input_:
                self._create_node_map(
                    e, graph_map, active_graph, issuer, active_subject, active_property, list_
                )
            return

        subject_node = (
            graph_map.setdefault(active_graph, {}).get(active_subject)
            if isinstance(active_subject, str)
            else None
        )

        if "@type" in input_:
            for type_ in input_["@type"]:
                if type_.startswith("_:"):
                    issuer.get_id(type_)

        if isinstance(input_, dict) and "@value" in input_:
            if "@type" in input_:
                type_ = input_["@type"]
                if type_.startswith("_:"):
                    type_ = input_["@type"] = issuer.get_id(type_)
            if list_:
                list_["@list"].append(input_)
            elif subject_node:
                _add_value_unique(subject_node, active_property, input_)
            return

        if isinstance(input_, dict) and "@list" in input_:
            o: dict[str, Any] = {"@list": []}
            self._create_node_map(
                input_["@list"], graph_map, active_graph, issuer, active_subject, active_property, o
            )
            if list_:
                list_["@list"].append(o)
            elif subject_node:
                # allowDuplicate: True
                if active_property in subject_node:
                    current = subject_node[active_property]
                    if not isinstance(current, list):
                        current = subject_node[active_property] = [current]
                    current.append(o)
                else:
                    subject_node[active_property] = [o]
            return

        id_ = input_.get("@id")
        if _is_bnode(input_):
            id_ = issuer.get_id(id_)

        node = graph_map.setdefault(active_graph, {}).setdefault(id_, {"@id": id_})

        if isinstance(active_subject, dict):
            _add_value_unique(node, active_property, active_subject)
        elif active_property:
            reference = {"@id": id_}
            if list_:
                list_["@list"].append(reference)
            elif subject_node:
                _add_value_unique(subject_node, active_property, reference)

        for prop in sorted(input_):
            objects = input_[prop]
            if prop == "@id":
                continue

            if prop == "@reverse":
                referenced_node = {"@id": id_}
                reverse_map = input_["@reverse"]
                for reverse_property, items in reverse_map.items():
                    for item in items:
                        self._create_node_map(
                            item,
                            graph_map,
                            active_graph,
                            issuer,
                            active_subject=referenced_node,
                            active_property=reverse_property,
                        )
                continue

            if prop == "@graph":
                graph_map.setdefault(id_, {})
                g = active_graph if active_graph == "@merged" else id_
                self._create_node_map(objects, graph_map, g, issuer)
                continue

            if prop == "@included":
                self._create_node_map(objects, graph_map, active_graph, issuer)
                continue

            if prop != "@type" and _is_keyword(prop):
                if (
                    prop == "@index"
                    and "@index" in node
                    and (
                        input_["@index"] != node["@index"]
                        or input_["@index"]["@id"] != node["@index"]["@id"]
                    )
                ):
                    raise JsonLdError(
                        "Invalid JSON-LD syntax; conflicting @index property  detected.",
                        "jsonld.SyntaxError",
                        {"node": node},
                        code="conflicting indexes",
                    )
                node[prop] = input_[prop]
                continue

            if prop.startswith("_:"):
                prop = issuer.get_id(prop)

            if len(objects) == 0:
                _add_value(node, prop, [], True)
                continue

            for item in objects:
                if prop == "@type":
                    item = issuer.get_id(item) if item.startswith("_:") else item
                    _add_value_unique(node, prop, item)
                else:
                    self._create_node_map(
                        item,
                        graph_map,
                        active_graph,
                        issuer,
                        active_subject=id_,
                        active_property=prop,
                    )

    def _graph_to_rdf(self, graph: Any, issuer: Any, options: Any) -> list[dict[str, Any]]:
        triples: list[dict[str, Any]] = []
        generalized = options["produceGeneralizedRdf"]
        object_to_rdf = self._object_to_rdf
        for id_ in sorted(graph):
            node = graph[id_]
            subject_ok = _is_absolute_iri(id_)
            subject = None
            for prop in sorted(node):
                items = node[prop]
                if prop == "@type":
                    prop = _RDF_TYPE
                elif _is_keyword(prop):
                    continue
                if not items or not subject_ok or not _is_absolute_iri(prop):
                    continue  # PyLD skips each item for the same reason
                if prop.startswith("_:"):
                    if not generalized:
                        continue
                    predicate = {"type": "blank node", "value": prop}
                else:
                    predicate = {"type": "IRI", "value": prop}
                if subject is None:
                    subject = {
                        "type": "blank node" if id_.startswith("_:") else "IRI",
                        "value": id_,
                    }
                for item in items:
                    obj = object_to_rdf(item, issuer, triples, options)
                    if obj is not None:
                        # Components may be shared between triples: RDFC never mutates a
                        # predicate, and rewrites a shared subject's label only once.
                        triples.append({"subject": subject, "predicate": predicate, "object": obj})
        return triples

    def _object_to_rdf(self, item: Any, issuer: Any, triples: Any, options: Any) -> Any:
        if isinstance(item, dict) and "@value" in item:
            value = item["@value"]
            datatype = item.get("@type")
            if isinstance(value, str) and datatype != "@json" and datatype != _XSD_DOUBLE:
                # A string is neither a bool, a double nor an integer: PyLD's later branches.
                rdf_direction = options.get("rdfDirection")
                if rdf_direction == "i18n-datatype" and "@direction" in item:
                    return {
                        "type": "literal",
                        "value": value,
                        "datatype": "https://www.w3.org/ns/i18n#{}_{}".format(
                            item.get("@language", ""), item["@direction"]
                        ),
                    }
                if rdf_direction != "compound-literal" or "@direction" not in item:
                    if "@language" in item:
                        return {
                            "type": "literal",
                            "value": value,
                            "datatype": datatype or _RDF_LANGSTRING,
                            "language": item["@language"],
                        }
                    return {"type": "literal", "value": value, "datatype": datatype or _XSD_STRING}
            return self._literal_to_rdf(item, issuer, triples, options)

        obj: dict[str, Any] = {}
        if isinstance(item, dict) and "@list" in item:
            list_ = self._list_to_rdf(item["@list"], issuer, triples, options)
            obj["value"] = list_["value"]
            obj["type"] = list_["type"]
        else:
            id_ = item["@id"] if isinstance(item, dict) else item
            obj["type"] = "blank node" if id_.startswith("_:") else "IRI"
            obj["value"] = id_

        if obj["type"] == "IRI" and not _is_absolute_iri(obj["value"]):
            return None
        return obj

    def _literal_to_rdf(self, item: Any, issuer: Any, triples: Any, options: Any) -> Any:
        """PyLD's ``_object_to_rdf`` for a value object, unchanged."""
        obj: dict[str, Any] = {"type": "literal"}
        value = item["@value"]
        datatype = item.get("@type")
        rdf_direction = options.get("rdfDirection")

        if datatype == "@json":
            obj["value"] = jsonld.canonicalize(value).decode("UTF-8")
            obj["datatype"] = _RDF_JSON_LITERAL
        elif jsonld._is_bool(value):
            obj["value"] = "true" if value else "false"
            obj["datatype"] = datatype or _XSD_BOOLEAN
        elif jsonld._is_double(value):
            obj["value"] = jsonld._canonicalize_double(value)
            obj["datatype"] = datatype or _XSD_DOUBLE
            return obj
        elif datatype == _XSD_DOUBLE:
            try:
                float_value = float(value)
            except (ValueError, TypeError):
                obj["value"] = value
                obj["datatype"] = _XSD_DOUBLE
                return obj
            else:
                obj["value"] = jsonld._canonicalize_double(float_value)
                obj["datatype"] = _XSD_DOUBLE
                return obj
        elif (
            options["processingMode"] == "json-ld-1.1"
            and jsonld._is_integer(value)
            and abs(value) >= 1e21
        ):
            obj["value"] = jsonld._canonicalize_double(value)
            obj["datatype"] = datatype or _XSD_DOUBLE
        elif jsonld._is_integer(value):
            obj["value"] = str(int(value))
            obj["datatype"] = datatype or _XSD_INTEGER
        elif rdf_direction == "compound-literal" and "@direction" in item:
            obj["type"] = "blank node"
            obj["value"] = issuer.get_id()
            subject = {"type": "blank node", "value": obj["value"]}
            triples.append(
                {
                    "subject": subject,
                    "predicate": {"type": "IRI", "value": _RDF_VALUE},
                    "object": {"type": "literal", "value": value, "datatype": _XSD_STRING},
                }
            )
            triples.append(
                {
                    "subject": subject,
                    "predicate": {"type": "IRI", "value": _RDF_DIRECTION},
                    "object": {
                        "type": "literal",
                        "value": item["@direction"],
                        "datatype": _XSD_STRING,
                    },
                }
            )
            if "@language" in item:
                triples.append(
                    {
                        "subject": subject,
                        "predicate": {"type": "IRI", "value": _RDF_LANGUAGE},
                        "object": {
                            "type": "literal",
                            "value": item["@language"],
                            "datatype": _XSD_STRING,
                        },
                    }
                )
        elif rdf_direction == "i18n-datatype" and "@direction" in item:
            obj["value"] = value
            obj["datatype"] = "https://www.w3.org/ns/i18n#{}_{}".format(
                item.get("@language", ""), item["@direction"]
            )
        elif "@language" in item:
            obj["value"] = value
            obj["datatype"] = datatype or _RDF_LANGSTRING
            obj["language"] = item["@language"]
        else:
            obj["value"] = value
            obj["datatype"] = datatype or _XSD_STRING

        if obj["type"] == "IRI" and not _is_absolute_iri(obj["value"]):
            return None
        return obj


__all__ = ["ToRdf"]
