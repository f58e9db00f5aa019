"""Loading a record into an in-memory pyoxigraph store, the default embedded query engine.

Files are chosen like :mod:`ropa_kg.load.graph` does (same extensions, folders expanded, the project's
ontology first); every triple goes into the store's default graph. Every file passes the checks of
:mod:`ropa_kg.load.safe_input` first. Nothing is fetched from the network: pyoxigraph's parsers never
dereference IRIs or remote JSON-LD contexts.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF
from rdflib.term import Node

from ropa_kg.core.blank_nodes import stable_labels
from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.namespaces import DPV, ROPA
from ropa_kg.core.resources import alumeco_dir, cache_root, check_query_path
from ropa_kg.core.terms import to_rdflib
from ropa_kg.load.graph import FORMATS, collect_files, ontology_files
from ropa_kg.load.reading import read_dpv
from ropa_kg.load.safe_input import no_network, read_checked, refuse_attempts

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
    relabel_blank_nodes(store)
    read_dpv(store, vocabulary=with_ontology)
    return store


def relabel_blank_nodes(store: ox.Store) -> None:
    """Give the blank nodes of the store's default graph labels derived from their content
    (:mod:`ropa_kg.core.blank_nodes`): the parser's labels are random, and every output naming a blank node
    would differ from run to run."""
    text = check_query_path("blank-node-triples").read_text(encoding="utf-8")
    result = store.query(text)
    assert isinstance(result, ox.QuerySolutions)  # a SELECT query
    quads = [ox.Quad(row["s"], row["p"], row["o"]) for row in result]
    if not quads:
        return
    for quad in quads:
        store.remove(quad)
    store.extend(relabelled_quads(quads))


def relabelled_quads(quads: Sequence[ox.Quad]) -> list[ox.Quad]:
    """``quads`` (those of a graph that name blank nodes) with their blank nodes given the labels derived
    from their content (:mod:`ropa_kg.core.blank_nodes`), in the same order."""
    labels = stable_labels(
        ((q.subject, q.predicate, q.object) for q in quads),
        is_blank=lambda term: isinstance(term, ox.BlankNode),
        text=str,
    )

    def new(term: Any) -> Any:
        return ox.BlankNode(labels[term]) if isinstance(term, ox.BlankNode) else term

    return [ox.Quad(new(q.subject), q.predicate, new(q.object), q.graph_name) for q in quads]


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

    The file first passes :func:`ropa_kg.load.safe_input.read_checked` (size limit ``max_bytes``, else
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


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_PROBE = ox.NamedNode("urn:ropa-kg:written-form")


def stored_forms(literals: Iterable[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """Each literal and the form a pyoxigraph store holds it in (``"01"^^xsd:int`` as ``"1"^^xsd:integer``):
    every literal is stored once, alone, in a scratch store and read back."""
    written = sorted(set(literals), key=str)
    scratch = ox.Store()
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:ropa-kg:w{i}"), _PROBE, lit) for i, lit in enumerate(written))
    found: dict[ox.Literal, ox.Literal] = {}
    for quad in scratch:
        stored = quad.object
        assert isinstance(stored, ox.Literal)
        found[written[int(quad.subject.value.rsplit("w", 1)[1])]] = stored
    return found


class WrittenForms:
    """The literals of a record as its files write them, to name a literal the way the data does.

    pyoxigraph stores numbers, booleans, dates and durations in a canonical form (``"01"`` as ``"1"``,
    ``"P0D"`` as ``"PT0S"``, ``"5"^^xsd:int`` as ``"5"^^xsd:integer``), so a literal read back from a store
    may not be a term of the record's text. :meth:`lookup` finds, for stored literals, the written form:
    it reads the record again (only when asked, which is only when a finding names such a literal) and
    stores each written literal once more, alone, to see which stored form it takes.
    """

    def __init__(self, originals: Callable[[], Iterable[ox.Literal]]) -> None:
        self._originals = originals
        self._files: list[Path] | None = None

    @classmethod
    def of_files(cls, files: Sequence[Path]) -> WrittenForms:
        """The literals of ``files`` (parsed again when asked, with the checks of loading; the distinct
        typed literals of each file are remembered in the cache folder, keyed by the file's sha256)."""
        forms = cls(lambda: (lit for path in files for lit in _typed_literals(path)))
        forms._files = list(files)
        return forms

    def lossy_triples(self) -> list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.Literal]] | None:
        """The triples of the files whose literal the store does not keep as written, the literal as
        written (blank-node subjects with the parser's labels, not the store's); None when these literals
        did not come from files."""
        if self._files is None:
            return None
        out: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.Literal]] = []
        for path in self._files:
            for subject, blank, predicate, value, datatype in _typed(path)[1]:
                node = ox.BlankNode(subject) if blank else ox.NamedNode(subject)
                out.append(
                    (node, ox.NamedNode(predicate), ox.Literal(value, datatype=ox.NamedNode(datatype)))
                )
        return out

    @classmethod
    def of_terms(cls, literals: Iterable[ox.Literal]) -> WrittenForms:
        """These literals (e.g. those of an rdflib graph, converted with :func:`to_oxigraph`)."""
        kept = list(literals)
        return cls(lambda: kept)

    @staticmethod
    def may_differ(term: object) -> bool:
        """True for a literal a store may hold in another form than written (typed, not a string)."""
        return (
            isinstance(term, ox.Literal)
            and term.language is None
            and term.datatype.value not in {_XSD_STRING, _RDF_LANG_STRING}
        )

    def lossy(self) -> set[ox.Literal]:
        """The stored forms that some written literal does not keep: another lexical form (``"01"`` to
        ``"1"``) or another datatype (``"5"^^xsd:int`` to ``"5"^^xsd:integer``)."""
        forms = stored_forms(o for o in self._originals() if self.may_differ(o))
        return {
            stored
            for original, stored in forms.items()
            if stored.value != original.value or stored.datatype != original.datatype
        }

    def lookup(self, stored: set[ox.Literal]) -> dict[ox.Literal, str]:
        """For each literal of ``stored`` whose written form differs, that form (its lexical text).

        Where several written literals take the same stored form, the stored form is kept if the data
        writes it too, else the first written form in sorted order.
        """
        forms: dict[ox.Literal, set[str]] = {}
        for original, canonical in stored_forms(o for o in self._originals() if self.may_differ(o)).items():
            if canonical in stored:
                forms.setdefault(canonical, set()).add(original.value)
        return {term: min(values) for term, values in forms.items() if term.value not in values}


_TYPED_CACHE_VERSION = 2

#: What a file writes of its typed literals: the distinct ones (value, datatype), and the triples whose
#: literal pyoxigraph does not keep as written (subject, whether it is a blank node, predicate, value,
#: datatype).
_Typed = tuple[list[tuple[str, str]], list[tuple[str, bool, str, str, str]]]


def _typed(path: Path) -> _Typed:
    """:data:`_Typed` of ``path``, remembered in the cache folder by the file's sha256 (a large record
    writes millions of literals but a few hundred distinct typed ones)."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    cached = cache_root() / "written" / f"{_TYPED_CACHE_VERSION}-{digest}.pickle" if digest else None
    if cached is not None and cached.is_file():
        try:
            with cached.open("rb") as handle:
                found: _Typed = pickle.load(handle)  # noqa: S301 - our own file, keyed by the sha256 of its source
            return found
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            pass
    found = _read_typed(path)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as out:
                pickle.dump(found, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cached)
        except OSError:
            pass
    return found


def _read_typed(path: Path) -> _Typed:
    rows: list[tuple[str, bool, str, str, str]] = []
    for quad in _file_quads(path):
        obj, subject = quad.object, quad.subject
        if (
            WrittenForms.may_differ(obj)
            and isinstance(obj, ox.Literal)
            and not isinstance(subject, ox.Triple)
        ):
            rows.append(
                (
                    subject.value,
                    isinstance(subject, ox.BlankNode),
                    quad.predicate.value,
                    obj.value,
                    obj.datatype.value,
                )
            )
    distinct = sorted({(r[3], r[4]) for r in rows})
    lossy = {pair for pair in distinct if _stored_pair(*pair) != pair}
    return distinct, sorted(r for r in rows if (r[3], r[4]) in lossy)


def _stored_pair(value: str, datatype: str) -> tuple[str, str]:
    """The (lexical form, datatype) pyoxigraph stores a literal as."""
    literal = ox.Literal(value, datatype=ox.NamedNode(datatype))
    stored = stored_forms([literal])[literal]
    return stored.value, stored.datatype.value


def _typed_literals(path: Path) -> list[ox.Literal]:
    """The distinct typed (non-string) literals ``path`` writes (see :func:`_typed`)."""
    return [ox.Literal(v, datatype=ox.NamedNode(d)) for v, d in _typed(path)[0]]


def _file_quads(path: Path) -> Iterator[ox.Quad]:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return
    checked = read_checked(path, fmt)
    with no_network(path):
        yield from ox.parse(checked.data, format=_OX_FORMATS[fmt], base_iri=path.resolve().as_uri())


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
    """A new in-memory rdflib graph holding the store's default graph (for serialisers and pyshacl):
    each term converted once (a record names its predicates thousands of times) and added to the store
    directly, which is faster than parsing an N-Triples dump."""
    converted: dict[object, Node] = {}

    def term(node: object) -> Node:
        found = converted.get(node)
        if found is None:
            made = to_rdflib(node)
            assert made is not None  # every quad holds terms
            found = converted[node] = made
        return found

    graph = Graph()
    add = graph.store.add
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        add((term(quad.subject), term(quad.predicate), term(quad.object)), graph)
    return graph


def dump_ntriples(store: ox.Store) -> bytes:
    """The store's default graph as N-Triples bytes (what ``ropa load`` sends to a Graph Store)."""
    out = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert out is not None  # dump() without an output returns the bytes
    return out


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


__all__ = [
    "RecordStats",
    "WrittenForms",
    "dump_ntriples",
    "load_file",
    "load_store",
    "rdflib_copy",
    "record_files",
    "record_stats",
    "relabel_blank_nodes",
    "relabelled_quads",
    "store_graph",
    "stored_forms",
]
