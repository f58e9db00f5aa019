"""Activities: a filterable table of every processing activity; a row opens its detail page."""

import pandas as pd
import streamlit as st

from common import lang_query, page_setup, paginate, t, t_options
from ropa_kg.app.views import ACTIVITY_FILTERS as FILTERS
from ropa_kg.app.views import FINDINGS_CHOICES, activity_options, filter_activities

record = page_setup("activities.title")
rows = record.activity_rows
chosen: dict[str, list[str]] = {}
with st.container(border=True):
    cols = st.columns(3)
    for index, column in enumerate(FILTERS):
        chosen[column] = cols[index % 3].multiselect(
            t(f"column.{column}"),
            activity_options(rows, column),
            placeholder=t("common.choose_options"),
            key=f"filter_{column}",
        )
    cols = st.columns([2, 1])
    text = cols[0].text_input(t("activities.search"), key="filter_text")
    with_findings = cols[1].selectbox(
        t("activities.findings"),
        list(FINDINGS_CHOICES),
        format_func=t_options("activities.choice."),
        key="filter_findings",
    )

shown = filter_activities(rows, chosen=chosen, text=text, findings=with_findings)
st.markdown(t("activities.count", shown=len(shown), total=len(rows)))
page = list(paginate(shown, key="activities_page"))
ACTIVITY, ID, FINDINGS = (t(f"activities.column.{c}") for c in ("activity", "id", "findings"))
frame = pd.DataFrame(
    [
        {
            ACTIVITY: row["activity"],
            ID: row["id"],
            **{t(f"column.{column}"): ", ".join(row[column]) for column in FILTERS},
            FINDINGS: row["findings"],
        }
        for row in page
    ],
    columns=[ACTIVITY, ID, *(t(f"column.{c}") for c in FILTERS), FINDINGS],
)
event = st.dataframe(
    frame,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="activities_table",
    column_config={FINDINGS: st.column_config.NumberColumn(help=t("activities.findings_help"))},
)
selected = event.selection.rows if event is not None else []
st.caption(t("activities.pick_hint"))
names = {str(row["id"]): f"{row['activity']} ({row['id']})" for row in shown}
pick = st.selectbox(
    t("activities.open"), list(names), format_func=names.__getitem__, index=None, key="open_activity"
)
target = str(page[selected[0]]["id"]) if selected else pick
if target:
    st.switch_page("views/activity.py", query_params={"id": target, **lang_query()})
