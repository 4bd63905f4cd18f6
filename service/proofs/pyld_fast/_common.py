"""What every part of the fork shares: the PyLD version check, PyLD's constants and its generic
helpers specialised for the arguments the fork passes (see the package docstring, point 3).

Importing any module of the fork imports this one first, so a PyLD release other than
:data:`SUPPORTED_PYLD_VERSION` is refused before an override is defined.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pyld import jsonld

#: The only PyLD release whose internals the overrides below were written against.
SUPPORTED_PYLD_VERSION = "3.3.0"

if jsonld.__version__ != SUPPORTED_PYLD_VERSION:  # pragma: no cover - depends on install
    raise ImportError(
        f"service.proofs.pyld_fast overrides internals of PyLD {SUPPORTED_PYLD_VERSION}, but PyLD "
        f"{jsonld.__version__} is installed. Install PyLD=={SUPPORTED_PYLD_VERSION} (as "
        "pyproject.toml pins it), or re-derive service/proofs/pyld_fast/ from the new release and re-run "
        "tests/unit/test_fastld_equivalence.py."
    )

JsonLdError = jsonld.JsonLdError

_KEYWORDS = frozenset(jsonld.KEYWORDS)
# PyLD's _is_absolute_iri pattern, character for character ("+-." is a range, as in PyLD).
_ABSOLUTE_IRI_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_NEEDS_ESCAPE_RE = re.compile(r'[\\\t\n\r"]')

_RDF_TYPE = jsonld.RDF_TYPE
_RDF_LANGSTRING = jsonld.RDF_LANGSTRING
_RDF_JSON_LITERAL = jsonld.RDF_JSON_LITERAL
_RDF_VALUE = jsonld.RDF_VALUE
_RDF_DIRECTION = jsonld.RDF_DIRECTION
_RDF_LANGUAGE = jsonld.RDF_LANGUAGE
_XSD_BOOLEAN = jsonld.XSD_BOOLEAN
_XSD_DOUBLE = jsonld.XSD_DOUBLE
_XSD_INTEGER = jsonld.XSD_INTEGER
_XSD_STRING = jsonld.XSD_STRING

_JSON_SCALARS = (str, int, float, bool, type(None))
_MISSING = object()


# Strings known to match _ABSOLUTE_IRI_RE (property IRIs, types and ids repeat across
# documents). A pure cache of a pure function, bounded; only positive answers are kept.
_KNOWN_ABSOLUTE: set[str] = set()
_KNOWN_ABSOLUTE_MAX = 20_000


def _is_absolute_iri(value: Any) -> bool:
    """PyLD's ``_is_absolute_iri`` (same pattern), as a bool."""
    if not isinstance(value, str):
        return False
    if value in _KNOWN_ABSOLUTE:
        return True
    if _ABSOLUTE_IRI_RE.match(value) is None:
        return False
    if len(_KNOWN_ABSOLUTE) >= _KNOWN_ABSOLUTE_MAX:
        _KNOWN_ABSOLUTE.clear()
    _KNOWN_ABSOLUTE.add(value)
    return True


def _is_keyword(value: Any) -> bool:
    return isinstance(value, str) and value in _KEYWORDS


def _arrayify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _context_value(ctx: Any, key: Any, type_: str | None) -> Any:
    """``JsonLdProcessor.get_context_value``, same results."""
    rval = None
    if key is None:
        return rval
    if type_ == "@language" and type_ in ctx:
        rval = ctx[type_]
    if type_ == "@direction" and type_ in ctx:
        rval = ctx[type_]
    mappings = ctx["mappings"]
    if key in mappings:
        entry = mappings[key]
        if entry is None:
            return None
        if type_ is None:
            rval = entry
        elif type_ in entry:
            rval = entry[type_]
    return rval


def _add_value(subject: dict[str, Any], prop: str, value: Any, property_is_array: Any) -> None:
    """``JsonLdProcessor.add_value(subject, prop, value, {'propertyIsArray': ...})``
    (``allowDuplicate`` and ``valueIsArray`` at their defaults), same results."""
    if isinstance(value, list):
        if len(value) == 0 and property_is_array and prop not in subject:
            subject[prop] = []
        for v in value:
            _add_value(subject, prop, v, property_is_array)
    elif prop in subject:
        current = subject[prop]
        if not isinstance(current, list):
            current = subject[prop] = [current]
        current.append(value)
    else:
        subject[prop] = [value] if property_is_array else value


def _strict_eq(a: Any, b: Any) -> bool:
    return bool(
        a == b and (type(a) is type(b) if isinstance(a, bool) or isinstance(b, bool) else True)
    )


def _compare_values(v1: Any, v2: Any) -> bool:
    """``JsonLdProcessor.compare_values``, same results."""
    if v1 is v2:
        return True
    o1 = isinstance(v1, dict)
    o2 = isinstance(v2, dict)
    if not o1 and not o2:
        return _strict_eq(v1, v2)
    if o1 and o2:
        if "@value" in v1 and "@value" in v2:
            t1 = (v1.get("@type"), v1.get("@language"), v1.get("@index"))
            t2 = (v2.get("@type"), v2.get("@language"), v2.get("@index"))
            return t1 == t2 and _strict_eq(v1["@value"], v2["@value"])
        id1, id2 = v1.get("@id"), v2.get("@id")
        return bool(id1 == id2) if id1 is not None else False
    return False


def _has_value(subject: dict[str, Any], prop: str, value: Any) -> bool:
    """``JsonLdProcessor.has_value``, same results."""
    if prop not in subject:
        return False
    val = subject[prop]
    if isinstance(val, list) and len(val) == 0:
        return False
    if isinstance(val, dict) and "@list" in val:
        val = val["@list"]
    if isinstance(val, list):
        return any(_compare_values(value, v) for v in val)
    if not isinstance(value, list):
        return _compare_values(value, val)
    return False


def _add_value_unique(subject: dict[str, Any], prop: str, value: Any) -> None:
    """``add_value(subject, prop, value, {'propertyIsArray': True, 'allowDuplicate': False})``
    for a non-array ``value``, same results."""
    if prop in subject:
        has = _has_value(subject, prop, value)
        if not isinstance(subject[prop], list):
            subject[prop] = [subject[prop]]
        if not has:
            subject[prop].append(value)
    else:
        subject[prop] = [value]


def _is_bnode(value: Any) -> bool:
    """PyLD's ``_is_bnode``, same results."""
    if isinstance(value, dict):
        if "@id" in value:
            return str(value["@id"]).startswith("_:")
        return len(value) == 0 or not ("@value" in value or "@set" in value or "@list" in value)
    return False


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dict/list/str/number/bool/None); ``copy.deepcopy`` for the rest."""
    kind = type(value)
    if kind is dict:
        return {k: copy_json(v) for k, v in value.items()}
    if kind is list:
        return [copy_json(v) for v in value]
    if kind in _JSON_SCALARS:
        return value
    return copy.deepcopy(value)


def _plain_json(value: Any, depth: int = 0) -> bool:
    """True if ``value`` is JSON built from dict (str keys), list, str, int, float, bool, None."""
    if depth > 64:
        return False
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v, depth + 1) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v, depth + 1) for v in value)
    return kind in _JSON_SCALARS
