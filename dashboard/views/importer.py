"""Import a spreadsheet: upload the register `ropa export` writes or the ICO's ROPA template, see what
maps to DPV and what does not, and the findings of the record it gives; write the record into a folder
and open it here. The work is ropa_kg.app.importer's; this view only renders it."""

from pathlib import Path

import streamlit as st

from common import SourceSpec, page_setup, switch_source, t
from ropa_kg.app.importer import (
    DEFAULT_BASE,
    DEFAULT_PREFIX,
    ImportPreview,
    preview_import,
    value_rows,
    write_import,
)
from ropa_kg.core.errors import RopaInputError, RopaUsageError

record = page_setup("importer.title")

st.markdown(t("importer.intro"))

upload = st.file_uploader(t("importer.upload"), type=["xlsx", "csv"], key="import_upload")
server_path = st.text_input(t("importer.path"), key="import_path")
with st.expander(t("importer.namespace")):
    base = st.text_input(t("importer.base"), value=DEFAULT_BASE, key="import_base")
    prefix = st.text_input(t("importer.prefix"), value=DEFAULT_PREFIX, key="import_prefix")


@st.cache_data(max_entries=4, show_spinner=t("importer.reading"))
def _preview(name: str, data: bytes, base: str, prefix: str) -> ImportPreview:
    return preview_import(name, data, base=base, prefix=prefix)


source: tuple[str, bytes] | None = None
if upload is not None:
    source = (upload.name, upload.getvalue())
elif server_path.strip():
    try:
        source = (Path(server_path.strip()).name, Path(server_path.strip()).read_bytes())
    except OSError as exc:
        st.error(t("importer.cannot_read", path=server_path, error=exc.strerror or exc))

if source is None:
    st.info(t("importer.choose"))
    st.stop()

try:
    preview = _preview(source[0], source[1], base, prefix)
except (RopaInputError, RopaUsageError) as exc:
    st.error(t("importer.cannot_import", name=source[0], error=exc))
    st.stop()

result = preview.result
counts = result.counts()
layout = t("importer.layout.register") if result.layout == "register" else t("importer.layout.ico")
st.markdown(
    t(
        "importer.summary",
        activities=len(result.activities),
        sheet=result.sheet,
        layout=layout,
        mapped=counts["mapped"],
        own=counts["record"],
        new_terms=counts["new term"],
        notes=counts["note"],
        skipped=counts["skipped"],
    )
)

st.subheader(t("importer.unmapped"))
unmapped = value_rows(result, ("new term", "note", "skipped"))
if unmapped:
    st.dataframe(unmapped, hide_index=True, width="stretch")
else:
    st.markdown(t("importer.all_mapped"))
with st.expander(t("importer.mapped")):
    st.dataframe(value_rows(result, ("mapped", "record")), hide_index=True, width="stretch")

st.subheader(t("importer.findings_heading"))
findings = preview.findings
parts = ", ".join(
    t(f"importer.severity.{severity}", count=count) for severity, count in findings.by_severity.items()
)
st.markdown(t("importer.findings", total=findings.total, parts=parts))
if findings.by_rule:
    rule_column, count_column = t("importer.column.rule"), t("importer.column.findings")
    st.dataframe(
        [{rule_column: rule, count_column: count} for rule, count in findings.by_rule.items()],
        hide_index=True,
        width="stretch",
    )

st.subheader(t("importer.write_heading"))
target = st.text_input(t("importer.target"), key="import_target")
if st.button(t("importer.write"), key="import_write", disabled=not target.strip()):
    try:
        written = write_import(result, Path(target.strip()))
    except RopaUsageError as exc:
        st.error(str(exc))
    else:
        st.session_state["import_written"] = str(written)

written_folder = st.session_state.get("import_written")
if written_folder:
    st.success(t("importer.wrote", count=len(result.files), folder=written_folder))
    if st.button(t("importer.open"), key="import_open"):
        folder = Path(written_folder)
        switch_source(lambda: SourceSpec("files", folder.name, (str(folder),)))
        error = st.session_state.get("source_error")
        if error:
            st.error(t("importer.open_failed", error=error))
        else:
            st.success(t("importer.opened", folder=folder))
