"""Data flows: controller -> activity -> data category -> recipient -> country, coloured by findings.

The layout is computed by the view model (:func:`ropa_kg.app.views.flow_graph`, layered columns) and drawn
with plotly, which Streamlit bundles: nothing
is fetched at run time. Clicking a node shows its details below the graph.
"""

import plotly.graph_objects as go
import streamlit as st

from common import SEVERITY_COLOURS, SEVERITY_ICONS, lang_query, page_setup, t, worst
from ropa_kg.app.views import FLOW_LAYERS as LAYERS
from ropa_kg.app.views import flow_graph, page_count, page_slice

record = page_setup("flows.title")
MAX_ACTIVITIES = 40

# a large record is drawn a page of activities at a time: only that page is offered and drawn
all_activities = record.activities
pages = page_count(len(all_activities), MAX_ACTIVITIES)
page = 1
if pages > 1:
    page = int(
        st.number_input(t("common.page", pages=pages), min_value=1, max_value=pages, value=1, key="flow_page")
    )
offered = list(page_slice(all_activities, page, MAX_ACTIVITIES))
picked = st.multiselect(
    t("flows.shown"),
    offered,
    default=offered,
    format_func=record.label_of,
    placeholder=t("common.choose_options"),
    key=f"flow_activities_{page}",
    help=t("flows.shown_help", count=MAX_ACTIVITIES),
)
graph = flow_graph(record, picked)
layer_of, edges, positions, severities = graph.layer_of, graph.edges, graph.positions, graph.severities

fig = go.Figure()
xs: list[float | None] = []
ys: list[float | None] = []
for start, end in edges:
    if start in positions and end in positions:
        xs += [positions[start][0], positions[end][0], None]
        ys += [positions[start][1], positions[end][1], None]
fig.add_trace(
    go.Scatter(
        x=xs, y=ys, mode="lines", line={"width": 0.8, "color": "#b0b7c3"}, hoverinfo="skip", showlegend=False
    )
)
for status in ("violation", "warning", "info", "ok"):
    nodes = [n for n in positions if worst(severities.get(n, [])) == status]
    if not nodes:
        continue
    fig.add_trace(
        go.Scatter(
            x=[positions[n][0] for n in nodes],
            y=[positions[n][1] for n in nodes],
            mode="markers+text",
            name=t(f"severity.{status}"),
            marker={"size": 16, "color": SEVERITY_COLOURS[status], "line": {"width": 1, "color": "white"}},
            text=[record.label_of(n)[:32] for n in nodes],
            textposition="top center",
            customdata=nodes,
            hovertext=[f"{t('layer.' + layer_of[n])}: {record.label_of(n)}" for n in nodes],
            hoverinfo="text",
        )
    )
fig.update_layout(
    height=max(480, 34 * graph.layer_size()),
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    xaxis={
        "tickvals": list(range(len(LAYERS))),
        "ticktext": [t(f"layer.{layer}").capitalize() for layer in LAYERS],
        "side": "top",
        "showgrid": False,
        "zeroline": False,
        "range": [-0.5, len(LAYERS) - 0.5],
    },
    yaxis={"visible": False},
    clickmode="event+select",
    legend={"orientation": "h", "y": -0.02},
)
event = st.plotly_chart(fig, key="flow_graph", on_select="rerun", selection_mode="points")

points = event.selection.points if event is not None else []
node = next((p.get("customdata") for p in points if p.get("customdata")), None)
chosen = st.selectbox(
    t("flows.node"),
    sorted(positions, key=record.label_of),
    index=None,
    format_func=record.name,
    key="flow_node",
)
node = node or chosen
if node:
    with st.container(border=True):
        st.subheader(f"{record.label_of(node)}")
        layer = t(f"layer.{layer_of[node]}") if node in layer_of else ""
        st.caption(f"{layer} · {record.node_id(node)}")
        findings = [f for f in record.validation.active if node in (f.focus_node, f.value)]
        for finding in findings:
            st.markdown(
                t(
                    "flows.finding",
                    icon=SEVERITY_ICONS.get(finding.severity.name.lower(), ""),
                    rule=finding.rule_id,
                    focus=record.label_of(finding.focus_node),
                    message=finding.message,
                )
            )
        if layer_of.get(node) == "activity":
            st.page_link(
                "views/activity.py",
                label=t("flows.open"),
                query_params={"id": record.activity_ids.get(node, node), **lang_query()},
            )
        for fact in record.facts(node):
            if fact.predicate.endswith(("#prefLabel", "#type")):
                continue
            source = fact.sources[0] if fact.sources else None
            cite = ""
            if source is not None:
                cite = f" — “{source.quote}”" if source.quote else t("flows.external", url=source.url)
            st.markdown(f"- *{record.label_of(fact.predicate)}*: {fact.value_label}{cite}")
