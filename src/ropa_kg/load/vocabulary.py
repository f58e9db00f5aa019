"""All of DPV 2.3, offline: the facts of the DPV index about the DPV terms a record uses.

The index, ``ontology/dpv-2.3/index.ttl`` (:func:`index_path`; generated from the official DPV 2.3 files by
``tools/build_dpv_index.py``), holds every term of DPV 2.3 (dpv, pd, tech, loc, legal, legal-eu, eu-gdpr,
risk, justifications) with its types, ``skos:broader``, ``rdfs:subClassOf``, ``rdfs:subPropertyOf``, the
jurisdiction links of laws, authorities and adequacy decisions (``dpv:hasJurisdiction``...), the memberships
of the inverse jurisdictions (``loc:non-EEA skos:narrower loc:US``) and its English label. It is read once
per process, on first use (thread-safe), into plain dictionaries of strings (each term's facts as
N-Triples text, parsed only for the terms a record reaches): about 0.25 s to build, kept in the cache folder
(:func:`ropa_kg.core.resources.cache_root`, a pickle keyed by the index's sha256) so that a later process
reads it in a few tens of milliseconds; without a writable cache folder it is built in memory.

* :func:`vocabulary_quads` returns, for every IRI of the DPV family (``https://w3id.org/dpv...``) that
  occurs in a store's default graph (as subject, predicate or object, ``rdf:type`` objects included), the
  index's facts about it and about every term it reaches, transitively, through ``rdf:type``,
  ``skos:broader``, ``rdfs:subClassOf``, ``rdfs:subPropertyOf``, the jurisdiction links and the
  memberships (a ``skos:narrower`` fact is returned when its member is reached), as quads of the default
  graph, in a fixed order. The loaders insert them right after loading a record, so that rules and queries
  follow DPV's hierarchy without loading DPV. It costs about 6 ms on the Alumeco record, and about 0.1 s
  on a record of any size past 100,000 triples.
* :func:`terms_under` lists the terms below a concept or class (``skos:broader``/``rdfs:subClassOf``,
  transitively), for the editor's term pickers; :func:`broader_terms` a term's parents.
* :func:`is_known` tells whether an IRI is a term of DPV 2.3, :func:`label` gives its English label, and
  :func:`suggest` the known term an unknown DPV IRI most likely meant (``dpv:hasStorage`` ->
  ``dpv:hasStorageCondition``), for the fix of rule ROPA-DPV-TERM.

Nothing here reads the network or the official DPV files.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import pickle
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ropa_kg.core.resources import cache_root, check_query_path, ontology_dir

__all__ = [
    "DPV_BASE",
    "broader_terms",
    "index_path",
    "is_known",
    "label",
    "suggest",
    "terms_under",
    "vocabulary_quads",
]

#: Every IRI of the DPV family starts with this (``https://w3id.org/dpv#``, ``https://w3id.org/dpv/pd#``...).
DPV_BASE = "https://w3id.org/dpv"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_NARROWER = _SKOS + "narrower"
_LABELS = (_SKOS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")
#: The index's links followed from a term to the terms it reaches (every index predicate but the labels
#: and ``skos:narrower``, which is followed from the member to its inverse jurisdiction).
_FOLLOWED = frozenset(
    {
        _RDF_TYPE,
        _SKOS + "broader",
        "http://www.w3.org/2000/01/rdf-schema#subClassOf",
        "http://www.w3.org/2000/01/rdf-schema#subPropertyOf",
        DPV_BASE + "#hasJurisdiction",
        DPV_BASE + "#hasApplicableLaw",
        DPV_BASE + "#hasAuthority",
        DPV_BASE + "#hasInverseJurisdiction",
    }
)


def index_path() -> Path:
    """The DPV 2.3 index bundled with the package (``ontology/dpv-2.3/index.ttl``)."""
    return ontology_dir() / "dpv-2.3" / "index.ttl"


@dataclass(frozen=True)
class _Index:
    """The index, read for lookups: each term's own facts, the terms it reaches, its labels."""

    #: term -> its facts (N-Triples lines of the default graph), ``skos:narrower`` left out
    facts: dict[str, str]
    #: term -> the terms its facts link it to (including the inverse jurisdictions it is a member of)
    reaches: dict[str, tuple[str, ...]]
    #: member -> the ``skos:narrower`` facts that name it (N-Triples lines)
    memberships: dict[str, str]
    #: term -> language tag ("" for none) -> label
    labels: dict[str, dict[str, str]]
    #: namespace -> the local names of its terms, sorted
    local_names: dict[str, tuple[str, ...]]


_INDEX: _Index | None = None
_LOCK = threading.Lock()


def _index() -> _Index:
    """The index, read on first use (once per process, whichever thread asks first)."""
    global _INDEX
    if _INDEX is None:
        with _LOCK:
            if _INDEX is None:
                _INDEX = _cached_index(index_path())
    return _INDEX


#: Bump when :class:`_Index` changes shape (older pickles are then ignored).
_PICKLE_VERSION = "1"


def _cached_index(path: Path) -> _Index:
    """The index from the cache folder when a pickle of this very file is there, else read and saved there
    (written to a temporary file and renamed, so a reader never sees half a file)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    cached = cache_root() / f"dpv-index-{_PICKLE_VERSION}-{digest}.pickle"
    try:
        with cached.open("rb") as handle:
            found = pickle.load(handle)  # noqa: S301 - our own file, keyed by the sha256 of its source
        if isinstance(found, _Index):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        pass
    index = _read_index(path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=cached.parent, delete=False, suffix=".tmp") as out:
            pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, cached)
    except OSError:  # no writable cache folder: the index lives in memory only
        pass
    return index


def _read_index(path: Path) -> _Index:
    facts: defaultdict[str, list[str]] = defaultdict(list)
    reaches: defaultdict[str, list[str]] = defaultdict(list)
    memberships: defaultdict[str, list[str]] = defaultdict(list)
    labels: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):  # Turtle: quads of the default graph
        subject, predicate, obj = quad.subject.value, quad.predicate.value, quad.object
        if predicate == _NARROWER:
            memberships[obj.value].append(f"{quad} .\n")
            reaches[obj.value].append(subject)
            continue
        facts[subject].append(f"{quad} .\n")
        if predicate in _FOLLOWED:
            reaches[subject].append(obj.value)
        elif predicate in _LABELS and isinstance(obj, ox.Literal):
            labels[subject].setdefault(obj.language or "", obj.value)
    names: defaultdict[str, list[str]] = defaultdict(list)
    for term in facts:
        namespace, local = _split(term)
        if local:
            names[namespace].append(local)
    return _Index(
        facts={term: "".join(lines) for term, lines in facts.items()},
        reaches={term: tuple(sorted(set(targets))) for term, targets in reaches.items()},
        memberships={term: "".join(lines) for term, lines in memberships.items()},
        labels=dict(labels),
        local_names={namespace: tuple(sorted(locals_)) for namespace, locals_ in names.items()},
    )


def _split(iri: str) -> tuple[str, str]:
    """(namespace, local name) of an IRI: split after its last ``#``, else its last ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut], iri[cut:]


def _is_dpv(iri: str) -> bool:
    return iri.startswith(DPV_BASE) and (len(iri) == len(DPV_BASE) or iri[len(DPV_BASE)] in "#/")


@functools.cache
def _check_query(name: str) -> str:
    return check_query_path(name).read_text(encoding="utf-8")


def _used_terms(store: ox.Store, index: _Index) -> set[str]:
    """The terms of the index that the store's default graph uses, in any position.

    A graph of up to 100,000 triples is read once (``queries/checks/dpv-terms-used.rq``: a few ms for the
    Alumeco record); in a larger one each term of the index is looked up instead (as subject, predicate
    and object: about 70 ms, whatever the size), which is faster than reading millions of triples.
    """
    large = store.query(_check_query("large-default-graph"))
    if not large:
        found = store.query(_check_query("dpv-terms-used"))
        assert isinstance(found, ox.QuerySolutions)
        return {term.value for (term,) in found if term.value in index.facts}
    return {iri for iri in index.facts if _occurs(store, ox.NamedNode(iri))}


def _occurs(store: ox.Store, term: ox.NamedNode) -> bool:
    """True when ``term`` is the object, predicate or subject of a triple of the store's default graph."""
    default = ox.DefaultGraph()
    return (
        next(store.quads_for_pattern(None, None, term, default), None) is not None
        or next(store.quads_for_pattern(None, term, None, default), None) is not None
        or next(store.quads_for_pattern(term, None, None, default), None) is not None
    )


def _reached(index: _Index, start: set[str]) -> set[str]:
    """The terms of ``start`` (terms of the index) and every term they reach, transitively."""
    seen = set(start)
    todo = list(seen)
    while todo:
        for target in index.reaches.get(todo.pop(), ()):
            if target in index.facts and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def vocabulary_quads(store: ox.Store) -> list[ox.Quad]:
    """The index's facts about the DPV terms used in ``store`` and the terms they reach (see the module):
    quads of the default graph, term by term in IRI order. Terms the index does not know add nothing."""
    index = _index()
    reached = sorted(_reached(index, _used_terms(store, index)))
    text = "".join(index.facts[term] for term in reached)
    text += "".join(index.memberships.get(term, "") for term in reached)
    return list(ox.parse(input=text, format=ox.RdfFormat.N_TRIPLES))


def is_known(iri: str) -> bool:
    """True when ``iri`` is a term of DPV 2.3 (a subject of the official vocabulary files)."""
    return iri in _index().facts


def label(iri: str, lang: str = "en") -> str | None:
    """The label of a DPV 2.3 term in ``lang`` (else its label without a language tag), or None.

    The index holds English labels only; the project's Finnish ones are in ``ontology/dpv-terms.ttl``.
    """
    labels = _index().labels.get(iri, {})
    return labels.get(lang) or labels.get("")


_BROADER = frozenset({_SKOS + "broader", "http://www.w3.org/2000/01/rdf-schema#subClassOf"})


@functools.cache
def broader_terms(iri: str) -> tuple[str, ...]:
    """The terms ``iri`` is directly below (its ``skos:broader`` and ``rdfs:subClassOf`` in the index),
    sorted; empty for a term the index does not know."""
    text = _index().facts.get(iri, "")
    if not text:
        return ()
    parents = {
        q.object.value
        for q in ox.parse(input=text, format=ox.RdfFormat.N_TRIPLES)
        if q.predicate.value in _BROADER and isinstance(q.object, ox.NamedNode)
    }
    return tuple(sorted(parents - {iri}))


@functools.cache
def _narrower() -> dict[str, tuple[str, ...]]:
    """term -> the terms directly below it (the inverse of :func:`broader_terms`), over the whole index."""
    index = _index()
    children: defaultdict[str, set[str]] = defaultdict(set)
    for term, targets in index.reaches.items():
        for target in targets:
            if target != term and target in broader_terms(term):
                children[target].add(term)
    return {term: tuple(sorted(found)) for term, found in children.items()}


@functools.cache
def terms_under(root: str) -> tuple[str, ...]:
    """``root`` and every DPV 2.3 term below it (``skos:broader``/``rdfs:subClassOf``, transitively),
    sorted by IRI: the values a term picker offers for a property whose range is ``root``."""
    children = _narrower()
    seen = {root}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return tuple(sorted(seen))


def suggest(iri: str) -> str | None:
    """The known DPV 2.3 term an unknown DPV IRI most likely meant, or None (a known term, an IRI outside
    DPV, or nothing close enough).

    Looked for in the IRI's own namespace, among the names of the same kind when there are any (a
    property's name starts in lower case, a class's in upper case), in this order: the same name in
    another case (``dpv:marketing``), the same name in the singular or plural
    (``dpv:hasTechnicalOrganisationalMeasures``), the shortest name that begins with it
    (``dpv:hasStorage`` -> ``dpv:hasStorageCondition``), then the closest name by :mod:`difflib`
    (``dpv:hasController`` -> ``dpv:hasDataController``, ``dpv:Marketting`` -> ``dpv:Marketing``).
    """
    index = _index()
    namespace, local = _split(iri)
    if iri in index.facts or not _is_dpv(iri) or not local:
        return None
    names = index.local_names.get(namespace, ())
    other_case = {name.lower(): name for name in names}.get(local.lower())
    if other_case:
        return namespace + other_case
    same_kind = [n for n in names if n[:1].isupper() == local[:1].isupper()]
    best = _closest(local, same_kind or list(names))
    return namespace + best if best else None


def _closest(local: str, names: list[str]) -> str | None:
    """The name of ``names`` that ``local`` most likely meant (after the same name in another case: see
    :func:`suggest`), or None."""
    lowered = {name.lower(): name for name in names}
    wanted = local.lower()
    for variant in (wanted.removesuffix("s"), wanted + "s"):
        if variant in lowered:
            return lowered[variant]
    longer = sorted((n for n in names if n.lower().startswith(wanted)), key=lambda n: (len(n), n))
    if longer:
        return longer[0]
    close = difflib.get_close_matches(wanted, list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None
