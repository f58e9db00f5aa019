"""What every view shares: the sidebar source chooser, the language switch, the cached record, error
boxes, small helpers.

The record is loaded once per source and kept with ``st.cache_resource``; a source that fails to load
(bad file, unreachable endpoint) shows an error box and the previous good record stays loaded.

The interface language (English or Finnish, :mod:`ropa_kg.app.i18n`) is chosen in the sidebar, kept in
the session and in the address (``?lang=fi``, so that a link opens in the same language); the default
is English, or what ``ROPA_DASHBOARD_LANG`` says. Views call :func:`t` for their texts and get the record
with its labels in that language from :func:`page_setup`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import streamlit as st

from ropa_kg.app.i18n import EN as CATALOGUE_KEYS
from ropa_kg.app.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, language
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
#: the session's interface language (``st.session_state``) and its widget
LANG_KEY = "lang"
LANG_WIDGET = "lang_choice"
#: the label loading gives the bundled record (shown in the chosen language)
BUNDLED = "Bundled Alumeco record"


def default_language() -> str:
    """The language a session starts in without ``?lang=``: ``ROPA_DASHBOARD_LANG``, else English."""
    return language(None)


def current_language() -> str:
    """The session's interface language: chosen in the sidebar, else the address's ``?lang=``, else
    :func:`default_language`."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = language(st.query_params.get(LANG_KEY), default_language())
    return str(st.session_state[LANG_KEY])


def t(key: str, /, **params: object) -> str:
    """The interface text ``key`` in the session's language (:func:`ropa_kg.app.i18n.tr`)."""
    return Translator(current_language())(key, **params)


def t_count(key: str, count: int, /, **params: object) -> str:
    """The singular (``key.one``) or plural (``key.other``) text for ``count`` in the session's language."""
    return Translator(current_language()).count(key, count, **params)


def num(value: float, /, *, digits: int = 0) -> str:
    """``value`` as the session's language writes numbers (:func:`ropa_kg.app.i18n.number`)."""
    return Translator(current_language()).number(value, digits=digits)


def t_options(prefix: str) -> Callable[[object], str]:
    """A widget's ``format_func`` showing option ``v`` as the text ``prefix + v`` in the session's language
    (:meth:`Translator.options`)."""
    return Translator(current_language()).options(prefix)


def t_or(key: str, fallback: str, /) -> str:
    """:func:`t` for a key the tables may not have yet (a view's newer option): else ``fallback``."""
    return t(key) if key in CATALOGUE_KEYS else fallback


def lang_query() -> dict[str, str]:
    """``{"lang": ...}`` for a link's query when the language is not the default one, else nothing."""
    lang = current_language()
    return {LANG_KEY: lang} if lang != default_language() else {}


def _language_chosen() -> None:
    st.session_state[LANG_KEY] = st.session_state[LANG_WIDGET]


def language_switch() -> None:
    """The "Kieli / Language" switch (in the sidebar); the address follows the choice."""
    lang = current_language()
    st.session_state[LANG_WIDGET] = lang
    st.radio(
        t("common.language"),
        list(LANGUAGES),
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANG_WIDGET,
        horizontal=True,
        on_change=_language_chosen,
    )
    if lang != default_language():
        st.query_params[LANG_KEY] = lang
    elif LANG_KEY in st.query_params:
        del st.query_params[LANG_KEY]


def source_label(label: str) -> str:
    """A source's label as shown: the bundled record's in the session's language."""
    return t("common.bundled_label") if label == BUNDLED else label


@dataclass(frozen=True)
class SourceSpec:
    """A record source: ``kind`` is ``bundled``, ``files`` or ``endpoint``; ``paths`` the files to load."""

    kind: str
    label: str
    paths: tuple[str, ...] = ()
    #: What to call each of ``paths`` in messages (uploads: the name of the file the user chose).
    shown: tuple[str, ...] = ()


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(spec: SourceSpec) -> Record:
    return load_record(list(spec.paths) or None, label=spec.label)


def _loading(spec: SourceSpec) -> Record:
    """:func:`_load` with a spinner in the session's language while the record loads."""
    with st.spinner(t("common.loading")):
        return _load(spec)


def default_spec() -> SourceSpec:
    """The bundled record, or the paths given to ``ropa dashboard``."""
    raw = os.environ.get(PATHS_ENV, "")
    paths = tuple(p for p in raw.split(os.pathsep) if p)
    if paths:
        return SourceSpec("files", ", ".join(Path(p).name for p in paths), paths)
    return SourceSpec("bundled", BUNDLED)


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
        return _loading(spec)
    except Exception as exc:
        reason = describe_error(exc, spec)
        st.error(t("common.load_failed", label=source_label(spec.label), reason=reason))
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
        fallback = SourceSpec("bundled", BUNDLED)
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
        _loading(spec)
    except Exception as exc:
        st.session_state["source_error"] = describe_error(exc, spec)
        return
    st.session_state["source"] = spec
    st.session_state.pop("source_error", None)


#: the sources the sidebar offers (values; shown in the session's language)
SOURCE_CHOICES = {"Bundled record": "bundled", "Upload files": "files", "SPARQL endpoint": "endpoint"}


def sidebar(record: Record) -> None:
    """The language switch, the source chooser and what is loaded."""
    with st.sidebar:
        language_switch()
        st.caption(t("common.record"))
        st.markdown(
            t(
                "common.record_summary",
                label=source_label(record.label),
                activities=len(record.activities),
                triples=num(len(record.store)),
            )
        )
        show_source = t_options("common.source.")
        with st.expander(t("common.change_source"), expanded=False):
            choice = st.radio(
                t("common.source"),
                list(SOURCE_CHOICES),
                format_func=lambda choice: show_source(SOURCE_CHOICES[str(choice)]),
                key="source_choice",
                label_visibility="collapsed",
            )
            if choice == "Bundled record":
                if st.button(t("common.load_bundled"), key="load_bundled"):
                    switch_source(lambda: SourceSpec("bundled", BUNDLED))
                    st.rerun()
            elif choice == "Upload files":
                uploads = st.file_uploader(
                    t("common.upload"),
                    type=[ext.lstrip(".") for ext in sorted(FORMATS)],
                    accept_multiple_files=True,
                    key="uploads",
                )
                if st.button(t("common.load_uploads"), key="load_uploads", disabled=not uploads):
                    files = [(u.name, u.getvalue()) for u in uploads or []]
                    label = ", ".join(name for name, _ in files)

                    def make_files() -> SourceSpec:
                        names = tuple(name for name, _ in files)
                        return SourceSpec("files", label, save_uploads(files), names)

                    switch_source(make_files)
                    st.rerun()
            else:
                url = st.text_input(
                    t("common.endpoint_url"), placeholder="http://127.0.0.1:7878/query", key="ep_url"
                )
                graph_iri = st.text_input(t("common.named_graph"), "urn:ropa-kg:record", key="ep_graph")
                if st.button(t("common.connect"), key="load_endpoint", disabled=not url):

                    def make_endpoint() -> SourceSpec:
                        label = t("common.endpoint_label", url=url)
                        return SourceSpec("endpoint", label, snapshot_endpoint(url, graph_iri))

                    switch_source(make_endpoint)
                    st.rerun()
        error = st.session_state.get("source_error")
        if error:
            st.error(t("common.source_failed", error=error))
        counts = record.validation.counts()
        st.caption(
            t(
                "common.findings_summary",
                violations=counts["violation"],
                warnings=counts["warning"],
                info=counts["info"],
                waived=counts["waived"],
                seconds=num(record.seconds, digits=2),
            )
        )


def page_setup(title: str) -> Record:
    """Render the sidebar and the page title; return the current record with its labels in the
    session's language. ``title`` is a key of the message tables (``"overview.title"``), or a text
    shown as it is (a view not translated yet)."""
    record = current_record()
    sidebar(record)
    lang = current_language()
    st.title(t(title) if title in CATALOGUE_KEYS else title)
    return record.with_language(lang)


def worst(severities: Sequence[Severity]) -> str:
    """``violation``/``warning``/``info`` for the most severe of ``severities``, ``ok`` for none."""
    return max(severities).name.lower() if severities else "ok"


def paginate(rows: Sequence[T], *, key: str, page_size: int = 50) -> Sequence[T]:
    """The rows of the page chosen with a page selector (shown only when there is more than one)."""
    pages = max(1, -(-len(rows) // page_size))
    if pages == 1:
        return rows
    page = st.number_input(
        t("common.page", pages=pages), min_value=1, max_value=pages, value=1, step=1, key=key
    )
    start = (int(page) - 1) * page_size
    st.caption(t("common.rows", first=start + 1, last=min(start + page_size, len(rows)), total=len(rows)))
    return rows[start : start + page_size]
