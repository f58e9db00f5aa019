"""What every view shares: the sidebar source chooser, the cached record, error boxes, small helpers.

The record is loaded once per source and kept with ``st.cache_resource``; a source that fails to load
(bad file, unreachable endpoint) shows an error box and the previous good record stays loaded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import streamlit as st

from ropa_kg.app.record import Record, load_record
from ropa_kg.app.sources import save_uploads, snapshot_endpoint
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.findings import Severity
from ropa_kg.load.graph import FORMATS

#: ``ropa dashboard PATHS`` passes the paths in this variable (os.pathsep-separated).
PATHS_ENV = "ROPA_DASHBOARD_PATHS"

SEVERITY_COLOURS = {"violation": "#c62828", "warning": "#ef6c00", "info": "#1565c0", "ok": "#2e7d32"}
SEVERITY_ICONS = {"violation": ":red[●]", "warning": ":orange[●]", "info": ":blue[●]"}

T = TypeVar("T")


@dataclass(frozen=True)
class SourceSpec:
    """A record source: ``kind`` is ``bundled``, ``files`` or ``endpoint``; ``paths`` the files to load."""

    kind: str
    label: str
    paths: tuple[str, ...] = ()
    #: What to call each of ``paths`` in messages (uploads: the name of the file the user chose).
    shown: tuple[str, ...] = ()


@st.cache_resource(max_entries=4, show_spinner="Loading and validating the record…")
def _load(spec: SourceSpec) -> Record:
    return load_record(list(spec.paths) or None, label=spec.label)


def default_spec() -> SourceSpec:
    """The bundled record, or the paths given to ``ropa dashboard``."""
    raw = os.environ.get(PATHS_ENV, "")
    paths = tuple(p for p in raw.split(os.pathsep) if p)
    if paths:
        return SourceSpec("files", ", ".join(Path(p).name for p in paths), paths)
    return SourceSpec("bundled", "Bundled Alumeco record")


def describe_error(exc: BaseException, spec: SourceSpec | None = None) -> str:
    """One line for an error box: the input error's message, or the exception's type and message. The
    files of ``spec`` are called by their ``shown`` names (an upload by the file the user chose, never
    by the server's copy)."""
    text = str(exc) if isinstance(exc, RopaInputError | RopaUsageError) else f"{type(exc).__name__}: {exc}"
    if spec is not None:
        for path, name in zip(spec.paths, spec.shown, strict=False):
            text = text.replace(str(Path(path).resolve()), name).replace(path, name)
    return text


def try_load(spec: SourceSpec) -> Record | None:
    """Load ``spec``; on failure show an error box and return None (the current record stays)."""
    try:
        return _load(spec)
    except Exception as exc:
        reason = describe_error(exc, spec)
        st.error(f"Could not load {spec.label}: {reason}. The previous record stays loaded.")
        return None


def current_record() -> Record:
    """The record the views show: the chosen source, or the last one that loaded, or the default."""
    spec: SourceSpec | None = st.session_state.get("source")
    if spec is not None:
        record = try_load(spec)
        if record is not None:
            return record
    fallback = default_spec()
    record = try_load(fallback)
    if record is None and fallback.kind != "bundled":
        fallback = SourceSpec("bundled", "Bundled Alumeco record")
        record = try_load(fallback)
    if record is None:
        st.stop()
    st.session_state["source"] = fallback
    return record


def switch_source(make: Callable[[], SourceSpec]) -> None:
    """Build and load a new source; on success make it current, otherwise show why and keep the old."""
    spec: SourceSpec | None = None
    try:
        spec = make()
        _load(spec)
    except Exception as exc:
        st.session_state["source_error"] = describe_error(exc, spec)
        return
    st.session_state["source"] = spec
    st.session_state.pop("source_error", None)


def sidebar(record: Record) -> None:
    """The source chooser and what is loaded."""
    with st.sidebar:
        st.caption("Record")
        st.markdown(
            f"**{record.label}**  \n{len(record.activities)} activities · {len(record.store):,} triples"
        )
        with st.expander("Change source", expanded=False):
            choice = st.radio(
                "Source",
                ["Bundled record", "Upload files", "SPARQL endpoint"],
                key="source_choice",
                label_visibility="collapsed",
            )
            if choice == "Bundled record":
                if st.button("Load the bundled Alumeco record", key="load_bundled"):
                    switch_source(lambda: SourceSpec("bundled", "Bundled Alumeco record"))
                    st.rerun()
            elif choice == "Upload files":
                uploads = st.file_uploader(
                    "Turtle, N-Triples, RDF/XML or JSON-LD files",
                    type=[ext.lstrip(".") for ext in sorted(FORMATS)],
                    accept_multiple_files=True,
                    key="uploads",
                )
                if st.button("Load these files", key="load_uploads", disabled=not uploads):
                    files = [(u.name, u.getvalue()) for u in uploads or []]
                    label = ", ".join(name for name, _ in files)

                    def make_files() -> SourceSpec:
                        names = tuple(name for name, _ in files)
                        return SourceSpec("files", label, save_uploads(files), names)

                    switch_source(make_files)
                    st.rerun()
            else:
                url = st.text_input(
                    "Query endpoint URL", placeholder="http://127.0.0.1:7878/query", key="ep_url"
                )
                graph_iri = st.text_input(
                    "Named graph (empty: default graph)", "urn:ropa-kg:record", key="ep_graph"
                )
                if st.button("Connect", key="load_endpoint", disabled=not url):

                    def make_endpoint() -> SourceSpec:
                        return SourceSpec("endpoint", f"Endpoint {url}", snapshot_endpoint(url, graph_iri))

                    switch_source(make_endpoint)
                    st.rerun()
        error = st.session_state.get("source_error")
        if error:
            st.error(f"Could not load the new source: {error}. The previous record stays loaded.")
        counts = record.validation.counts()
        st.caption(
            f"Findings: {counts['violation']} violations · {counts['warning']} warnings · "
            f"{counts['info']} info · {counts['waived']} waived  \nLoaded in {record.seconds:.2f} s"
        )


def page_setup(title: str) -> Record:
    """Render the page title and the sidebar; return the current record."""
    record = current_record()
    sidebar(record)
    st.title(title)
    return record


def worst(severities: Sequence[Severity]) -> str:
    """``violation``/``warning``/``info`` for the most severe of ``severities``, ``ok`` for none."""
    return max(severities).name.lower() if severities else "ok"


def paginate(rows: Sequence[T], *, key: str, page_size: int = 50) -> Sequence[T]:
    """The rows of the page chosen with a page selector (shown only when there is more than one)."""
    pages = max(1, -(-len(rows) // page_size))
    if pages == 1:
        return rows
    page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key=key)
    start = (int(page) - 1) * page_size
    st.caption(f"Rows {start + 1}-{min(start + page_size, len(rows))} of {len(rows)}")
    return rows[start : start + page_size]
