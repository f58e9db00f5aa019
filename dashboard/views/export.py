"""Export: the Art. 30 register as XLSX, CSV, HTML and PDF, the graph as Turtle and JSON-LD."""

import streamlit as st

from common import describe_error, page_setup
from ropa_kg.export import EXTENSIONS, MEDIA_TYPES, export_bytes
from ropa_kg.store import rdflib_copy

record = page_setup("Export")
#: Above this many activities files are built on request, not when the page opens.
LARGE = 1_000
TITLES = {
    "xlsx": "Register (XLSX, ICO-template-like columns)",
    "csv": "Register (CSV)",
    "html": "Register (HTML, for print)",
    "pdf": "Register (PDF)",
    "turtle": "Graph (Turtle)",
    "jsonld": "Graph (JSON-LD)",
}


@st.cache_data(max_entries=32, show_spinner="Preparing the file…")
def make(record_key: str, fmt: str) -> bytes:
    del record_key  # part of the cache key
    graph = rdflib_copy(record.store) if fmt in {"turtle", "jsonld"} else None
    return export_bytes(fmt, store=record.store, graph=graph, source=record.label)


st.markdown(
    f"The register of **{record.label}**: one row per processing activity with every Art. 30(1) field "
    "(saved query `art30-register`). The same files come from the command line: "
    "`ropa export --format xlsx|csv|html|pdf|turtle|jsonld --output FILE [PATHS]`."
)
base = "ropa-register"
# On a large record each file takes seconds to build: build it when asked (always so for the PDF).
large = len(record.activities) > LARGE
for fmt, title in TITLES.items():
    cols = st.columns([3, 2])
    cols[0].markdown(f"**{title}**")
    if (fmt == "pdf" or large) and not st.session_state.get(f"{fmt}_ready"):
        if cols[1].button(f"Prepare {EXTENSIONS[fmt]}", key=f"prepare_{fmt}"):
            st.session_state[f"{fmt}_ready"] = True
            st.rerun()
        continue
    try:
        data = make(record.key, fmt)
    except Exception as exc:
        cols[1].error(describe_error(exc))
        continue
    name = base if fmt in {"xlsx", "csv", "html", "pdf"} else "ropa-record"
    cols[1].download_button(
        f"Download {EXTENSIONS[fmt]}",
        data,
        file_name=f"{name}{EXTENSIONS[fmt]}",
        mime=MEDIA_TYPES[fmt],
        key=f"download_{fmt}",
    )

if large and not st.toggle("Preview the register", key="register_preview_on"):
    st.stop()
with st.expander("Preview of the register", expanded=large):
    reg = record.register
    import pandas as pd

    st.dataframe(
        pd.DataFrame(list(reg.rows), columns=list(reg.headings)), hide_index=True, key="register_preview"
    )
