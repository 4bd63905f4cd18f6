"""How much work RDFC-1.0's Hash N-Degree Quads would do on a dataset's indistinguishable blank
nodes, estimated before that exponential step runs (:func:`blank_node_permutations`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def blank_node_permutations(dataset: Mapping[str, Any], cap: int) -> int:
    """An estimate of the orderings RDFC-1.0 (§4.8 Hash N-Degree Quads) would try, computed
    in linear time before that exponential step runs; at least ``cap + 1`` when over ``cap``.

    Blank nodes whose own statements are alike (the same "first-degree" shape: themselves as
    ``_:a``, other blank nodes as ``_:z``, as in §4.7) cannot be told apart directly, so the
    algorithm hashes paths through their neighbours. For each such node and each group of
    alike neighbours reached the same way (shape, predicate, position), it tries every
    ordering of the group: ``k!`` for ``k`` neighbours, summed. Nodes with a unique shape get
    their label at once and cost nothing. Then it recurses along paths of alike nodes, so
    each connected group of them adds the number of paths (about the product of the square
    roots of each node's widest group, plus the square of its size). The estimate refuses the known poison shapes
    (cliques of interchangeable nodes, identical parents with many identical children,
    rings and lattices of alike nodes) in microseconds instead of after the whole deadline;
    the CPU deadline covers what it underestimates.
    """
    mentions: dict[str, list[tuple[str, tuple[str, str, str, str]]]] = {}
    for graph_name, triples in dataset.items():
        graph = graph_name if graph_name.startswith("_:") else ""
        for triple in triples:
            subject, obj = triple["subject"], triple["object"]
            s_value = subject["value"] if subject["type"] == "blank node" else ""
            o_value = obj["value"] if obj["type"] == "blank node" else ""
            if not (s_value or o_value or graph):
                continue
            literal = (
                obj["value"] + "\x00" + obj.get("datatype", "") + "\x00" + obj.get("language", "")
                if obj["type"] == "literal"
                else ""
                if o_value
                else obj["value"]
            )
            quad = (s_value, triple["predicate"]["value"], o_value, graph)
            for node in {s_value, o_value, graph} - {""}:
                mentions.setdefault(node, []).append((literal, quad))
    if len(mentions) < 2:
        return 0

    def shape(node: str) -> tuple[str, ...]:
        def name(value: str) -> str:
            return "" if not value else ("_:a" if value == node else "_:z")

        return tuple(
            sorted(
                f"{name(s)} {p} {name(o) or literal} {name(g)}"
                for literal, (s, p, o, g) in mentions[node]
            )
        )

    shapes = {node: shape(node) for node in mentions}
    alike: dict[tuple[str, ...], int] = {}
    for node_shape in shapes.values():
        alike[node_shape] = alike.get(node_shape, 0) + 1
    total = 0
    widest: dict[str, int] = {}  # alike node -> its largest group of alike neighbours
    parent: dict[str, str] = {}  # union-find over alike nodes joined by a statement
    for node, node_shape in shapes.items():
        if alike[node_shape] < 2:
            continue
        parent.setdefault(node, node)
        groups: dict[tuple[tuple[str, ...], str, str], int] = {}
        for _, (s, p, o, g) in mentions[node]:
            for position, related in (("s", s), ("o", o), ("g", g)):
                if related and related != node:
                    key = (shapes[related], p, position)
                    groups[key] = groups.get(key, 0) + 1
                    if alike[shapes[related]] > 1:
                        _union(parent, node, related)
        widest[node] = max(groups.values(), default=1)
        for k in groups.values():
            total += math.factorial(min(k, 20)) if k > 1 else 1
            if total > cap:
                return total
    # The recursion: each alike node it walks through multiplies the paths by about the
    # square root of its widest group (rings of degree k: k ** (n / 2)), and every node of
    # a connected group walks the group (n ** 2 even for a plain ring). Measured at roughly
    # 8 orderings' worth of CPU per path, and per 32 node pairs.
    log_paths: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for node, k in widest.items():
        root = _find(parent, node)
        log_paths[root] = log_paths.get(root, 0.0) + 0.5 * math.log(k)
        sizes[root] = sizes.get(root, 0) + 1
    for root, log_value in log_paths.items():
        if sizes[root] > 1:
            paths = math.ceil(math.exp(min(log_value, 60.0)))
            total += 8 * (paths + math.ceil(sizes[root] ** 2 / 32))
            if total > cap:
                return total
    return total


def _find(parent: dict[str, str], node: str) -> str:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _union(parent: dict[str, str], a: str, b: str) -> None:
    parent.setdefault(b, b)
    root_a, root_b = _find(parent, a), _find(parent, b)
    if root_a != root_b:
        parent[root_b] = root_a


__all__ = ["blank_node_permutations"]
