"""Reading DPV as the world writes it: one form for the rules, the queries, the register and the views.

DPV lets a record say the same thing in several ways: a legal basis as a concept or as a typed instance,
recipients through sub-properties of ``dpv:hasRecipient``, processes inside processes, retention as
``rdf:value`` or through ``dpv:hasDuration``, an activity typed with any subclass of ``dpv:Process``.
Right after a record is loaded (and its blank nodes labelled), :func:`read_dpv` adds to its default graph
the facts of the DPV index about the terms it uses (:mod:`ropa_kg.load.vocabulary`) and what each
alternative form means in the one form the rules and queries read. The readings are SPARQL CONSTRUCT
queries in ``queries/reading/*.rq`` (each with a header saying what it reads), run in file order until
nothing new is found, in two phases: context flows down to sub-processes first (phase 1), then data and
context roll up to their parents (phase 2), so that nothing rolled up flows down again to a sibling.

Every door (``ropa validate``, ``stats``, ``query``, ``export``, ``serve``, the dashboard) loads through
:func:`ropa_kg.load.store.load_store`, :func:`ropa_kg.load.graph.load_graph` or the disk cache, which all
call this, so they see the same activities and the same facts. Nothing is removed: the record's own
statements stay as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from ropa_kg.core.resources import reading_dir
from ropa_kg.core.terms import store_from_graph, to_rdflib
from ropa_kg.load.vocabulary import index_path, vocabulary_quads

#: Readings stop after this many rounds of a phase (a chain of sub-processes this deep is not a record).
MAX_ROUNDS = 32

_PHASE = re.compile(r"^# phase: ([0-9, ]+)", re.MULTILINE)


@dataclass(frozen=True)
class Reading:
    """One reading: its file name, its CONSTRUCT text and the phases it runs in."""

    name: str
    text: str
    phases: frozenset[int]


@functools.cache
def readings() -> tuple[Reading, ...]:
    """The readings of ``queries/reading/*.rq``, in file order.

    Raises:
        ValueError: a reading's header names no phase.
    """
    found = []
    for path in sorted(reading_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        match = _PHASE.search(text)
        if match is None:
            raise ValueError(f"{path}: the header names no '# phase:'")
        phases = frozenset(int(p) for p in match.group(1).replace(",", " ").split())
        found.append(Reading(path.stem, text, phases))
    return tuple(found)


def reading_inputs() -> list[Path]:
    """The files that decide what :func:`read_dpv` adds (the readings and the DPV index), for cache keys."""
    return [*sorted(reading_dir().glob("*.rq")), *(p for p in [index_path()] if p.is_file())]


def read_dpv(store: ox.Store, *, vocabulary: bool = True) -> list[ox.Quad]:
    """Add to the default graph of ``store`` the DPV index facts about its terms (with ``vocabulary``)
    and what its alternative DPV forms mean (see the module); return the quads added, in order."""
    added: list[ox.Quad] = []
    if vocabulary:
        added.extend(_insert(store, vocabulary_quads(store)))
    for phase in (1, 2):
        steps = [r for r in readings() if phase in r.phases]
        for _ in range(MAX_ROUNDS):
            new = [q for step in steps for q in _insert(store, _construct(store, step.text))]
            if not new:
                break
            added.extend(new)
    return added


def read_dpv_graph(graph: Graph, *, vocabulary: bool = True) -> None:
    """:func:`read_dpv` for an rdflib graph: the facts it adds go into ``graph``. A triple with a term
    pyoxigraph refuses (an IRI rdflib let through, holding a control character) takes no part."""
    store = store_from_graph(graph, skip_invalid=True)
    for quad in read_dpv(store, vocabulary=vocabulary):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]


def _construct(store: ox.Store, text: str) -> Iterable[ox.Triple]:
    result = store.query(text)
    assert isinstance(result, ox.QueryTriples)  # every reading is a CONSTRUCT
    return result


def _insert(store: ox.Store, triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Quad]:
    new: list[ox.Quad] = []
    seen: set[ox.Quad] = set()
    for triple in triples:
        quad = ox.Quad(triple.subject, triple.predicate, triple.object)
        if quad not in seen and quad not in store:
            seen.add(quad)
            new.append(quad)
    store.extend(new)
    return new


__all__ = ["MAX_ROUNDS", "Reading", "read_dpv", "read_dpv_graph", "reading_inputs", "readings"]
