"""Recipients and transfers: who receives what, in which country, under which contract and mechanism."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from common import SEVERITY_COLOURS, page_setup, paginate, t, t_options
from ropa_kg.app.views import flows_per_country, recipient_rows, transfer_rows

record = page_setup("recipients.title")

role_filter = st.multiselect(
    t("recipients.role"),
    ["processor", "joint controller", "recipient"],
    format_func=t_options("role."),
    placeholder=t("common.choose_options"),
    key="recipient_roles",
)
shown = recipient_rows(record, roles=role_filter)
st.subheader(t("recipients.recipients", count=len(shown)))
st.dataframe(
    pd.DataFrame(list(paginate(shown, key="recipients_page"))), hide_index=True, key="recipients_table"
)

st.subheader(t("recipients.transfers", count=len(record.transfers)))
if record.transfers:
    st.dataframe(pd.DataFrame(transfer_rows(record)), hide_index=True, key="transfers_table")
else:
    st.info(t("recipients.no_transfers"))

# Where the data go: one bar per country (no map tiles or topojson: works offline).
per_country = flows_per_country(record)
if per_country:
    labels = list(per_country)
    fig = go.Figure()
    for status, colour in (
        ("without mechanism", SEVERITY_COLOURS["violation"]),
        ("with mechanism", SEVERITY_COLOURS["warning"]),
        ("EEA", SEVERITY_COLOURS["ok"]),
    ):
        fig.add_bar(
            name=t(f"recipients.status.{status}"),
            x=labels,
            y=[per_country[c][status] for c in labels],
            marker_color=colour,
        )
    fig.update_layout(
        barmode="stack",
        title=t("recipients.chart"),
        yaxis_title=t("recipients.flows"),
        height=380,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    st.plotly_chart(fig, key="country_chart")
