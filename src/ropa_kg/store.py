"""Loading a record into an in-memory pyoxigraph store, the default embedded query engine.

Files are chosen like :mod:`ropa_kg.graph` does (same extensions, folders expanded, the project's
ontology first); every triple goes into the store's default graph. Every file passes the checks of
:mod:`ropa_kg.safe_input` first. Nothing is fetched from the network: pyoxigraph's parsers never
dereference IRIs or remote JSON-LD contexts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF

from ropa_kg.errors import RopaInputError
from ropa_kg.graph import FORMATS, collect_files, ontology_files
from ropa_kg.namespaces import DPV, ROPA
from ropa_kg.resources import alumeco_dir
from ropa_kg.results import Term, plain_literal
from ropa_kg.safe_input import no_network, read_checked, refuse_attempts

_OX_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
    "json-ld": ox.RdfFormat.JSON_LD,
}


def record_files(paths: Sequence[Path | str] | None = None, *, with_ontology: bool = True) -> list[Path]:
    """The files of a record: the project's ontology (when ``with_ontology``), then ``paths``
    (default: the bundled Alumeco record).

    Raises:
        RopaInputError: a path is missing, has an unknown extension, or names no RDF file.
    """
    files = collect_files(paths if paths else [alumeco_dir()])
    return (ontology_files() if with_ontology else []) + files


def load_store(
    paths: Sequence[Path | str] | None = None, *, with_ontology: bool = True, max_bytes: int | None = None
) -> ox.Store:
    """Load the record in ``paths`` (default: the bundled Alumeco record) into a new in-memory store.

    ``max_bytes`` is the size limit for each file (default: ``$ROPA_MAX_FILE_BYTES`` or 128 MiB).

    Raises:
        RopaInputError: a path is missing, or a file is empty, not UTF-8 or not valid RDF; the error
            names the file, the line and the cause.
    """
    store = ox.Store()
    for path in record_files(paths, with_ontology=with_ontology):
        load_file(store, path, max_bytes=max_bytes)
    return store


def load_file(
    store: ox.Store,
    path: Path,
    *,
    graph: ox.NamedNode | None = None,
    max_bytes: int | None = None,
    bulk: bool = False,
) -> None:
    """Parse one file into ``store`` (its default graph, or ``graph``); all or nothing, unless ``bulk``
    (pyoxigraph's faster bulk loader, for a store that is thrown away when loading fails).

    The file first passes :func:`ropa_kg.safe_input.read_checked` (size limit ``max_bytes``, else
    ``$ROPA_MAX_FILE_BYTES``; empty, binary and non-UTF-8 files; external or nested XML entities, which
    pyoxigraph's RDF/XML parser would otherwise expand without bound; JSON-LD contexts to load).

    Raises:
        RopaInputError: the file cannot be read, is refused, or is not valid RDF.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RopaInputError(f"unknown file type {path.suffix!r}", path)
    checked = read_checked(path, fmt, max_bytes=max_bytes)
    try:
        with no_network(path) as attempts:
            loader = store.bulk_load if bulk else store.load
            loader(
                input=checked.data,
                format=_OX_FORMATS[fmt],
                base_iri=path.resolve().as_uri(),
                to_graph=graph if graph is not None else ox.DefaultGraph(),
            )
    except SyntaxError as exc:
        raise RopaInputError(f"syntax error: {_cause(exc)}", path, exc.lineno) from exc
    except (ValueError, OSError) as exc:
        raise RopaInputError(f"cannot load: {exc}", path) from exc
    refuse_attempts(attempts, path)


def _cause(exc: SyntaxError) -> str:
    """pyoxigraph's message without its location prefix (the line is reported separately)."""
    message = str(exc.msg or exc)
    head, sep, tail = message.partition(": ")
    return tail if sep and head.startswith("Parser error") else message


def store_graph(store: ox.Store) -> Graph:
    """An rdflib view of the store's default graph (through oxrdflib): no copy, the rdflib API for code
    that reads a few triples at a time (reports, waivers). ``len()`` on it counts every triple: use
    ``len(store)`` instead."""
    from oxrdflib import OxigraphStore

    return Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)


def rdflib_copy(store: ox.Store) -> Graph:
    """A new in-memory rdflib graph holding the store's default graph (for serialisers and pyshacl)."""
    graph = Graph()
    graph.parse(data=dump_ntriples(store), format="nt")
    return graph


def dump_ntriples(store: ox.Store) -> bytes:
    """The store's default graph as N-Triples bytes (what ``ropa load`` sends to a Graph Store)."""
    out = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert out is not None  # dump() without an output returns the bytes
    return out


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> Term | None:
    """A pyoxigraph term as the equal rdflib term (see :mod:`ropa_kg.results`); raises ValueError for
    RDF-star triples, which the record never holds."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return plain_literal(term.value, language=term.language, datatype=term.datatype.value)
    raise ValueError(f"unsupported term in a result: {term!r}")


def to_oxigraph(term: URIRef | Literal | BNode) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An rdflib term as the equal pyoxigraph term (used to bind query parameters)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


@dataclass(frozen=True)
class RecordStats:
    """What a loaded record holds."""

    triples: int
    activities: int
    controllers: int
    processors: int
    recipients: int
    data_categories: int
    data_subject_categories: int
    purposes: int
    facts_with_source: int


def record_stats(store: ox.Store) -> RecordStats:
    """Count the activities, entities and concepts a record in ``store`` (its default graph) uses, the
    ontology's own terms excluded; terms are compared as pyoxigraph terms, never converted."""
    default = ox.DefaultGraph()
    rdf_type = ox.NamedNode(str(RDF.type))

    def subjects(cls: URIRef) -> set[object]:
        return {q.subject for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(str(cls)), default)}

    activities = subjects(DPV.Process)

    def used(prop: URIRef) -> set[object]:
        pattern = store.quads_for_pattern(None, ox.NamedNode(str(prop)), None, default)
        return {q.object for q in pattern if q.subject in activities}

    processors = subjects(DPV.DataProcessor) | used(DPV.hasDataProcessor)
    recipients = used(DPV.hasRecipient) | used(DPV.hasDataProcessor) | processors
    return RecordStats(
        triples=len(store),
        activities=len(activities),
        controllers=len(subjects(DPV.DataController)),
        processors=len(processors),
        recipients=len(recipients),
        data_categories=len(used(DPV.hasPersonalData)),
        data_subject_categories=len(used(DPV.hasDataSubject)),
        purposes=len(used(DPV.hasPurpose)),
        facts_with_source=sum(
            1 for _ in store.quads_for_pattern(None, ox.NamedNode(str(ROPA.source)), None, default)
        ),
    )
