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

    Tested on Oxigraph and Virtuoso 7.2: the record loaded from the snapshot gives the views of the
    record ``ropa load`` sent, but for its triple count (the snapshot holds the ontology ``ropa load``
    sent with the record, and loading adds it again: its blank-node lists come back as copies).

    Raises:
        RopaUsageError (EndpointError): the address is not http(s), or the endpoint fails.
        RopaInputError: the endpoint holds no triples in that graph.
    """
    from ropa_kg.query.endpoint import fetch_graph

    graph = fetch_graph(url.strip(), graph_iri=graph_iri or None, timeout=30.0, credentials=credentials)
    if len(graph) == 0:
        raise RopaInputError(f"the endpoint returned no triples for graph {graph_iri or '(default)'}", url)
    key = hashlib.sha256(f"{url}\n{graph_iri}\n{time.time()}".encode()).hexdigest()[:16]
    folder = work_dir() / "endpoint" / key
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "snapshot.nt"
    graph.serialize(destination=str(target), format="nt", encoding="utf-8")
    return (str(target),)


__all__ = ["save_uploads", "snapshot_endpoint", "work_dir"]
