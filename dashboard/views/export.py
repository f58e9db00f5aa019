"""Export: the Art. 30 register as XLSX, CSV, HTML and PDF, the graph as Turtle and JSON-LD."""

from functools import partial

import streamlit as st

from common import current_language, page_setup, source_label, t, t_or
from ropa_kg.app.record import Record
from ropa_kg.load.store import rdflib_copy
from ropa_kg.render.export import EXTENSIONS, LANGUAGES, MEDIA_TYPES, export_bytes, register

record = page_setup("export.title")
#: Above this many activities the register preview is shown on request.
LARGE = 1_000
TITLES = {
    "xlsx": "Register (XLSX, ICO-template-like columns)",
    "csv": "Register (CSV)",
    "html": "Register (HTML, for print)",
    "pdf": "Register (PDF)",
    "turtle": "Graph (Turtle)",
    "jsonld": "Graph (JSON-LD)",
}


#: The register's languages as the selector names them.
LANGUAGE_NAMES = {"en": "English", "fi": "suomi"}
#: The formats that can carry the findings appendix.
WITH_FINDINGS = {"xlsx", "html", "pdf"}


@st.cache_data(max_entries=32, show_spinner=False)
def make(_record: Record, record_key: str, fmt: str, lang: str = "en", findings: bool = False) -> bytes:
    """The export ``fmt`` of ``_record`` in ``lang`` (with the findings appendix when ``findings``),
    cached by the record's key and the options (``_record`` is not hashed)."""
    del record_key  # the cache key
    graph = rdflib_copy(_record.store) if fmt in {"turtle", "jsonld"} else None
    appendix = _record.validation.active if findings and fmt in WITH_FINDINGS else None
    return export_bytes(
        fmt, store=_record.store, graph=graph, source=_record.label, lang=lang, findings=appendix
    )


st.markdown(t("export.intro", label=source_label(record.label)))
options = st.columns(2)
lang = options[0].radio(
    t_or("export.lang", "Language of the register (ropa export --lang)"),
    LANGUAGES,
    index=LANGUAGES.index(current_language()) if current_language() in LANGUAGES else 0,
    format_func=lambda code: LANGUAGE_NAMES.get(code, code),
    horizontal=True,
    key="export_lang",
)
with_findings = options[1].toggle(
    t_or("export.findings", "Append the findings per activity (XLSX, HTML, PDF; ropa export --findings)"),
    value=False,
    key="export_findings",
)
base = "ropa-register"
for fmt, title in TITLES.items():
    cols = st.columns([3, 2])
    cols[0].markdown(f"**{t_or(f'export.format.{fmt}', title)}**")
    name = base if fmt in {"xlsx", "csv", "html", "pdf"} else "ropa-record"
    cols[1].download_button(
        t("export.download", extension=EXTENSIONS[fmt]),
        # built when clicked (Streamlit runs it on a worker thread and logs a failure), so that the page
        # opens at once whatever the record's size
        partial(make, record, record.key, fmt, lang, with_findings),
        file_name=f"{name}{'-fi' if lang == 'fi' and name == base else ''}{EXTENSIONS[fmt]}",
        mime=MEDIA_TYPES[fmt],
        key=f"download_{fmt}",
    )

large = len(record.activities) > LARGE
if large and not st.toggle(t("export.preview_on"), key="register_preview_on"):
    st.stop()
with st.expander(t("export.preview"), expanded=large):
    reg = record.register if lang == "en" else register(record.store, lang=lang)
    import pandas as pd

    st.dataframe(
        pd.DataFrame(list(reg.rows), columns=list(reg.headings)), hide_index=True, key="register_preview"
    )
