"""Loading a record (ontology + data files) into one rdflib graph, with clear errors.

Files are chosen by extension: ``.ttl`` (Turtle), ``.nt`` (N-Triples), ``.rdf``/``.owl``/``.xml``
(RDF/XML), ``.jsonld`` (JSON-LD). A folder stands for every such file below it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import rdflib
from rdflib import BNode, Graph
from rdflib.term import Node

from ropa_kg.core.blank_nodes import stable_labels
from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.namespaces import bind_prefixes
from ropa_kg.core.resources import alumeco_dir, ontology_dir
from ropa_kg.core.terms import to_oxigraph
from ropa_kg.load.reading import read_dpv_graph
from ropa_kg.load.safe_input import NetworkBlocked, no_network, read_checked, refuse_attempts

FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
}


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand ``paths`` (files or folders) into the sorted list of RDF files they name.

    Raises:
        RopaInputError: a path does not exist, a file has an unknown extension, or nothing was found.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMATS and p.is_file()))
        elif path.is_file():
            if path.suffix.lower() not in FORMATS:
                known = ", ".join(sorted(FORMATS))
                raise RopaInputError(f"unknown file type {path.suffix!r}; expected one of {known}", path)
            found.append(path)
        else:
            raise RopaInputError("no such file or folder", path)
    if not found:
        raise RopaInputError("no RDF files found", ", ".join(str(p) for p in paths) or "(no paths)")
    return found


_LINE = re.compile(r"(?:line|lines)\W+(\d+)", re.IGNORECASE)


_NORMALIZE_LOCK = threading.RLock()


@contextlib.contextmanager
def literals_as_written() -> Iterator[None]:
    """While active, rdflib keeps every literal's lexical form as written (``"01"^^xsd:integer`` stays
    ``"01"``, ``"none"^^xsd:boolean`` stays ``"none"``): rdflib otherwise rewrites valid literals to a
    canonical form and ill-typed booleans to ``"false"`` as it parses, and the data would no longer say
    what its file says. rdflib offers only a process-wide switch (``rdflib.NORMALIZE_LITERALS``); it is
    flipped under a lock and put back."""
    with _NORMALIZE_LOCK:
        before = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            yield
        finally:
            rdflib.NORMALIZE_LITERALS = before


def parse_into(graph: Graph, path: Path, *, max_bytes: int | None = None) -> None:
    """Parse one file into ``graph``, literals as written (:func:`literals_as_written`); nothing is
    fetched from the network.

    The file first passes :func:`ropa_kg.load.safe_input.read_checked` (size limit ``max_bytes``, else
    ``$ROPA_MAX_FILE_BYTES``; empty, binary and non-UTF-8 files; external or nested XML entities; JSON-LD
    contexts to load). JSON-LD is handed to rdflib already parsed, and the parser runs inside
    :func:`ropa_kg.load.safe_input.no_network`.

    Raises:
        RopaInputError: the file cannot be read, is refused, or cannot be parsed; names the file, the
            line and the cause.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RopaInputError(f"unknown file type {path.suffix!r}", path)
    checked = read_checked(path, fmt, max_bytes=max_bytes)
    source: Any = checked.document if fmt == "json-ld" else checked.text
    try:
        with no_network(path) as attempts, literals_as_written():
            graph.parse(data=source, format=fmt, publicID=path.resolve().as_uri())
    except NetworkBlocked as exc:
        raise NetworkBlocked(exc.cause, path, exc.line) from exc
    except Exception as exc:
        refuse_attempts(attempts, path)
        line, cause = _describe_parse_error(exc)
        raise RopaInputError(cause, path, line) from exc
    refuse_attempts(attempts, path)


def _describe_parse_error(exc: Exception) -> tuple[int | None, str]:
    """Return (1-based line, cause) from a parser exception of rdflib's Turtle, XML or JSON-LD parsers."""
    source = getattr(exc, "_str", None)
    offset = getattr(exc, "_i", None)
    why = getattr(exc, "_why", None)
    if isinstance(source, bytes | str) and isinstance(offset, int):  # rdflib's Turtle/N3 BadSyntax
        newline = b"\n" if isinstance(source, bytes) else "\n"
        return source[:offset].count(newline) + 1, f"syntax error: {why or exc}"  # type: ignore[arg-type]
    line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
    if isinstance(line, int):
        return line, f"syntax error: {getattr(exc, 'msg', exc)}"
    match = _LINE.search(str(exc))
    return (int(match.group(1)) if match else None), f"syntax error: {exc}"


def ontology_files() -> list[Path]:
    """The project's extension ontology files (Finnish labels of DPV terms, minted terms, rule metadata):
    the RDF files directly in ``ontology/``. Its subfolders are not loaded with every record: the DPV 2.3
    index (``ontology/dpv-2.3/index.ttl``) contributes only the facts about the terms a record uses, through
    :func:`ropa_kg.load.vocabulary.vocabulary_quads`."""
    top = ontology_dir()
    return collect_files(sorted(p for p in top.iterdir() if p.is_file() and p.suffix.lower() in FORMATS))


def load_graph(
    paths: Sequence[Path | str] | None = None, *, with_ontology: bool = True, max_bytes: int | None = None
) -> Graph:
    """Load the record in ``paths`` (default: the bundled Alumeco record) into one graph.

    ``max_bytes`` is the size limit for each file (default: ``$ROPA_MAX_FILE_BYTES`` or 128 MiB); every
    file passes the checks of :mod:`ropa_kg.load.safe_input`.

    With ``with_ontology`` the project's ontology is loaded too, so that rules and queries can follow
    ``skos:broader`` without all of DPV. Nothing is fetched from the network.

    Raises:
        RopaInputError: a path is missing or a file cannot be parsed.
    """
    files = collect_files(paths if paths else [alumeco_dir()])
    graph = bind_prefixes(Graph())
    for path in (ontology_files() if with_ontology else []) + files:
        parse_into(graph, path, max_bytes=max_bytes)
    relabel_blank_nodes(graph)
    read_dpv_graph(graph, vocabulary=with_ontology)
    return graph


def relabel_blank_nodes(graph: Graph) -> None:
    """Give the blank nodes of ``graph`` labels derived from their content, the same labels
    :func:`ropa_kg.load.store.relabel_blank_nodes` gives them in a store (see
    :mod:`ropa_kg.core.blank_nodes`)."""
    triples = [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    if not triples:
        return
    labels = stable_labels(
        triples,
        is_blank=lambda term: isinstance(term, BNode),
        text=lambda term: str(to_oxigraph(term)),  # type: ignore[arg-type]  # triples hold terms
    )

    def new(term: Node) -> Node:
        return BNode(labels[term]) if isinstance(term, BNode) else term

    for triple in triples:
        graph.remove(triple)
    for s, p, o in triples:
        graph.add((new(s), p, new(o)))


_PREFIX_DECLARATION = re.compile(
    r"^[ \t]*(?:@prefix|PREFIX)[ \t]+([A-Za-z][\w.-]*)?:[ \t]*<([^>\s]*)>", re.M | re.I
)
#: Prefix declarations are looked for in the first bytes of a Turtle file only (they come first).
PREFIX_SCAN_BYTES = 1 << 20


def declared_prefixes(files: Iterable[Path]) -> dict[str, str]:
    """The ``@prefix``/``PREFIX`` declarations at the top of the Turtle files (the first
    :data:`PREFIX_SCAN_BYTES` of each), for showing IRIs as the record's authors wrote them. Files that
    cannot be read are skipped: this is for display only."""
    found: dict[str, str] = {}
    for path in files:
        if FORMATS.get(path.suffix.lower()) != "turtle":
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(PREFIX_SCAN_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        for match in _PREFIX_DECLARATION.finditer(head):
            if match.group(1):
                found.setdefault(match.group(1), match.group(2))
    return found


__all__ = [
    "FORMATS",
    "PREFIX_SCAN_BYTES",
    "collect_files",
    "declared_prefixes",
    "literals_as_written",
    "load_graph",
    "ontology_files",
    "parse_into",
    "relabel_blank_nodes",
]
