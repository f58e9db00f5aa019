"""Where the dashboard's record sources other than the bundled record come from: uploaded files and
snapshots of a SPARQL endpoint, each written to a folder of the dashboard's work directory (never to the
user's record). I/O kept out of the views and ``dashboard/common.py``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError
from ropa_kg.load.graph import FORMATS

if TYPE_CHECKING:
    from ropa_kg.query.http_auth import Credentials


def work_dir() -> Path:
    """Where uploaded files and endpoint snapshots are written (one folder per content hash):
    ``$ROPA_DASHBOARD_WORK``, else ``ropa-dashboard`` in the system's temporary folder."""
    return Path(os.environ.get("ROPA_DASHBOARD_WORK", Path(tempfile.gettempdir()) / "ropa-dashboard"))


def _safe_name(name: str) -> str:
    base = Path(name).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned or "upload.ttl"


def save_uploads(files: Sequence[tuple[str, bytes]]) -> tuple[str, ...]:
    """Write uploaded files (name, content) to a folder keyed by their content; return their paths.

    Raises:
        RopaInputError: a file's extension is not one the loader reads.
    """
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode())
        digest.update(hashlib.sha256(data).digest())
    folder = work_dir() / "uploads" / digest.hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for name, data in files:
        safe = _safe_name(name)
        if Path(safe).suffix.lower() not in FORMATS:
            raise RopaInputError(f"unknown file type; expected one of {', '.join(sorted(FORMATS))}", name)
        target = folder / safe
        target.write_bytes(data)
        paths.append(str(target))
    return tuple(paths)


def snapshot_endpoint(
    url: str, graph_iri: str | None, *, credentials: Credentials | None = None
) -> tuple[str, ...]:
    """Copy every triple of ``graph_iri`` on the SPARQL endpoint ``url`` (as ``credentials`` when it asks
    for them) into an N-Triples file (saved query ``record-triples``); return its path.

    The snapshot leaves out what loading it adds again (:func:`without_loaded_additions`: the ontology
    and DPV's facts that ``ropa load`` sent with the record), so the dashboard shows what the record's
    own files would show (tested on Virtuoso 7.2: every view, the triple count too).

    Raises:
        RopaUsageError (EndpointError): the address is not http(s), or the endpoint fails.
        RopaInputError: the endpoint holds no triples in that graph.
    """
    from ropa_kg.query.endpoint import fetch_graph

    graph = fetch_graph(url.strip(), graph_iri=graph_iri or None, timeout=30.0, credentials=credentials)
    if len(graph) == 0:
        raise RopaInputError(f"the endpoint returned no triples for graph {graph_iri or '(default)'}", url)
    graph = without_loaded_additions(graph)
    key = hashlib.sha256(f"{url}\n{graph_iri}\n{time.time()}".encode()).hexdigest()[:16]
    folder = work_dir() / "endpoint" / key
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "snapshot.nt"
    graph.serialize(destination=str(target), format="nt", encoding="utf-8")
    return (str(target),)


def _by_content(graph: Graph) -> set[tuple[Node, Node, Node]]:
    """The triples of ``graph``, blank nodes labelled by their content (:mod:`ropa_kg.core.blank_nodes`)."""
    from ropa_kg.core.blank_nodes import stable_labels

    blank = [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    labels = stable_labels(blank, is_blank=lambda term: isinstance(term, BNode), text=lambda term: term.n3())

    def new(term: Node) -> Node:
        return BNode(labels[term]) if isinstance(term, BNode) else term

    return {(new(s), p, new(o)) for s, p, o in graph}


def without_loaded_additions(graph: Graph) -> Graph:
    """``graph`` (a record fetched from a store) without what loading it as a record adds again: the
    project's ontology and DPV's facts about the terms it uses (``ropa load`` sends both with the record).
    Blank nodes are compared by content: loaded again, the ontology's lists would otherwise come back as
    copies, and DPV's facts about the ontology's own terms would join the record."""
    from ropa_kg.core.terms import store_from_graph, to_rdflib
    from ropa_kg.load.graph import ontology_files, parse_into
    from ropa_kg.load.vocabulary import vocabulary_quads

    ontology = Graph()
    for path in ontology_files():
        parse_into(ontology, path)
    vocabulary = Graph()
    for quad in vocabulary_quads(store_from_graph(graph)):
        vocabulary.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    kept = Graph()
    for triple in _by_content(graph) - _by_content(ontology) - _by_content(vocabulary):
        kept.add(triple)
    return kept


__all__ = ["save_uploads", "snapshot_endpoint", "without_loaded_additions", "work_dir"]
