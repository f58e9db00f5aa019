"""Blank-node labels derived from content, so that the same record gives the same bytes in every run.

Parsers label the blank nodes of a file at random (pyoxigraph and rdflib alike), so every output that
names one (a finding on ``_:...``, ``record-triples``, a Turtle report) would change from run to run and
between engines. Right after loading, each blank node is relabelled by the hash of what surrounds it:
colour refinement (the Weisfeiler-Leman method) in each group of linked blank nodes on its own: a node's
colour is the hash of its outgoing and incoming triples, with neighbouring blank nodes written as their
colour of the previous round, repeated until the colours stop splitting the nodes further (at most
:data:`MAX_ROUNDS` rounds).

Why by hand: RDF canonicalisation (RDFC-1.0, pyoxigraph's ``Dataset.canonicalize``, rdflib's
``to_canonical_graph``) gives the same labels and more (it also orders nodes that colour refinement
cannot tell apart), but its cost is exponential on symmetric graphs: eight blank nodes that all point at
each other take 5 s, ten would take hours, and a record arriving in a pull request must not be able to
stall CI. Colour refinement costs a few passes over the blank nodes' triples. Nodes it cannot tell apart
are symmetric in everything the record says of them; they get the same hash with a suffix ``-2``, ``-3``,
in an order that is not guaranteed (only such fully symmetric nodes can swap labels).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

#: The most refinement rounds (a chain of blank nodes longer than this is told apart by its ends only).
MAX_ROUNDS = 12
#: Label prefix: ``_:b`` + 16 hex digits of the node's colour.
PREFIX = "b"

T = TypeVar("T", bound=Hashable)


def stable_labels(
    triples: Iterable[tuple[T, T, T]], *, is_blank: Callable[[T], bool], text: Callable[[T], str]
) -> dict[T, str]:
    """A new label for every blank node of ``triples`` (those with a blank subject or object).

    ``is_blank`` tells blank nodes from other terms; ``text`` writes any other term (N-Triples form, so
    that an IRI and a literal of the same text differ).
    """
    out_edges: dict[T, list[tuple[str, T]]] = defaultdict(list)
    in_edges: dict[T, list[tuple[str, T]]] = defaultdict(list)
    for s, p, o in triples:
        if is_blank(s):
            out_edges[s].append((text(p), o))
        if is_blank(o):
            in_edges[o].append((text(p), s))
    nodes = sorted(set(out_edges) | set(in_edges), key=lambda n: str(n))
    if not nodes:
        return {}
    colour: dict[T, str] = {}
    for component in _components(nodes, out_edges, is_blank):
        colour.update(_colours(component, out_edges, in_edges, is_blank, text))
    return _name(nodes, colour)


def _colours(
    nodes: list[T],
    out_edges: dict[T, list[tuple[str, T]]],
    in_edges: dict[T, list[tuple[str, T]]],
    is_blank: Callable[[T], bool],
    text: Callable[[T], str],
) -> dict[T, str]:
    """Colour refinement of one group of linked blank nodes, until its colours stop splitting."""
    colour = dict.fromkeys(nodes, "")
    classes = 1
    for _ in range(MAX_ROUNDS):
        colour = {node: _refine(node, colour, out_edges, in_edges, is_blank, text) for node in nodes}
        count = len(set(colour.values()))
        if count == classes:
            break
        classes = count
    return colour


def _components(
    nodes: list[T], out_edges: dict[T, list[tuple[str, T]]], is_blank: Callable[[T], bool]
) -> list[list[T]]:
    """The blank nodes in groups linked by blank-to-blank triples, so that the labels of one group do not
    depend on any other (the record's blank nodes label the same with or without DPV's files loaded)."""
    parent = {node: node for node in nodes}

    def root(node: T) -> T:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for subject, edges in out_edges.items():
        for _, value in edges:
            if is_blank(value):
                parent[root(value)] = root(subject)
    groups: dict[T, list[T]] = defaultdict(list)
    for node in nodes:
        groups[root(node)].append(node)
    return list(groups.values())


def _refine(
    node: T,
    colour: dict[T, str],
    out_edges: dict[T, list[tuple[str, T]]],
    in_edges: dict[T, list[tuple[str, T]]],
    is_blank: Callable[[T], bool],
    text: Callable[[T], str],
) -> str:
    def term(other: T) -> str:
        return f"_:{colour[other]}" if is_blank(other) else text(other)

    parts = sorted(f">{p} {term(o)}" for p, o in out_edges.get(node, ()))
    parts += sorted(f"<{p} {term(s)}" for p, s in in_edges.get(node, ()))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _name(nodes: list[T], colour: dict[T, str]) -> dict[T, str]:
    seen: dict[str, int] = defaultdict(int)
    labels: dict[T, str] = {}
    for node in sorted(nodes, key=lambda n: (colour[n], str(n))):
        base = f"{PREFIX}{colour[node][:16]}"
        seen[base] += 1
        labels[node] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return labels


__all__ = ["MAX_ROUNDS", "stable_labels"]
