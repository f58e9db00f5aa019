"""Overview: what the record holds and what is wrong with it, at a glance."""

from collections import Counter

import plotly.graph_objects as go
import streamlit as st

from common import SEVERITY_COLOURS, page_setup
from ropa_kg.app.views import SEVERITY_NAMES, family_counts

record = page_setup("Record of processing activities")
stats = record.stats
counts = record.validation.counts()
third_countries = sorted({t.country for t in record.transfers})

cols = st.columns(4)
cols[0].metric("Processing activities", stats["activities"])
cols[1].metric("Data categories", stats["data categories"])
cols[2].metric("Recipients", stats["recipients"])
cols[3].metric(
    "Third countries",
    len(third_countries),
    help=", ".join(record.label_of(c) for c in third_countries) or "none",
)
cols = st.columns(4)
cols[0].metric("Violations", counts["violation"])
cols[1].metric("Warnings", counts["warning"])
cols[2].metric("Info", counts["info"])
cols[3].metric("Waived", counts["waived"])
st.caption(
    f"{stats['triples']:,} triples; {stats['facts with a source']} facts cite a policy sentence or an "
    f"external source. Validated with the {record.validation.engine} engine."
)


def bar(
    labels: list[str], values: list[int], *, title: str, colours: list[str] | str = "#1f4e79"
) -> go.Figure:
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=colours))
    fig.update_layout(
        title=title,
        height=max(220, 28 * len(labels) + 90),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        yaxis={"autorange": "reversed"},
    )
    return fig


left, right = st.columns(2)
with left:
    basis = Counter(b for row in record.activity_summary for b in row["legal basis"] or ["(none stated)"])
    items = basis.most_common()
    st.plotly_chart(
        bar([k for k, _ in items], [v for _, v in items], title="Activities per legal basis"),
        key="chart_basis",
    )
with right:
    per_family = family_counts(record.validation)
    families = list(per_family)
    fig = go.Figure()
    for severity in SEVERITY_NAMES:
        fig.add_bar(
            name=severity,
            x=[per_family[f][severity] for f in families],
            y=families,
            orientation="h",
            marker_color=SEVERITY_COLOURS[severity],
        )
    fig.update_layout(
        barmode="stack",
        title="Findings per family",
        height=max(220, 28 * len(families) + 90),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15},
    )
    st.plotly_chart(fig, key="chart_families")

rows = sorted(record.activity_summary, key=lambda r: -len(r["data categories"]))[:40]
st.plotly_chart(
    bar(
        [r["activity"] for r in rows],
        [len(r["data categories"]) for r in rows],
        title="Data categories per activity",
    ),
    key="chart_categories",
)
