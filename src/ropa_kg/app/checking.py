"""The editor's live check: the findings of one activity, re-checked as the DPO types.

Validating the whole record after each keystroke costs seconds on a large record (14 s at 10,000
activities); the form needs an answer in well under a second. :func:`check_activity` therefore runs the
same rules, with the same engine, on the activity's **neighbourhood** only: the activity and everything
it reaches through its outgoing links (its controller and notice, parties, agreements, storage
conditions, provenance, sub-processes), the triples that point to it (a parent's ``dpv:hasProcess``, the
provenance of its facts), the project's ontology, and the DPV index's facts about the terms they use. It
never walks into another activity (a notice or a controller links to many), so its cost does not grow
with the record.

What this sees is what the rules of the activity's own duties see. A notice- or controller-scope rule
sees only this activity among the notice's or controller's (a finding such as "the same balancing text on
N activities" needs the others): those findings are reported for this activity alone, and the full
validation on save (or ``ropa validate``) is the authority.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph

from ropa_kg.app.editor import asserted_store, node_term
from ropa_kg.app.record import Record
from ropa_kg.core.findings import Finding
from ropa_kg.core.namespaces import DPV_FAMILY
from ropa_kg.core.terms import to_oxigraph
from ropa_kg.load.graph import ontology_files
from ropa_kg.load.reading import read_dpv
from ropa_kg.render.turtle_edit import Edit
from ropa_kg.rules.fast_engine import run_fast
from ropa_kg.rules.shapes import load_shapes
from ropa_kg.rules.validation import sort_findings

_DPV_PROCESS = ox.NamedNode("https://w3id.org/dpv#Process")
_HAS_PROCESS = "https://w3id.org/dpv#hasProcess"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ONTOLOGY_NS = "https://w3id.org/ropa-kg/ontology#"
#: A neighbourhood stops growing past this many nodes (a record whose things all link to each other).
MAX_NODES = 20_000


@dataclass(frozen=True)
class ActivityCheck:
    """The live check's answer: the findings on the activity (its focus, or it among a merged finding's
    ``affects``), those on the things it links to, the size of what was checked, and how long it took."""

    activity: str
    findings: tuple[Finding, ...]
    linked: tuple[Finding, ...]
    triples: int
    seconds: float

    @property
    def keys(self) -> set[tuple[str, str]]:
        """(rule id, focus node) of the findings on the activity: what a full validation must agree on."""
        return {(f.rule_id, f.focus_node) for f in self.findings}


@functools.cache
def _ontology_quads() -> tuple[ox.Quad, ...]:
    quads: list[ox.Quad] = []
    for path in ontology_files():
        quads.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return tuple(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)


@functools.cache
def _shapes() -> Graph:
    return load_shapes(None)


def _is_process(store: ox.Store, node: ox.NamedNode | ox.BlankNode) -> bool:
    return next(store.quads_for_pattern(node, _RDF_TYPE, _DPV_PROCESS), None) is not None


def _skipped(term: object) -> bool:
    """Terms whose facts come from elsewhere (DPV's index, the ontology), or that are values."""
    if isinstance(term, ox.Literal):
        return True
    value = getattr(term, "value", "")
    return isinstance(term, ox.NamedNode) and (value.startswith(DPV_FAMILY) or value.startswith(_ONTOLOGY_NS))


def neighbourhood(store: ox.Store, seeds: Iterable[ox.NamedNode | ox.BlankNode]) -> list[ox.Quad]:
    """The quads of ``store``'s default graph that describe the ``seeds`` (activities) and what they reach
    (see the module), without walking into another activity except a seed's sub-processes."""
    default = ox.DefaultGraph()
    start = list(seeds)
    seen: set[object] = set(start)
    todo = list(start)
    out: list[ox.Quad] = []
    for seed in start:
        for quad in store.quads_for_pattern(None, None, seed, default):
            out.append(quad)
            subject = quad.subject
            if isinstance(subject, ox.Triple) or subject in seen or _is_process(store, subject):
                continue
            seen.add(subject)
            todo.append(subject)
    while todo and len(seen) < MAX_NODES:
        node = todo.pop()
        for quad in store.quads_for_pattern(node, None, None, default):
            out.append(quad)
            target = quad.object
            if not isinstance(target, ox.NamedNode | ox.BlankNode) or target in seen or _skipped(target):
                continue
            if quad.predicate.value != _HAS_PROCESS and _is_process(store, target):
                continue
            seen.add(target)
            todo.append(target)
    return out


def _quad(triple: tuple[object, object, object]) -> ox.Quad:
    s, p, o = (to_oxigraph(t) for t in triple)  # type: ignore[arg-type]  # rdflib terms
    return ox.Quad(s, p, o, ox.DefaultGraph())  # type: ignore[arg-type]


def edited_store(record: Record, activity: str, edit: Edit) -> ox.Store:
    """A store holding the activity's neighbourhood in the record's files with ``edit`` applied and the
    ontology, read as loading reads a record (:func:`ropa_kg.load.reading.read_dpv`: DPV's facts about
    its terms, inherited context, the alternative forms), so that the rules see what they see on load."""
    seeds: list[ox.NamedNode | ox.BlankNode] = [node_term(activity)]
    for _, _, obj in edit.added:
        term = to_oxigraph(obj)  # type: ignore[arg-type]  # an edit's objects are IRIs or literals
        if isinstance(term, ox.NamedNode) and not _skipped(term):
            seeds.append(term)
    store = ox.Store()
    store.extend(neighbourhood(asserted_store(record), seeds))
    for triple in edit.removed:
        store.remove(_quad(triple))
    store.extend([_quad(t) for t in edit.added])
    store.extend(_ontology_quads())
    read_dpv(store)
    return store


def check_activity(record: Record, activity: str, edit: Edit | None = None) -> ActivityCheck:
    """The findings of ``activity`` with ``edit`` applied (default: as the record states it), from the
    record's rules run on its neighbourhood (see the module).

    Raises:
        RopaUsageError: a rule the fast engine cannot run.
    """
    start = time.perf_counter()
    store = edited_store(record, activity, edit or Edit(removed=(), added=()))
    findings = sort_findings(run_fast(store=store, shapes_graph=_shapes()))
    own = tuple(f for f in findings if f.focus_node == activity or activity in f.affects)
    linked = tuple(f for f in findings if f not in own)
    return ActivityCheck(activity, own, linked, len(store), time.perf_counter() - start)


__all__ = ["MAX_NODES", "ActivityCheck", "check_activity", "edited_store", "neighbourhood"]
