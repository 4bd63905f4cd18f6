"""Faster JSON-LD expansion, toRdf and RDFC-1.0 for PyLD 3.3.0, with identical output.

:class:`FastJsonLdProcessor` subclasses :class:`pyld.jsonld.JsonLdProcessor` and
:class:`FastURDNA2015` subclasses :class:`pyld.canon.URDNA2015`. Nothing in PyLD is patched:
a plain ``JsonLdProcessor`` in the same process behaves exactly as before, which is what
``tests/unit/test_fastld_equivalence.py`` relies on to compare the two byte for byte.
The overridden methods are PyLD 3.3.0's own code with the hot spots rewritten, so this module
refuses to import with any other PyLD version (``pyproject.toml`` pins ``PyLD==3.3.0``).

Why it is fast, and why each change cannot change the output:

1. **Processed-context memo** (:meth:`FastJsonLdProcessor._process_context`). PyLD caches a
   processed context per (resolved context, active context ``_uuid``), but a
   non-propagating (type-scoped) context is first cloned into a *new* active context with a
   fresh ``_uuid``, so that cache misses on every ``@type`` with a scoped context: each
   ``VerifiableCredential``, ``DataIntegrityProof``, ``Achievement``, ``Profile``,
   ``Alignment``... is re-processed on every use, with every scoped context it defines
   (pre-validation), a JSON canonicalization of the context to find it in the resolver
   cache, and ``uuid1()`` calls. We memoize the whole call on (the active context *object*,
   the local context, ``override_protected``, ``propagate``, ``validate_scoped``, ``base``).
   Safe because:

   * processing is a pure function of those inputs and of the context documents. The
     document loader is fixed (one :class:`ContextCache` belongs to one ``Canonicalizer``,
     i.e. one pinned context store whose bytes never change), and PyLD mutates a loaded
     context document only when processing ``@import`` (it merges the importing context into
     its cached copy of the imported one), which ``Canonicalizer`` refuses;
   * only PyLD's finished, frozen (``frozendict``) active contexts are used as keys or
     stored, and PyLD never mutates a frozen context or its ``mappings`` (term definitions
     are only ever written into the fresh clone being built);
   * every entry holds strong references to the objects its key names by identity, so an
     ``id()`` in a key cannot be recycled while the entry exists (hits are also checked
     with ``is``);
   * exceptions are never cached, and the nested calls PyLD makes *while* defining a context
     (``cycles`` given) go straight to PyLD;
   * local contexts are keyed by value when they are URLs, by identity when they are a
     term's scoped context inside an already processed (immutable, memo-held) context, and
     otherwise (contexts embedded in the document) by their exact JSON text; anything that
     is not plain JSON is not memoized.

   Because the memo returns the same object every time, everything keyed on it downstream
   (the IRI memo, PyLD's caches, ``previousContext`` reverts) hits as well.
2. **IRI memo** (:meth:`FastJsonLdProcessor._expand_iri`). Vocabulary expansion
   (``vocab=True``) of a string against a frozen active context is a pure function of
   (context, string, base); it is cached per context (bounded, identity-checked as above),
   and the hot loops fetch a context's table once per node object. Calls made while a
   context is being defined (``local_ctx`` given), against mutable contexts, or with
   non-string (possibly unhashable) values go to PyLD.
3. **Expansion, node map, toRdf** (``expand``, ``_expand``, ``_expand_object``,
   ``_expand_value``, ``_prepare_nested_context``, ``_create_node_map``, ``_graph_to_rdf``,
   ``_object_to_rdf``): PyLD's code with its generic helpers inlined (``isinstance`` for
   ``_is_object``/``_is_array``/``_is_string``, a ``frozenset`` of keywords, PyLD's exact
   regular expressions precompiled, ``get_context_value``/``add_value``/``compare_values``
   specialised for the arguments used, a bounded set of strings already known to be
   absolute IRIs), keys visited in the same sorted order, the same hook calls and the same
   errors in the same places. ``expand`` copies the input with a JSON-specialised copy
   instead of ``copy.deepcopy`` (``deepcopy`` for anything that is not plain JSON);
   expansion never mutates its input, so sharing of sub-objects does not matter.
4. **RDFC-1.0 / URDNA2015** (:class:`FastURDNA2015`): every quad is serialized once into
   its N-Quads pieces; Hash First Degree Quads and the final output assemble strings from
   those pieces (substituting ``_:a``/``_:z`` or the canonical label) instead of
   deep-copying components and calling ``serialize_nquad`` for every blank node; literal
   escaping is skipped when a precompiled search finds nothing to escape; hashing still
   feeds one N-Quad at a time, as PyLD. Hash N-Degree Quads is PyLD's, except that the
   identifier issuer is copied field by field instead of with ``copy.deepcopy`` (it holds
   a prefix, a counter, a dict and a list of strings).

``tests/unit/test_fastld_equivalence.py`` checks byte-identical canonical N-Quads against
plain PyLD over the W3C vectors, the factories and a hand-written corpus (Open Badges, status
lists, ``@direction``/``@language``, ``@json``, numbers, blank nodes needing N-degree
hashing, nested and reverted scoped contexts), in shuffled orders and many times through one
cache; identical refusals; identical expansion, hook calls and toRdf for the rest of
JSON-LD; identical Hash N-Degree Quads results; and seeded random and hostile variants.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from frozendict import frozendict
from pyld import canon as _canon
from pyld import jsonld
from pyld.identifier_issuer import IdentifierIssuer

#: The only PyLD release whose internals the overrides below were written against.
SUPPORTED_PYLD_VERSION = "3.3.0"

if jsonld.__version__ != SUPPORTED_PYLD_VERSION:  # pragma: no cover - depends on install
    raise ImportError(
        f"service.proofs.pyld_fast overrides internals of PyLD {SUPPORTED_PYLD_VERSION}, but PyLD "
        f"{jsonld.__version__} is installed. Install PyLD=={SUPPORTED_PYLD_VERSION} (as "
        "pyproject.toml pins it), or re-derive fastld.py from the new release and re-run "
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


class FastJsonLdProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
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


# -- RDFC-1.0 (URDNA2015) ---------------------------------------------------------------


def _escape(value: str) -> str:
    """``pyld.nquads.escape``: skipped when nothing needs escaping."""
    if _NEEDS_ESCAPE_RE.search(value) is None:
        return value
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


_RDFC_ESCAPE_RE = re.compile('[\x00-\x1f"\\\\\x7f]')
_RDFC_SHORT_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


def _escape_rdfc(value: str) -> str:
    """Literal escaping of RDFC-1.0 canonical N-Quads (what jsonld.js / rdf-canonize write):
    ``\\b \\t \\n \\f \\r \\" \\\\``, and ``\\u00XX`` for the other C0 controls and DEL.
    PyLD writes those other controls raw."""
    if _RDFC_ESCAPE_RE.search(value) is None:
        return value
    return _RDFC_ESCAPE_RE.sub(
        lambda m: _RDFC_SHORT_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), value
    )


# A quad split into its N-Quads pieces: (subject blank node or None, subject text,
# predicate text, object blank node or None, object text, graph blank node or None,
# graph text). A piece's text is only used when it is not a blank node.
_Prepared = tuple[str | None, str, str, str | None, str, str | None, str]


def _prepare_quad(quad: dict[str, Any], escape: Any = _escape) -> _Prepared:
    """Pieces of ``pyld.nquads.serialize_nquad(quad)``, blank nodes left to fill in."""
    s = quad["subject"]
    p = quad["predicate"]
    o = quad["object"]
    s_bnode = s["value"] if s["type"] == "blank node" else None
    s_text = "<" + s["value"] + ">" if s["type"] == "IRI" else s["value"]
    p_text = "<" + p["value"] + ">" if p["type"] == "IRI" else p["value"]
    o_bnode = None
    if o["type"] == "IRI":
        o_text = "<" + o["value"] + ">"
    elif o["type"] == "blank node":
        o_bnode = o_text = o["value"]
    else:
        o_text = '"' + escape(o["value"]) + '"'
        if o["datatype"] == _RDF_LANGSTRING:
            if o.get("language"):
                o_text += "@" + o["language"]
        elif o["datatype"] != _XSD_STRING:
            o_text += "^^<" + o["datatype"] + ">"
    name = quad.get("name")
    g_bnode = None
    g_text = ""
    if name is not None:
        g = name["value"]
        if name["type"] == "blank node":
            g_bnode = g
        if g is not None:
            g_text = " <" + g + ">" if not g.startswith("_:") else " " + g
    return s_bnode, s_text, p_text, o_bnode, o_text, g_bnode, g_text


def _copy_issuer(issuer: Any) -> Any:
    """``copy.deepcopy`` of an :class:`IdentifierIssuer` (its fields are all immutable or flat)."""
    clone = IdentifierIssuer(issuer.prefix)
    clone.counter = issuer.counter
    clone.existing = dict(issuer.existing)
    clone.order = list(issuer.order)
    return clone


class FastURDNA2015(_canon.URDNA2015):  # type: ignore[misc]
    """PyLD's URDNA2015 (RDFC-1.0) with each quad serialized once (see the module docstring).

    Subclasses may override ``hash_n_degree_quads`` and ``hash_related_blank_node`` (the
    deadline checks in ``canonical.py`` do) and call ``super()``.

    ``rdfc_escapes=True`` escapes control characters in literals as RDFC-1.0 canonical
    N-Quads (and jsonld.js) do, ``\\u0001`` rather than the raw character PyLD writes; it
    changes the output (and possibly blank node labels) of documents containing U+0000-U+0008,
    U+000B, U+000C, U+000E-U+001F or U+007F, and nothing else. Off by default: identical to
    PyLD.
    """

    def __init__(self, *, rdfc_escapes: bool = False) -> None:
        super().__init__()
        self._prepared: dict[int, _Prepared] = {}
        self._escape = _escape_rdfc if rdfc_escapes else _escape

    def _pieces(self, quad: dict[str, Any]) -> _Prepared:
        pieces = self._prepared.get(id(quad))
        if pieces is None:
            pieces = self._prepared[id(quad)] = _prepare_quad(quad, self._escape)
        return pieces

    def main(self, dataset: Any, options: Any) -> Any:
        if "format" in options and (
            options["format"] != "application/n-quads" and options["format"] != "application/nquads"
        ):
            raise _canon.UnknownFormatError("Unknown output format.", options["format"])

        quads = self.quads
        info = self.blank_node_info
        prepared = self._prepared
        for graph_name, triples in dataset.items():
            if graph_name == "@default":
                graph_name = None
            for quad in triples:
                if graph_name is not None:
                    if graph_name.startswith("_:"):
                        quad["name"] = {"type": "blank node"}
                    else:
                        quad["name"] = {"type": "IRI"}
                    quad["name"]["value"] = graph_name
                quads.append(quad)
                pieces = prepared[id(quad)] = _prepare_quad(quad, self._escape)
                for bnode in (pieces[0], pieces[3], pieces[5]):
                    if bnode is not None:
                        entry = info.get(bnode)
                        if entry is None:
                            entry = info[bnode] = {"quads": []}
                        entry["quads"].append(quad)

        non_normalized = set(info.keys())
        simple = True
        while simple:
            simple = False
            self.hash_to_blank_nodes: dict[str, list[str]] = {}
            for id_ in non_normalized:
                hash_ = self.hash_first_degree_quads(id_)
                self.hash_to_blank_nodes.setdefault(hash_, []).append(id_)
            for hash_, id_list in sorted(self.hash_to_blank_nodes.items()):
                if len(id_list) > 1:
                    continue
                id_ = id_list[0]
                self.canonical_issuer.get_id(id_)
                non_normalized.remove(id_)
                del self.hash_to_blank_nodes[hash_]
                simple = True

        for _hash, id_list in sorted(self.hash_to_blank_nodes.items()):
            hash_path_list = []
            for id_ in id_list:
                if self.canonical_issuer.has_id(id_):
                    continue
                issuer = IdentifierIssuer("_:b")
                issuer.get_id(id_)
                hash_path_list.append(self.hash_n_degree_quads(id_, issuer))
            for result in sorted(hash_path_list, key=lambda r: r["hash"]):
                for existing in result["issuer"].order:
                    self.canonical_issuer.get_id(existing)

        canonical = self.canonical_issuer
        prefix = canonical.prefix

        def label(bnode: str) -> str:
            return bnode if bnode.startswith(prefix) else str(canonical.get_id(bnode))

        normalized = []
        for quad in quads:
            s_bnode, s_text, p_text, o_bnode, o_text, g_bnode, g_text = prepared[id(quad)]
            if s_bnode is not None:
                s_text = label(s_bnode)
            if o_bnode is not None:
                o_text = label(o_bnode)
            if g_bnode is not None:
                g_text = " " + label(g_bnode)
            normalized.append(f"{s_text} {p_text} {o_text}{g_text} .\n")
        normalized.sort()

        if options.get("format") in ("application/n-quads", "application/nquads"):
            return "".join(normalized)
        return _canon.parse_nquads("".join(normalized))

    def hash_first_degree_quads(self, id_: str) -> str:
        info = self.blank_node_info[id_]
        if "hash" in info:
            return str(info["hash"])
        nquads = []
        for quad in info["quads"]:
            s_bnode, s_text, p_text, o_bnode, o_text, g_bnode, g_text = self._pieces(quad)
            if s_bnode is not None:
                s_text = "_:a" if s_bnode == id_ else "_:z"
            if o_bnode is not None:
                o_text = "_:a" if o_bnode == id_ else "_:z"
            if g_bnode is not None:
                g_text = " _:a" if g_bnode == id_ else " _:z"
            nquads.append(f"{s_text} {p_text} {o_text}{g_text} .\n")
        nquads.sort()
        md = hashlib.sha256()
        for nquad in nquads:  # one update per N-Quad, as PyLD (same errors for bad text)
            md.update(nquad.encode("utf8"))
        digest = md.hexdigest()
        info["hash"] = digest
        return digest

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        """PyLD's Hash N-Degree Quads with a field-by-field copy of the issuer."""
        hash_to_related = self.create_hash_to_related(id_, issuer)
        md = self.create_hash()
        for hash_, blank_nodes in sorted(hash_to_related.items()):
            md.update(hash_.encode("utf8"))
            chosen_path = ""
            chosen_issuer = None
            for permutation in _canon.permutations(blank_nodes):
                issuer_copy = _copy_issuer(issuer)
                path = ""
                recursion_list = []
                skip_to_next_permutation = False
                for related in permutation:
                    if self.canonical_issuer.has_id(related):
                        path += self.canonical_issuer.get_id(related)
                    else:
                        if not issuer_copy.has_id(related):
                            recursion_list.append(related)
                        path += issuer_copy.get_id(related)
                    if (
                        len(chosen_path) != 0
                        and len(path) >= len(chosen_path)
                        and path > chosen_path
                    ):
                        skip_to_next_permutation = True
                        break
                if skip_to_next_permutation:
                    continue
                for related in recursion_list:
                    result = self.hash_n_degree_quads(related, issuer_copy)
                    path += issuer_copy.get_id(related)
                    path += "<" + result["hash"] + ">"
                    issuer_copy = result["issuer"]
                    if (
                        len(chosen_path) != 0
                        and len(path) >= len(chosen_path)
                        and path > chosen_path
                    ):
                        skip_to_next_permutation = True
                        break
                if skip_to_next_permutation:
                    continue
                if len(chosen_path) == 0 or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            md.update(chosen_path.encode("utf8"))
            issuer = chosen_issuer
        return {"hash": md.hexdigest(), "issuer": issuer}


__all__ = [
    "SUPPORTED_PYLD_VERSION",
    "ContextCache",
    "FastJsonLdProcessor",
    "FastURDNA2015",
    "copy_json",
]
