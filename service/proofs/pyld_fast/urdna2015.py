"""RDFC-1.0 (URDNA2015) over pre-serialized quads: :class:`FastURDNA2015` (package docstring,
point 4).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pyld import canon as _canon
from pyld.identifier_issuer import IdentifierIssuer

from service.proofs.pyld_fast._common import _NEEDS_ESCAPE_RE, _RDF_LANGSTRING, _XSD_STRING

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


__all__ = ["FastURDNA2015"]
