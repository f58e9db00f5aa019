"""Results written as the rows arrive (``ropa query --format csv|tsv|json``), in bounded memory.

The query worker (:mod:`ropa_kg.query.worker`) writes a SELECT result row by row through
:class:`ropa_kg.sparql.results.StreamWriter` into :class:`Frames`: chunks of text, each after a JSON line
``{"chunk": bytes}``, which :func:`ropa_kg.query.limits.stream_limited` copies to its output as they come.
A CONSTRUCT or DESCRIBE result is a graph, printed in one order (rdflib's ``n3()`` of subject, predicate,
object, as :meth:`ResultTable.triples` sorts): :func:`sorted_texts` sorts it in runs of
:data:`CHUNK_ROWS` triples, spills each run to a temporary file and merges the runs, so no more than one
run is held in memory. The whole graph (``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }``, see
:func:`ropa_kg.sparql.whole_graph.is_whole_graph`) is read in that order from the store instead, subject
by subject (:func:`whole_graph`), and written with cached cell texts (:func:`graph_texts`): no sort of
millions of triples.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

import pyoxigraph as ox

from ropa_kg.core.terms import to_rdflib
from ropa_kg.query.catalogue import check_query
from ropa_kg.sparql.results import _CSV_SPECIAL, StreamWriter, cell_text, tsv_term

#: Triples sorted in memory at a time; a longer result is sorted in runs on disk.
CHUNK_ROWS = 200_000
#: Text buffered before a frame is sent.
FRAME_CHARS = 1 << 18
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_ESCAPED = frozenset('\n\r\\"')
_T = TypeVar("_T")
_END = object()
_Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: A row of :func:`graph_rows`: subject, predicate, object.
GraphRow = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, _Object]
#: An item of :func:`whole_graph`: a subject and its predicates in order, each with its :func:`n3_key`
#: and its objects in order.
SubjectTriples = tuple[ox.NamedNode | ox.BlankNode, list[tuple[str, ox.NamedNode, list[_Object]]]]


def n3_key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """rdflib's ``n3()`` of the equal rdflib term (the sort key of :meth:`ResultTable.triples`), built
    without rdflib for IRIs, blank nodes and literals that need no escape."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    value = term.value
    if _ESCAPED.intersection(value):
        return to_rdflib(term).n3()  # type: ignore[union-attr]  # a literal is never None
    if term.language:
        return f'"{value}"@{term.language}'
    datatype = term.datatype.value
    return f'"{value}"' if datatype == _XSD_STRING else f'"{value}"^^<{datatype}>'


def triple_key(subject: object, predicate: object, value: object) -> str:
    """One string that sorts as the tuple of the three terms' :func:`n3_key` does (NUL joins them: it
    sorts before every character, as the end of a term does in the tuple)."""
    return "\0".join((n3_key(subject), n3_key(predicate), n3_key(value)))  # type: ignore[arg-type]  # triple terms


def _spill(run: list[tuple[str, str]], directory: Path, number: int) -> Path:
    run.sort()
    path = directory / f"run-{number}.bin"
    with path.open("wb") as out:
        for key, text in run:
            k, t = key.encode("utf-8"), text.encode("utf-8")
            out.write(struct.pack("<II", len(k), len(t)) + k + t)
    return path


def _read(path: Path) -> Iterator[tuple[str, str]]:
    with path.open("rb", buffering=1 << 20) as stream:
        while head := stream.read(8):
            lk, lt = struct.unpack("<II", head)
            yield stream.read(lk).decode("utf-8"), stream.read(lt).decode("utf-8")


def sorted_texts(
    items: Iterable[tuple[str, str]], *, chunk_rows: int = CHUNK_ROWS, unique: bool = False
) -> Iterator[str]:
    """The texts of ``(key, text)`` pairs in the order of their keys (ties by text; with ``unique`` a
    repeated key is left out: a graph holds a triple once). Up to ``chunk_rows`` pairs are sorted in
    memory; more are sorted in runs in a temporary folder (removed at the end)."""
    last: str | None = None
    for key, text in _sorted(items, chunk_rows):
        if not (unique and key == last):
            yield text
        last = key


def _sorted(items: Iterable[tuple[str, str]], chunk_rows: int) -> Iterator[tuple[str, str]]:
    run: list[tuple[str, str]] = []
    iterator = iter(items)
    for item in iterator:
        run.append(item)
        if len(run) >= chunk_rows:
            break
    else:
        run.sort()
        yield from run
        return
    with tempfile.TemporaryDirectory(prefix="ropa-sort-") as folder:
        paths = [_spill(run, Path(folder), 0)]
        run = []
        for item in iterator:
            run.append(item)
            if len(run) >= chunk_rows:
                paths.append(_spill(run, Path(folder), len(paths)))
                run = []
        if run:
            paths.append(_spill(run, Path(folder), len(paths)))
        run = []
        yield from heapq.merge(*(_read(p) for p in paths))


def _subject_keys(store: ox.Store) -> list[str] | None:
    """The :func:`n3_key` of every subject of the default graph, sorted; None when one is not an IRI or a
    blank node (a quoted triple, RDF-star). The engine writes them as TSV, where an IRI is ``<iri>`` and
    a blank node ``_:id``: their :func:`n3_key`."""
    solutions = store.query(check_query("default-graph-subjects").text)
    assert isinstance(solutions, ox.QuerySolutions)  # a SELECT
    data = solutions.serialize(format=ox.QueryResultsFormat.TSV)
    assert data is not None  # serialize returns the bytes when given no output
    keys = data.decode("utf-8").split("\n")[1:-1]  # after the header "?s", before the final newline
    if any(not (key[:2] == "_:" or (key[0] == "<" and key[1] != "<")) for key in keys):
        return None
    keys.sort()
    return keys


def whole_graph(store: ox.Store) -> Iterator[SubjectTriples] | None:
    """The triples of ``store``'s default graph (in memory or read-only on disk) in :func:`triple_key`
    order, the order :func:`sorted_texts` gives them, subject by subject: ``(subject, predicates)``, each
    predicate as ``(n3_key, predicate, objects)`` (see :func:`graph_rows` for the triples one by one).
    None when a subject is a quoted triple (RDF-star: sort those as any CONSTRUCT result).

    The subjects come sorted from one query (:func:`_subject_keys`); each subject's triples are then read
    from the store's index (a scan does not give a subject's triples together), its predicates sorted by
    their :func:`n3_key`, and the objects of a predicate by theirs where it has several. One subject's
    triples are held at a time."""
    keys = _subject_keys(store)
    return None if keys is None else _subjects(store, keys)


def _subjects(store: ox.Store, keys: list[str]) -> Iterator[SubjectTriples]:
    # without named graphs every quad is in the default graph: no graph to match (a fifth faster)
    graph = ox.DefaultGraph() if next(iter(store.named_graphs()), None) is not None else None
    predicate_keys: dict[ox.NamedNode, str] = {}
    for key in keys:
        subject = ox.NamedNode(key[1:-1]) if key[0] == "<" else ox.BlankNode(key[2:])
        by_predicate: dict[ox.NamedNode, tuple[str, ox.NamedNode, list[_Object]]] = {}
        for quad in store.quads_for_pattern(subject, None, None, graph):
            predicate = quad.predicate
            entry = by_predicate.get(predicate)
            if entry is not None:
                entry[2].append(quad.object)
                continue
            predicate_key = predicate_keys.get(predicate)
            if predicate_key is None:
                predicate_key = predicate_keys[predicate] = n3_key(predicate)
            by_predicate[predicate] = (predicate_key, predicate, [quad.object])
        predicates = sorted(by_predicate.values())  # by key: a subject's predicate keys differ
        for _key, _predicate, objects in predicates:
            if len(objects) > 1:
                objects.sort(key=n3_key)  # type: ignore[arg-type]  # a triple term fails as in triple_key
        yield subject, predicates


def graph_rows(subjects: Iterable[SubjectTriples]) -> Iterator[GraphRow]:
    """The triples of :func:`whole_graph`'s items, one by one."""
    for subject, predicates in subjects:
        for _key, predicate, objects in predicates:
            for value in objects:
                yield subject, predicate, value


def graph_texts(subjects: Iterable[SubjectTriples], writer: StreamWriter) -> Iterator[list[str]]:
    """The :meth:`StreamWriter.text` of each triple of :func:`whole_graph`'s items, a list per subject
    (for :func:`take_runs` and :func:`write_run`): the same texts.

    For CSV and TSV the cell of each IRI and blank node is made once and kept (as many as the graph has
    nodes), a literal's each time; a JSON row is made by :meth:`StreamWriter.text`."""
    if writer.fmt == "csv":
        return _texts(subjects, _csv_cell, ",", _csv_literal)
    if writer.fmt == "tsv":
        return _texts(subjects, tsv_term, "\t", tsv_term)
    return (
        [
            writer.text((subject, predicate, value))
            for _key, predicate, objects in predicates
            for value in objects
        ]
        for subject, predicates in subjects
    )


def write_run(writer: StreamWriter, texts: list[str]) -> None:
    """Write rows given as their :meth:`StreamWriter.text`, as :meth:`StreamWriter.write_text` would
    one by one: CSV and TSV rows are their texts one after another, so they go to the writer's output in
    one piece (and count as as many rows)."""
    if writer.fmt == "json":
        for text in texts:
            writer.write_text(text)
        return
    writer.out.write("".join(texts))
    writer.count += len(texts)


def _csv_cell(term: object) -> str:
    """A term's CSV cell as ``csv.writer`` writes it (quoted where it holds ``,``, ``"`` or a line
    break)."""
    return _csv_quoted(cell_text(term))


def _csv_literal(literal: ox.Literal) -> str:
    text = literal.value
    return text if _CSV_SPECIAL.isdisjoint(text) else _csv_quoted(text)


def _csv_quoted(text: str) -> str:
    if _CSV_SPECIAL.isdisjoint(text):
        return text
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([text])
    return line.getvalue()[:-1]


def _texts(
    subjects: Iterable[SubjectTriples],
    node: Callable[[object], str],
    separator: str,
    literal: Callable[[ox.Literal], str],
) -> Iterator[list[str]]:
    cells: dict[object, str] = {}  # IRI or blank node -> its cell
    literal_type = ox.Literal
    for subject, predicates in subjects:
        head = (cells.get(subject) or node(subject)) + separator
        texts: list[str] = []
        add = texts.append
        for _key, predicate, objects in predicates:
            cell = cells.get(predicate)
            if cell is None:
                cell = cells[predicate] = node(predicate)
            prefix = head + cell + separator
            for value in objects:
                if type(value) is literal_type:
                    add(prefix + literal(value) + "\n")
                    continue
                cell = cells.get(value)
                if cell is None:
                    cell = cells[value] = node(value)
                add(prefix + cell + "\n")
        yield texts


def take(
    items: Iterable[_T],
    emit: Callable[[_T], None],
    *,
    offset: int = 0,
    limit: int | None = None,
    max_rows: int,
) -> tuple[int, bool]:
    """Emit ``items`` from ``offset`` on, at most ``limit`` and at most ``max_rows`` of them; the number
    emitted and whether ``max_rows`` cut rows that ``limit`` would have kept."""
    iterator = iter(items)
    for _ in range(offset):
        if next(iterator, _END) is _END:
            return 0, False
    wanted = max_rows if limit is None else min(limit, max_rows)
    count = 0
    for item in iterator:
        if count >= wanted:
            return count, wanted == max_rows and (limit is None or limit > max_rows)
        emit(item)
        count += 1
    return count, False


def take_runs(
    runs: Iterable[list[_T]],
    emit: Callable[[list[_T]], None],
    *,
    offset: int = 0,
    limit: int | None = None,
    max_rows: int,
) -> tuple[int, bool]:
    """:func:`take` for items that come in runs (lists, e.g. a subject's rows): the same items kept and
    the same answer, ``emit`` given the kept part of each run at once."""
    wanted = max_rows if limit is None else min(limit, max_rows)
    count = 0
    for run in runs:
        if offset:
            if offset >= len(run):
                offset -= len(run)
                continue
            run, offset = run[offset:], 0
        room = wanted - count
        if len(run) > room:
            if room:
                emit(run[:room])
            return wanted, wanted == max_rows and (limit is None or limit > max_rows)
        if run:
            emit(run)
            count += len(run)
    return count, False


class Frames:
    """A text sink that sends what it is given as frames to a binary stream: a JSON line
    ``{"chunk": n}`` and then ``n`` bytes of UTF-8 (the worker's side of the streaming protocol)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        """Buffer ``text``; send a frame once enough is buffered."""
        self.parts.append(text)
        self.size += len(text)
        if self.size >= FRAME_CHARS:
            self.flush()
        return len(text)

    def flush(self) -> None:
        """Send what is buffered as one frame."""
        if not self.parts:
            return
        data = "".join(self.parts).encode("utf-8")
        self.parts, self.size = [], 0
        self.stream.write(json.dumps({"chunk": len(data)}).encode() + b"\n" + data)
        self.stream.flush()


__all__ = [
    "CHUNK_ROWS",
    "Frames",
    "GraphRow",
    "SubjectTriples",
    "graph_rows",
    "graph_texts",
    "n3_key",
    "sorted_texts",
    "take",
    "take_runs",
    "triple_key",
    "whole_graph",
    "write_run",
]
