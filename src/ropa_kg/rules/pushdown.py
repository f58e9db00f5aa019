"""Validate a record that lives in a SPARQL store by running the rules inside the store (push-down).

The fast engine (:mod:`ropa_kg.rules.fast_engine`) compiles each rule to SPARQL queries; here they are sent
to any :class:`~ropa_kg.rules.fast_engine.SparqlStore` (a remote endpoint:
:class:`ropa_kg.query.remote_store.RemoteStore`) and only their answers come back. Then, instead of the whole
graph, only what the report needs is read (:func:`_context`: the names of the nodes the findings name,
what points at them, their provenance quotes; the waivers, the class hierarchy), into a small graph with
the project's ontology added.

* A node shape one of whose queries the store refuses (an HTTP error, a time-out) runs on a copy of the
  graph (``copy()``, made once, only then); :attr:`PushdownResult.copied` names each and why. So does every
  node shape the engine hands to pyshacl. Once that copy is made, the report's context is read from it.
* The dated rule (ROPA-REVIEW-OVERDUE) runs in the store too, with ``$validationDate`` bound as a ``VALUES``
  block (:func:`ropa_kg.sparql.bind.bind_values`).
* The rules read the project's ontology and DPV's hierarchy of the record's terms, which ``ropa load``
  writes into the graph with the record. A graph without them (:data:`ONTOLOGY_QUERY` says no) is not
  validated in the store: :func:`validate_in_store` raises :class:`OntologyMissing`, and the caller copies.

Blank nodes: a store's blank node labels are its own, so a finding on a blank node is named by the store's
label, and the report's context cannot be asked about it by name (a ``VALUES`` block holds no blank node):
it gets what its IRI neighbours bring (their blank nodes' triples).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.findings import Finding
from ropa_kg.core.namespaces import DPV, ROPA, bind_prefixes
from ropa_kg.core.resources import check_query_path
from ropa_kg.core.terms import to_rdflib
from ropa_kg.load.activities import no_activities_error
from ropa_kg.load.graph import ontology_files, parse_into
from ropa_kg.rules.fast_engine import SparqlStore, focus_nodes, run_fast
from ropa_kg.rules.results import ShaclReport
from ropa_kg.rules.shapes import Rule, load_shapes, node_id, rule_catalogue
from ropa_kg.rules.validation import (
    VALIDATION_DATE,
    ValidationResult,
    sort_findings,
    with_suggestions,
    with_validation_date,
)
from ropa_kg.rules.waivers import WAIVER_RULES, apply_waivers, read_waivers
from ropa_kg.sparql.bind import bind_rows, bind_values

__all__ = [
    "LABELS_QUERY",
    "ONTOLOGY_QUERY",
    "OntologyMissing",
    "PushdownResult",
    "validate_in_store",
]

#: The internal queries (``queries/checks/``) push-down validation sends besides the rules.
ONTOLOGY_QUERY = "holds-ontology"
ACTIVITIES_QUERY = "has-activities"
LABELS_QUERY = "node-labels"
POINTERS_QUERY = "node-pointers"
STATEMENTS_QUERY = "statement-triples"
SOURCES_QUERY = "source-triples"
WAIVERS_QUERY = "waiver-triples"
HIERARCHY_QUERY = "class-hierarchy"
#: Nodes per context query (one VALUES block each).
CONTEXT_BATCH = 200


class OntologyMissing(RopaUsageError):
    """The store's graph does not hold this version of the project's ontology (it was not written by
    ``ropa load``): the rules cannot run inside it as they run on files."""


@dataclass
class PushdownResult:
    """A validation run inside a store: the :class:`~ropa_kg.rules.validation.ValidationResult` (its graph
    is the report's context, not the record) and where each rule ran."""

    result: ValidationResult
    #: node shapes run on a copy of the graph, with the cause (a refused query; "pyshacl" for the shapes
    #: the engine does not compile)
    copied: dict[str, str] = field(default_factory=dict)
    #: the rules (ids) run entirely inside the store
    pushed: tuple[str, ...] = ()


def _check_text(name: str) -> str:
    return check_query_path(name).read_text(encoding="utf-8")


@functools.cache
def _ontology_version() -> tuple[URIRef, Literal]:
    """The project's ontology IRI and its ``owl:versionInfo`` (``ontology/ropa.ttl``, read once)."""
    ontology = Graph()
    parse_into(ontology, next(p for p in ontology_files() if p.name == "ropa.ttl"))
    version = ontology.value(URIRef(str(ROPA)), URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    assert isinstance(version, Literal)
    return URIRef(str(ROPA)), version


def _require_ontology(store: SparqlStore, where: str) -> None:
    ontology, version = _ontology_version()
    if not bool(
        store.query(bind_values(_check_text(ONTOLOGY_QUERY), {"ontology": ontology, "version": version}))
    ):
        raise OntologyMissing(
            f"{where} does not hold version {version} of the project's ontology ({ontology}); the rules read "
            "it, so they cannot run inside the store (load the record with `ropa load`)"
        )


def _rows(store: SparqlStore, text: str) -> list[tuple[Node, ...]]:
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    return [tuple(_rdf(row[n]) for n in names) for row in solutions]


def _rdf(term: object) -> Node:
    """A store term (never unbound here) as an rdflib term."""
    node = to_rdflib(term)
    assert node is not None
    return node


def _iris(texts: Iterable[object]) -> set[URIRef]:
    """The IRIs among node texts or terms (a blank node or a literal is not one)."""
    return {
        URIRef(str(t))
        for t in texts
        if isinstance(t, URIRef) or (isinstance(t, str) and t and not t.startswith(("_:", '"')) and ":" in t)
    }


def _read(store: SparqlStore, graph: Graph, name: str, nodes: Iterable[URIRef]) -> list[tuple[Node, ...]]:
    """Add to ``graph`` the triples the internal query ``name`` gives for ``nodes`` (one VALUES block per
    :data:`CONTEXT_BATCH`); return them."""
    text = _check_text(name)
    ordered = sorted(set(nodes))
    found: list[tuple[Node, ...]] = []
    for start in range(0, len(ordered), CONTEXT_BATCH):
        found += _rows(store, bind_rows(text, "node", ordered[start : start + CONTEXT_BATCH]))
    for triple in found:
        graph.add(triple)  # type: ignore[arg-type]  # (s, p, o)
    return found


def _activities(graph: Graph, nodes: Iterable[URIRef]) -> set[URIRef]:
    """The nodes typed as processing activities (dpv:Process or a subclass, by the graph's hierarchy)."""
    classes = set(graph.transitive_subjects(RDFS.subClassOf, DPV.Process))
    return {n for n in nodes if any((n, RDF.type, c) in graph for c in classes)}


def _context(store: SparqlStore, findings: Sequence[Finding]) -> Graph:
    """The report's graph: the project's ontology, the waivers, the class hierarchy, and, by simple
    queries of one triple pattern joined to a VALUES block: the types and labels of every IRI a finding
    names; what points at a focus node that is not an activity, and at what points at it (to name the
    activities a finding affects); the provenance statements about the focus nodes and their sources'
    quotes."""
    graph = bind_prefixes(Graph())
    for path in ontology_files():
        parse_into(graph, path)
    for name in (WAIVERS_QUERY, HIERARCHY_QUERY):
        for triple in _rows(store, _check_text(name)):
            graph.add(triple)  # type: ignore[arg-type]  # (s, p, o)
    focus = _iris(f.focus_node for f in findings)
    _read(store, graph, LABELS_QUERY, focus | _iris(f.value for f in findings))
    others = focus - _activities(graph, focus)
    near = _iris(s for s, _p, _o in _read(store, graph, POINTERS_QUERY, others))
    _read(store, graph, LABELS_QUERY, near)
    far = _iris(s for s, _p, _o in _read(store, graph, POINTERS_QUERY, near - _activities(graph, near)))
    _read(store, graph, LABELS_QUERY, far)
    statements = _read(store, graph, STATEMENTS_QUERY, focus)
    _read(store, graph, SOURCES_QUERY, _iris(o for _s, p, o in statements if p == ROPA.source))
    return graph


def _dated(store: SparqlStore) -> Callable[[str, dict[str, str], dt.date], Iterable[dict[str, Node]]]:
    def answers(text: str, prefixes: dict[str, str], today: dt.date) -> list[dict[str, Node]]:
        declared = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
        bound = bind_values(declared + text, {VALIDATION_DATE: Literal(today, datatype=XSD.date)})
        solutions = store.query(bound)
        names = [v.value for v in solutions.variables]
        return [{n: _rdf(row[n]) for n in names if row[n] is not None} for row in solutions]

    return answers


def validate_in_store(
    store: SparqlStore,
    *,
    copy: Callable[[], ox.Store],
    where: str,
    shapes_dir: Path | str | None = None,
    shapes: Graph | None = None,
    today: dt.date | None = None,
) -> PushdownResult:
    """Run the rule set inside ``store`` and return the findings with the waivers applied, as
    :func:`ropa_kg.rules.validation.validate` does for files (see the module docstring).

    ``copy()`` gives the store's graph in a local pyoxigraph store, for the rules it cannot run; ``where``
    names the store in messages.

    Raises:
        OntologyMissing: the graph lacks the project's ontology (nothing else was asked).
        NoActivitiesError: the graph holds no processing activity.
        QueryRefused, EndpointError: the store fails a query that has no fallback (the context's).
        RopaInputError, RopaUsageError: as :func:`ropa_kg.rules.validation.validate`.
    """
    shapes_graph = shapes if shapes is not None else load_shapes(shapes_dir)
    rules = rule_catalogue(shapes_graph)
    _require_ontology(store, where)
    if not bool(store.query(_check_text(ACTIVITIES_QUERY))):
        raise no_activities_error(where=where)
    reports: list[ShaclReport] = []
    local = functools.cache(copy)
    raw = run_fast(store=store, shapes_graph=shapes_graph, copy=local, report=reports)
    day = today or dt.date.today()
    # once the graph is here anyway (a rule ran on the copy), the report's context is read from it: the
    # same triples (it names IRIs only), without a few hundred more queries to the store (on Virtuoso 7.2
    # at 10,000 activities, 65 s of a 116 s run)
    graph = _context(local() if local.cache_info().currsize else store, raw)
    raw = with_validation_date(
        raw,
        graph=graph,
        shapes_graph=shapes_graph,
        rules=rules,
        today=day,
        answers=_dated(store),
        targets=lambda shape: {_rdf(n) for n in focus_nodes(shapes_graph, shape, store)},
    )
    waivers = read_waivers(graph)
    outcome = apply_waivers(with_suggestions(raw), waivers, today=day)
    result = ValidationResult(
        findings=sort_findings(outcome.active),
        waived=sorted(outcome.waived, key=lambda w: sort_findings([w.finding])[0].key),
        waiver_problems=sort_findings(outcome.problems),
        rules={**rules, **WAIVER_RULES},
        engine="fast",
        graph=graph,
        shapes=shapes_graph,
        files=[],
        waivers=waivers,
        today=day,
    )
    copied, pushed = _placement(reports[0], rules)
    return PushdownResult(result=result, copied=copied, pushed=pushed)


def _placement(report: ShaclReport, rules: Mapping[str, Rule]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Which rules ran on a copy (and why), and which entirely in the store."""
    by_shape = {rule.shape: rule_id for rule_id, rule in rules.items()}
    copied: dict[str, str] = {}
    for shape, cause in report.copied.items():
        copied[by_shape.get(node_id(shape), node_id(shape))] = cause
    for shape, engine in report.engines.items():
        if engine == "pyshacl" and node_id(shape) in by_shape:
            copied.setdefault(by_shape[node_id(shape)], "pyshacl: the engine does not compile it")
    return dict(sorted(copied.items())), tuple(sorted(set(by_shape.values()) - set(copied)))
