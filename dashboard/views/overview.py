"""Overview: what the record holds and what is wrong with it, at a glance."""

from collections import Counter

import plotly.graph_objects as go
import streamlit as st

from common import SEVERITY_COLOURS, num, page_setup, t
from ropa_kg.app.views import SEVERITY_NAMES, family_counts

record = page_setup("overview.title")
stats = record.stats
counts = record.validation.counts()
third_countries = sorted({t.country for t in record.transfers})

cols = st.columns(4)
cols[0].metric(t("overview.metric.activities"), stats["activities"])
cols[1].metric(t("overview.metric.categories"), stats["data categories"])
cols[2].metric(t("overview.metric.recipients"), stats["recipients"])
cols[3].metric(
    t("overview.metric.countries"),
    len(third_countries),
    help=", ".join(record.label_of(c) for c in third_countries) or t("overview.none"),
)
cols = st.columns(4)
cols[0].metric(t("overview.metric.violations"), counts["violation"])
cols[1].metric(t("overview.metric.warnings"), counts["warning"])
cols[2].metric(t("overview.metric.info"), counts["info"])
cols[3].metric(t("overview.metric.waived"), counts["waived"])
st.caption(
    t(
        "overview.caption",
        triples=num(stats["triples"]),
        sourced=stats["facts with a source"],
        engine=record.validation.engine,
    )
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
    basis = Counter(
        b for row in record.activity_summary for b in row["legal basis"] or [t("overview.no_basis")]
    )
    items = basis.most_common()
    st.plotly_chart(
        bar([k for k, _ in items], [v for _, v in items], title=t("overview.chart.basis")),
        key="chart_basis",
    )
with right:
    per_family = family_counts(record.validation, lang=record.language)
    families = list(per_family)
    fig = go.Figure()
    for severity in SEVERITY_NAMES:
        fig.add_bar(
            name=t(f"severity.{severity}"),
            x=[per_family[f][severity] for f in families],
            y=families,
            orientation="h",
            marker_color=SEVERITY_COLOURS[severity],
        )
    fig.update_layout(
        barmode="stack",
        title=t("overview.chart.families"),
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
        title=t("overview.chart.categories"),
    ),
    key="chart_categories",
)
