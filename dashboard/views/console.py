"""Query console: the saved queries with their descriptions and parameters, and ad-hoc read-only SPARQL.

Results are paged: only the chosen page is asked of the engine (:func:`ropa_kg.app.views.console_page`,
:func:`~ropa_kg.app.views.saved_page`) and shown; the total is shown once the last page is reached."""

from pathlib import Path

import pandas as pd
import streamlit as st

from common import describe_error, num, page_setup, t, t_count
from ropa_kg.app.record import Record
from ropa_kg.app.views import CONSOLE_PAGE_SIZES, DEFAULT_PAGE_SIZE, ResultPage, console_page, saved_page
from ropa_kg.query.console import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT
from ropa_kg.query.queries import catalogue
from ropa_kg.sparql.results import render

record = page_setup("console.title")


@st.cache_data(max_entries=64, show_spinner=False)
def run_saved(
    _record: Record, record_key: str, name: str, params: tuple[tuple[str, str], ...], page: int, size: int
) -> ResultPage:
    """One page of the saved query ``name`` on ``_record``; cached by the record's key (Streamlit does
    not hash the record itself: arguments starting with ``_`` are left out of the key)."""
    del record_key  # the cache key: results belong to one loaded record
    return saved_page(_record, name, dict(params), page=page, page_size=size)


@st.cache_data(max_entries=64, show_spinner=False)
def run_adhoc(
    record_key: str, store: str, text: str, page: int, size: int, timeout: float, max_rows: int
) -> ResultPage:
    """One page of the ad-hoc query ``text``, cached by the record's key (paging back costs nothing)."""
    del record_key  # the cache key: results belong to one loaded record
    return console_page(
        text, store_path=Path(store), page=page, page_size=size, timeout=timeout, max_rows=max_rows
    )


def pager(key: str) -> tuple[int, int]:
    """The page size and page number chosen (widgets keyed by ``key``)."""
    cols = st.columns(2)
    size = cols[0].selectbox(
        t("console.page_size"),
        CONSOLE_PAGE_SIZES,
        index=CONSOLE_PAGE_SIZES.index(DEFAULT_PAGE_SIZE),
        key=f"{key}_page_size",
    )
    page = cols[1].number_input(t("console.page"), min_value=1, value=1, step=1, key=f"{key}_page")
    return int(page), int(size)


def show(result: ResultPage, *, key: str) -> None:
    rows = result.table.text_rows()
    st.markdown(
        t_count("console.rows", len(rows), count=len(rows)) + (t("console.limit") if result.truncated else "")
    )
    if not rows and result.page > 1:
        st.caption(t("console.page_empty", page=result.page))
    elif result.total is not None:
        st.caption(t("console.page_total", first=result.first, last=result.last, total=result.total))
    elif rows:
        st.caption(t("console.page_more", first=result.first, last=result.last))
    st.dataframe(pd.DataFrame(rows, columns=list(result.table.columns)), hide_index=True, key=f"{key}_table")
    st.download_button(
        t("console.csv"),
        render(result.table, "csv").encode("utf-8"),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )


saved_tab, adhoc_tab = st.tabs([t("console.saved_tab"), t("console.editor_tab")])
with saved_tab:
    try:
        queries = catalogue()
    except Exception as exc:
        st.error(t("console.unreadable", error=describe_error(exc)))
        queries = []
    by_name = {q.name: q for q in queries}
    name = st.selectbox(
        t("console.saved"), list(by_name), format_func=lambda n: f"{by_name[n].title} ({n})", key="saved_name"
    )
    if name:
        query = by_name[name]
        st.markdown(query.description)
        st.caption(t("console.article", article=query.article))
        values: dict[str, str] = {}
        for param in query.parameters:
            values[param.name] = st.text_input(
                f"?{param.name} ({param.type})", param.default, help=param.doc, key=f"p_{name}_{param.name}"
            )
        with st.expander(t("console.sparql")):
            st.code(query.text, language="sparql")
        if st.button(t("console.run_saved"), key="run_saved", type="primary"):
            st.session_state["saved_run"] = (name, tuple(sorted(values.items())))
        run = st.session_state.get("saved_run")
        if run and run[0] == name:
            page, size = pager("saved")
            try:
                show(run_saved(record, record.key, name, run[1], page, size), key=name)
            except Exception as exc:
                st.error(describe_error(exc))

EXAMPLE = """PREFIX dpv: <https://w3id.org/dpv#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?activity ?label WHERE {
  ?activity a dpv:Process .
  OPTIONAL { ?activity skos:prefLabel ?label FILTER(LANG(?label) = "en") }
}
ORDER BY ?activity"""

with adhoc_tab:
    st.caption(t("console.editor_help"))
    text = st.text_area(t("console.sparql"), EXAMPLE, height=220, key="adhoc_text")
    cols = st.columns(3)
    timeout = cols[0].number_input(
        t("console.timeout"), 1.0, 60.0, DEFAULT_TIMEOUT, step=1.0, key="adhoc_timeout"
    )
    max_rows = cols[1].number_input(
        t("console.max_rows"), 1, 100_000, DEFAULT_MAX_ROWS, step=100, key="adhoc_rows"
    )
    if cols[2].button(t("console.run"), key="run_adhoc", type="primary"):
        if record.store_path is None:
            st.error(t("console.no_store"))
            st.session_state["adhoc_run"] = None
        else:
            st.session_state["adhoc_run"] = (text, float(timeout), int(max_rows))
    run = st.session_state.get("adhoc_run")
    if run is not None and record.store_path is not None:
        page, size = pager("adhoc")
        try:
            result = run_adhoc(record.key, str(record.store_path), run[0], page, size, run[1], run[2])
        except Exception as exc:
            st.session_state["adhoc_run"] = None
            st.error(describe_error(exc))
        else:
            st.caption(t("console.seconds", seconds=num(result.seconds, digits=2)))
            show(result, key="adhoc")
