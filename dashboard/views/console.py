"""Query console: the saved queries with their descriptions and parameters, and ad-hoc read-only SPARQL."""

import pandas as pd
import streamlit as st

from common import describe_error, page_setup
from ropa_kg.app.record import Record
from ropa_kg.query.console import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, run_console_query
from ropa_kg.query.queries import catalogue
from ropa_kg.sparql.results import ResultTable, render

record = page_setup("Query console")
MAX_SHOWN = 5000


@st.cache_data(max_entries=64, show_spinner=False)
def run_saved(
    _record: Record, record_key: str, name: str, params: tuple[tuple[str, str], ...]
) -> ResultTable:
    """The saved query ``name`` on ``_record``; cached by the record's key (Streamlit does not hash the
    record itself: arguments starting with ``_`` are left out of the key)."""
    del record_key  # the cache key: results belong to one loaded record
    return _record.run(name, dict(params))


def show(table: ResultTable, *, key: str, truncated: bool = False) -> None:
    rows = table.text_rows()
    st.markdown(
        f"**{len(rows)} row{'s' if len(rows) != 1 else ''}**" + (" (row limit reached)" if truncated else "")
    )
    st.dataframe(
        pd.DataFrame(rows[:MAX_SHOWN], columns=list(table.columns)), hide_index=True, key=f"{key}_table"
    )
    st.download_button(
        "Download CSV",
        render(table, "csv").encode("utf-8"),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )


saved_tab, adhoc_tab = st.tabs(["Saved queries", "SPARQL editor"])
with saved_tab:
    try:
        queries = catalogue()
    except Exception as exc:
        st.error(f"The saved queries cannot be read: {describe_error(exc)}")
        queries = []
    by_name = {q.name: q for q in queries}
    name = st.selectbox(
        "Saved query", list(by_name), format_func=lambda n: f"{by_name[n].title} ({n})", key="saved_name"
    )
    if name:
        query = by_name[name]
        st.markdown(query.description)
        st.caption(f"Article: {query.article}")
        values: dict[str, str] = {}
        for param in query.parameters:
            values[param.name] = st.text_input(
                f"?{param.name} ({param.type})", param.default, help=param.doc, key=f"p_{name}_{param.name}"
            )
        with st.expander("SPARQL"):
            st.code(query.text, language="sparql")
        if st.button("Run saved query", key="run_saved", type="primary"):
            st.session_state["saved_run"] = (name, tuple(sorted(values.items())))
        run = st.session_state.get("saved_run")
        if run and run[0] == name:
            try:
                show(run_saved(record, record.key, name, run[1]), key=name)
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
    st.caption(
        "Read-only SPARQL 1.1 on the loaded record (with the project's ontology). Updates, LOAD and "
        "SERVICE are refused; a query is stopped at the time limit and its result cut at the row limit."
    )
    text = st.text_area("SPARQL", EXAMPLE, height=220, key="adhoc_text")
    cols = st.columns(3)
    timeout = cols[0].number_input(
        "Time limit (s)", 1.0, 60.0, DEFAULT_TIMEOUT, step=1.0, key="adhoc_timeout"
    )
    max_rows = cols[1].number_input("Row limit", 1, 100_000, DEFAULT_MAX_ROWS, step=100, key="adhoc_rows")
    if cols[2].button("Run query", key="run_adhoc", type="primary"):
        if record.store_path is None:
            st.error("This record has no on-disk store to query.")
        else:
            try:
                result = run_console_query(
                    text, store_path=record.store_path, timeout=timeout, max_rows=int(max_rows)
                )
            except Exception as exc:
                st.session_state["adhoc_result"] = None
                st.error(describe_error(exc))
            else:
                st.session_state["adhoc_result"] = result
                st.caption(f"{result.seconds:.2f} s")
    result = st.session_state.get("adhoc_result")
    if result is not None:
        show(result.table, key="adhoc", truncated=result.truncated)
