"""Import a spreadsheet: upload the register `ropa export` writes or the ICO's ROPA template, see what
maps to DPV and what does not, and the findings of the record it gives; write the record into a folder
and open it here. The work is ropa_kg.app.importer's; this view only renders it."""

from pathlib import Path

import streamlit as st

from common import SourceSpec, page_setup, switch_source
from ropa_kg.app.importer import (
    DEFAULT_BASE,
    DEFAULT_PREFIX,
    ImportPreview,
    preview_import,
    value_rows,
    write_import,
)
from ropa_kg.core.errors import RopaInputError, RopaUsageError

record = page_setup("Import a spreadsheet")

st.markdown(
    "Read a register back into a record: the XLSX or CSV that **ropa export** writes, or a spreadsheet "
    "in the layout of the ICO's ROPA documentation template. See docs/import.md for the mapping."
)

upload = st.file_uploader("Spreadsheet (.xlsx or .csv)", type=["xlsx", "csv"], key="import_upload")
server_path = st.text_input("…or the path of a spreadsheet on this computer", key="import_path")
with st.expander("Namespace of the new IRIs"):
    base = st.text_input("Base IRI", value=DEFAULT_BASE, key="import_base")
    prefix = st.text_input("Prefix", value=DEFAULT_PREFIX, key="import_prefix")


@st.cache_data(max_entries=4, show_spinner="Reading and checking the spreadsheet…")
def _preview(name: str, data: bytes, base: str, prefix: str) -> ImportPreview:
    return preview_import(name, data, base=base, prefix=prefix)


source: tuple[str, bytes] | None = None
if upload is not None:
    source = (upload.name, upload.getvalue())
elif server_path.strip():
    try:
        source = (Path(server_path.strip()).name, Path(server_path.strip()).read_bytes())
    except OSError as exc:
        st.error(f"Cannot read {server_path}: {exc.strerror or exc}")

if source is None:
    st.info("Choose a spreadsheet to see what it maps to.")
    st.stop()

try:
    preview = _preview(source[0], source[1], base, prefix)
except (RopaInputError, RopaUsageError) as exc:
    st.error(f"Cannot import {source[0]}: {exc}")
    st.stop()

result = preview.result
counts = result.counts()
layout = "ropa export" if result.layout == "register" else "ICO template"
st.markdown(
    f"**{len(result.activities)} activities** read from sheet *{result.sheet}* ({layout} layout): "
    f"{counts['mapped']} values mapped to DPV, {counts['record']} to the record's own nodes, "
    f"{counts['new term']} kept as new terms, {counts['note']} kept as notes, {counts['skipped']} not kept."
)

st.subheader("What does not map to DPV")
unmapped = value_rows(result, ("new term", "note", "skipped"))
if unmapped:
    st.dataframe(unmapped, hide_index=True, width="stretch")
else:
    st.markdown("Every value maps to a DPV term or a node of the record.")
with st.expander("What maps"):
    st.dataframe(value_rows(result, ("mapped", "record")), hide_index=True, width="stretch")

st.subheader("Findings of the imported record")
findings = preview.findings
st.markdown(
    f"{findings.total} findings: "
    + ", ".join(f"{count} {severity}" for severity, count in findings.by_severity.items())
)
if findings.by_rule:
    st.dataframe(
        [{"rule": rule, "findings": count} for rule, count in findings.by_rule.items()],
        hide_index=True,
        width="stretch",
    )

st.subheader("Write the record")
target = st.text_input("Folder to write into (empty or new)", key="import_target")
if st.button("Write the record", key="import_write", disabled=not target.strip()):
    try:
        written = write_import(result, Path(target.strip()))
    except RopaUsageError as exc:
        st.error(str(exc))
    else:
        st.session_state["import_written"] = str(written)

written_folder = st.session_state.get("import_written")
if written_folder:
    st.success(f"Wrote {len(result.files)} files into {written_folder}.")
    if st.button("Open the imported record", key="import_open"):
        folder = Path(written_folder)
        switch_source(lambda: SourceSpec("files", folder.name, (str(folder),)))
        error = st.session_state.get("source_error")
        if error:
            st.error(f"Could not open it: {error}")
        else:
            st.success(f"The dashboard now shows {folder}.")
