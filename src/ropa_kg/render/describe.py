"""Describe a node of a loaded record, once for every reader: its label, and the activities it belongs to.

The CLI's reports (:mod:`ropa_kg.render.report`), the exports and the dashboard's view model
(:mod:`ropa_kg.app.record`) all name a finding's focus node and file it under activities; they use this
module, so that the same finding reads the same everywhere.

* A **label** is the node's ``ropa:displayName``, which loading derives for every labelled node
  (``queries/reading/11-names.rq``: ``skos:prefLabel``, ``rdfs:label``, ``dct:title``, ``dpv:hasName``,
  English or untagged first, then Finnish, then any language), so the register, the reports and the
  dashboard show the same name. A graph that was not loaded by the project's loaders (a caller's own
  rdflib graph) gets the same choice here.
* The **activities** of a node are the node itself if it is an activity (an instance of
  :data:`ropa_kg.load.activities.ACTIVITY_CLASSES` or of a subclass the record declares with
  ``rdfs:subClassOf``), else the activities that point at it directly or through one node in between
  (an activity's storage condition, its controller's DPO).

Nodes are written as findings write them (:func:`ropa_kg.core.terms.node_text`): the IRI, ``_:label``
for a blank node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from ropa_kg.core.namespaces import DPV, ROPA
from ropa_kg.core.terms import node_text
from ropa_kg.load.activities import ACTIVITY_CLASSES

#: The properties a label comes from, best first (as in ``queries/reading/11-names.rq``).
LABEL_PROPERTIES: tuple[URIRef, ...] = (
    ROPA.displayName,
    SKOS.prefLabel,
    RDFS.label,
    DCTERMS.title,
    DPV.hasName,
)

#: Languages of labels, best first: English or untagged, then Finnish, then any other.
_LANGUAGE_ORDER = {"": 0, "en": 0, "fi": 1}

#: (subject text, property rank, language, value) of one label candidate
_Candidate = tuple[str, int, str | None, str]


@dataclass(frozen=True)
class Describer:
    """Labels and activities of a record's nodes (see the module documentation)."""

    labels: dict[str, str]
    activities: frozenset[str]
    #: node text -> the texts of the nodes that point at it (any property)
    pointing_at: Callable[[str], Iterable[str]] = field(repr=False)

    @classmethod
    def of_store(cls, store: ox.Store) -> Describer:
        """The describer of a pyoxigraph store's default graph."""
        graph = ox.DefaultGraph()

        def candidates() -> Iterable[_Candidate]:
            for rank, prop in enumerate(LABEL_PROPERTIES):
                for quad in store.quads_for_pattern(None, ox.NamedNode(str(prop)), None, graph):
                    if isinstance(quad.object, ox.Literal):
                        yield node_text(quad.subject), rank, quad.object.language, quad.object.value

        def pointing_at(text: str) -> Iterable[str]:
            term = ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)
            return (node_text(q.subject) for q in store.quads_for_pattern(None, None, term, graph))

        rdf_type, sub_class = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RDFS.subClassOf))
        classes = _closure(
            {str(c) for c in ACTIVITY_CLASSES},
            lambda c: (
                node_text(q.subject)
                for q in store.quads_for_pattern(None, sub_class, ox.NamedNode(c), graph)
                if isinstance(q.subject, ox.NamedNode)
            ),
        )
        activities = {
            node_text(q.subject)
            for c in classes
            for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(c), graph)
        }
        return cls(_pick(candidates()), frozenset(activities), pointing_at)

    @classmethod
    def of_graph(cls, graph: Graph) -> Describer:
        """The describer of an rdflib graph (the pyshacl engine's, or an rdflib view of a store)."""

        def candidates() -> Iterable[_Candidate]:
            for rank, prop in enumerate(LABEL_PROPERTIES):
                for subject, value in graph.subject_objects(prop):
                    if isinstance(value, Literal):
                        yield node_text(subject), rank, value.language, str(value)

        def pointing_at(text: str) -> Iterable[str]:
            term: Node = BNode(text[2:]) if text.startswith("_:") else URIRef(text)
            return (node_text(s) for s in graph.subjects(None, term))

        classes = _closure(
            {str(c) for c in ACTIVITY_CLASSES},
            lambda c: (str(s) for s in graph.subjects(RDFS.subClassOf, URIRef(c)) if isinstance(s, URIRef)),
        )
        activities = {node_text(s) for c in classes for s in graph.subjects(RDF.type, URIRef(c))}
        return cls(_pick(candidates()), frozenset(activities), pointing_at)

    def label(self, text: str, default: str | None = None) -> str:
        """The label of the node ``text``; ``default`` (else ``text``) when it has none."""
        return self.labels.get(text, default if default is not None else text)

    def activities_of(self, text: str) -> list[str]:
        """The activities the node ``text`` is or belongs to (see the module documentation), sorted."""
        if text in self.activities:
            return [text]
        found: set[str] = set()
        for subject in set(self.pointing_at(text)):
            if subject in self.activities:
                found.add(subject)
            else:
                found.update(s for s in self.pointing_at(subject) if s in self.activities)
        return sorted(found)


def _closure(start: set[str], narrower: Callable[[str], Iterable[str]]) -> set[str]:
    """``start`` and everything :func:`narrower` reaches from it, transitively."""
    seen, todo = set(start), list(start)
    while todo:
        for item in narrower(todo.pop()):
            if item not in seen:
                seen.add(item)
                todo.append(item)
    return seen


def _pick(candidates: Iterable[_Candidate]) -> dict[str, str]:
    """node -> its best label candidate: a ``ropa:displayName``, else English or untagged, then Finnish,
    then any language; within a language the best property, then sorted first."""
    best: dict[str, tuple[int, int, int, str]] = {}
    for subject, rank, language, value in candidates:
        if not value:
            continue
        order = _LANGUAGE_ORDER.get((language or "").lower().split("-")[0], 2)
        key = (0 if rank == 0 else 1, order, rank, value)
        if subject not in best or key < best[subject]:
            best[subject] = key
    return {subject: key[3] for subject, key in best.items()}


__all__ = ["LABEL_PROPERTIES", "Describer"]
