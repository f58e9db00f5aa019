"""Activities: a filterable table of every processing activity; a row opens its detail page."""

import pandas as pd
import streamlit as st

from common import page_setup, paginate
from ropa_kg.app.views import ACTIVITY_FILTERS as FILTERS
from ropa_kg.app.views import FINDINGS_CHOICES, activity_options, filter_activities

record = page_setup("Processing activities")
rows = record.activity_rows
chosen: dict[str, list[str]] = {}
with st.container(border=True):
    cols = st.columns(3)
    for index, column in enumerate(FILTERS):
        chosen[column] = cols[index % 3].multiselect(
            column.capitalize(), activity_options(rows, column), key=f"filter_{column}"
        )
    cols = st.columns([2, 1])
    text = cols[0].text_input("Search activity names", key="filter_text")
    with_findings = cols[1].selectbox("Findings", list(FINDINGS_CHOICES), key="filter_findings")

shown = filter_activities(rows, chosen=chosen, text=text, findings=with_findings)
st.markdown(f"**{len(shown)} of {len(rows)} activities**")
page = list(paginate(shown, key="activities_page"))
frame = pd.DataFrame(
    [
        {
            "Activity": row["activity"],
            "ID": row["id"],
            **{column.capitalize(): ", ".join(row[column]) for column in FILTERS},
            "Findings": row["findings"],
        }
        for row in page
    ],
    columns=["Activity", "ID", *(c.capitalize() for c in FILTERS), "Findings"],
)
event = st.dataframe(
    frame,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="activities_table",
    column_config={
        "Findings": st.column_config.NumberColumn(help="active findings on the activity or its parties")
    },
)
selected = event.selection.rows if event is not None else []
st.caption("Select a row to open the activity's detail page, or pick one here:")
names = {str(row["id"]): f"{row['activity']} ({row['id']})" for row in shown}
pick = st.selectbox(
    "Open activity", list(names), format_func=names.__getitem__, index=None, key="open_activity"
)
target = str(page[selected[0]]["id"]) if selected else pick
if target:
    st.switch_page("views/activity.py", query_params={"id": target})
