"""Results written as the rows arrive (``ropa query --format csv|tsv|json``), in bounded memory.

The query worker (:mod:`ropa_kg.query.worker`) writes a SELECT result row by row through
:class:`ropa_kg.sparql.results.StreamWriter` into :class:`Frames`: chunks of text, each after a JSON line
``{"chunk": bytes}``, which :func:`ropa_kg.query.limits.stream_limited` copies to its output as they come.
A CONSTRUCT or DESCRIBE result is a graph, printed in one order (rdflib's ``n3()`` of subject, predicate,
object, as :meth:`ResultTable.triples` sorts): :func:`sorted_texts` sorts it in runs of
:data:`CHUNK_ROWS` triples, spills each run to a temporary file and merges the runs, so no more than one
run is held in memory.
"""

from __future__ import annotations

import heapq
import json
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

import pyoxigraph as ox

from ropa_kg.core.terms import to_rdflib

#: Triples sorted in memory at a time; a longer result is sorted in runs on disk.
CHUNK_ROWS = 200_000
#: Text buffered before a frame is sent.
FRAME_CHARS = 1 << 18
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_ESCAPED = frozenset('\n\r\\"')
_T = TypeVar("_T")
_END = object()


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


__all__ = ["CHUNK_ROWS", "Frames", "n3_key", "sorted_texts", "take", "triple_key"]
