"""Data flows: controller -> activity -> data category -> recipient -> country, coloured by findings.

The layout is computed here (layered columns) and drawn with plotly, which Streamlit bundles: nothing
is fetched at run time. Clicking a node shows its details below the graph.
"""

from collections import defaultdict

import plotly.graph_objects as go
import streamlit as st

from common import SEVERITY_COLOURS, SEVERITY_ICONS, page_setup, worst
from ropa_kg.core.findings import Severity

record = page_setup("Data flows")
LAYERS = ("controller", "activity", "data category", "recipient", "country")
MAX_ACTIVITIES = 40

all_activities = record.activities
default = all_activities[:MAX_ACTIVITIES]
picked = st.multiselect(
    "Activities shown",
    all_activities,
    default=default,
    format_func=record.label_of,
    key="flow_activities",
    help=f"Large records: at most {MAX_ACTIVITIES} activities are drawn by default.",
)
keep = set(picked)

layer_of: dict[str, str] = {}
edges: set[tuple[str, str]] = set()
recipients_of: dict[str, set[str]] = defaultdict(set)
categories_of: dict[str, set[str]] = defaultdict(set)
countries_of: dict[str, set[str]] = defaultdict(set)
for edge in record.edges:
    if edge.kind == "controller" and edge.target in keep:
        layer_of[edge.source], layer_of[edge.target] = "controller", "activity"
        edges.add((edge.source, edge.target))
    elif edge.kind == "data" and edge.source in keep:
        categories_of[edge.source].add(edge.target)
    elif edge.kind == "recipient" and edge.source in keep:
        recipients_of[edge.source].add(edge.target)
    elif edge.kind == "country":
        countries_of[edge.source].add(edge.target)
for activity in keep:
    layer_of.setdefault(activity, "activity")
    for category in categories_of[activity]:
        layer_of[category] = "data category"
        edges.add((activity, category))
        for recipient in recipients_of[activity]:
            edges.add((category, recipient))
    for recipient in recipients_of[activity]:
        layer_of[recipient] = "recipient"
        if not categories_of[activity]:
            edges.add((activity, recipient))
        for country in countries_of[recipient]:
            layer_of[country] = "country"
            edges.add((recipient, country))

# Status of each node: its findings (and, for a country, transfers there without a mechanism).
severities: dict[str, list[Severity]] = defaultdict(list)
for finding in record.validation.active:
    severities[finding.focus_node].append(finding.severity)
    if finding.value:
        severities[finding.value].append(finding.severity)
for transfer in record.transfers:
    severities[transfer.country].append(Severity.VIOLATION if not transfer.mechanism else Severity.INFO)

positions: dict[str, tuple[float, float]] = {}
for column, layer in enumerate(LAYERS):
    nodes = sorted((n for n, lay in layer_of.items() if lay == layer), key=record.label_of)
    for row, node in enumerate(nodes):
        positions[node] = (float(column), 1.0 - (row + 1) / (len(nodes) + 1))

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
            name={"ok": "no findings"}.get(status, status),
            marker={"size": 16, "color": SEVERITY_COLOURS[status], "line": {"width": 1, "color": "white"}},
            text=[record.label_of(n)[:32] for n in nodes],
            textposition="top center",
            customdata=nodes,
            hovertext=[f"{layer_of[n]}: {record.label_of(n)}" for n in nodes],
            hoverinfo="text",
        )
    )
fig.update_layout(
    height=max(480, 34 * max((sum(1 for v in layer_of.values() if v == lay) for lay in LAYERS), default=1)),
    margin={"l": 10, "r": 10, "t": 30, "b": 10},
    xaxis={
        "tickvals": list(range(len(LAYERS))),
        "ticktext": [layer.capitalize() for layer in LAYERS],
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
    "Node details",
    sorted(positions, key=record.label_of),
    index=None,
    format_func=record.name,
    key="flow_node",
)
node = node or chosen
if node:
    with st.container(border=True):
        st.subheader(f"{record.label_of(node)}")
        st.caption(f"{layer_of.get(node, '')} · {record.node_id(node)}")
        findings = [f for f in record.validation.active if node in (f.focus_node, f.value)]
        for finding in findings:
            st.markdown(
                f"{SEVERITY_ICONS.get(finding.severity.name.lower(), '')} **{finding.rule_id}** on "
                f"{record.label_of(finding.focus_node)}: {finding.message}"
            )
        if layer_of.get(node) == "activity":
            st.page_link(
                "views/activity.py",
                label="Open the activity's detail page",
                query_params={"id": record.activity_ids.get(node, node)},
            )
        for fact in record.facts(node):
            if fact.predicate.endswith(("#prefLabel", "#type")):
                continue
            source = fact.sources[0] if fact.sources else None
            cite = ""
            if source is not None:
                cite = f" — “{source.quote}”" if source.quote else f" — external: {source.url}"
            st.markdown(f"- *{record.label_of(fact.predicate)}*: {fact.value_label}{cite}")
