"""Faster JSON-LD expansion, toRdf and RDFC-1.0 for PyLD 3.3.0, with identical output.

:class:`FastJsonLdProcessor` subclasses :class:`pyld.jsonld.JsonLdProcessor` and
:class:`FastURDNA2015` subclasses :class:`pyld.canon.URDNA2015`. Nothing in PyLD is patched:
a plain ``JsonLdProcessor`` in the same process behaves exactly as before, which is what
``tests/unit/test_fastld_equivalence.py`` relies on to compare the two byte for byte.
The overridden methods are PyLD 3.3.0's own code with the hot spots rewritten, so this package
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

The package, by concern: :mod:`._common` (the version check, PyLD's constants, inlined helpers),
:mod:`.cache` (:class:`ContextCache`), :mod:`.context` (context processing and IRI memos),
:mod:`.expand` and :mod:`.expand_object` (expansion), :mod:`.to_rdf` (node map, toRdf),
:mod:`.processor` (:class:`FastJsonLdProcessor`, the mixins put together) and
:mod:`.urdna2015` (:class:`FastURDNA2015`).
"""

from service.proofs.pyld_fast._common import SUPPORTED_PYLD_VERSION, copy_json
from service.proofs.pyld_fast.cache import ContextCache
from service.proofs.pyld_fast.processor import FastJsonLdProcessor
from service.proofs.pyld_fast.urdna2015 import FastURDNA2015

__all__ = [
    "SUPPORTED_PYLD_VERSION",
    "ContextCache",
    "FastJsonLdProcessor",
    "FastURDNA2015",
    "copy_json",
]
