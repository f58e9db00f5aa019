"""Recipients and transfers: who receives what, in which country, under which contract and mechanism."""

from collections import defaultdict

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from common import SEVERITY_COLOURS, page_setup, paginate

record = page_setup("Recipients and transfers")

roles: dict[str, set[str]] = defaultdict(set)
activities_of: dict[str, set[str]] = defaultdict(set)
countries: dict[str, set[str]] = defaultdict(set)
categories_of: dict[str, set[str]] = defaultdict(set)
for edge in record.edges:
    if edge.kind == "recipient":
        roles[edge.target].add(edge.role)
        activities_of[edge.target].add(edge.source)
    elif edge.kind == "country":
        countries[edge.source].add(edge.target)
    elif edge.kind == "data":
        categories_of[edge.source].add(edge.target)
third = {t.country for t in record.transfers}
missing = {(t.activity, t.recipient) for t in record.transfers if not t.mechanism}
focus_findings: dict[str, list[str]] = defaultdict(list)
for finding in record.validation.active:
    focus_findings[finding.focus_node].append(finding.rule_id)


def contract_status(party: str) -> str:
    parts = []
    for role in sorted(roles[party]):
        if role == "recipient":
            continue
        contract = record.contracts.get((party, role), "")
        kind = "Art. 28 agreement" if role == "processor" else "Art. 26 arrangement"
        parts.append(f"{kind}: {record.label_of(contract)}" if contract else f"no {kind} recorded")
    return "; ".join(parts) or "not a processor or joint controller"


rows = [
    {
        "Recipient": record.label_of(party),
        "ID": record.node_id(party),
        "Role": ", ".join(sorted(roles[party])),
        "Country": ", ".join(record.label_of(c) for c in sorted(countries[party])) or "not stated",
        "Third country": "yes" if countries[party] & third else ("unknown" if not countries[party] else "no"),
        "Contract": contract_status(party),
        "Activities": ", ".join(sorted(record.label_of(a) for a in activities_of[party])),
        "Receives": ", ".join(
            sorted({record.label_of(c) for a in activities_of[party] for c in categories_of.get(a, set())})
        ),
        "Findings": ", ".join(sorted(set(focus_findings.get(party, [])))),
    }
    for party in sorted(roles, key=record.label_of)
]
role_filter = st.multiselect("Role", ["processor", "joint controller", "recipient"], key="recipient_roles")
shown = [r for r in rows if not role_filter or set(role_filter) & set(r["Role"].split(", "))]
st.subheader(f"Recipients ({len(shown)})")
st.dataframe(
    pd.DataFrame(list(paginate(shown, key="recipients_page"))), hide_index=True, key="recipients_table"
)

st.subheader(f"Transfers to third countries ({len(record.transfers)})")
if record.transfers:
    transfer_rows = [
        {
            "Activity": record.label_of(t.activity),
            "Recipient": record.label_of(t.recipient),
            "Destination": record.label_of(t.country),
            "Mechanism": record.label_of(t.mechanism)
            if t.mechanism
            else "NONE — no transfer mechanism recorded",
            "Status": t.status,
        }
        for t in record.transfers
    ]
    st.dataframe(pd.DataFrame(transfer_rows), hide_index=True, key="transfers_table")
else:
    st.info("No recipient of any activity is recorded outside the EEA.")

# Where the data go: one bar per country (no map tiles or topojson: works offline).
per_country: dict[str, dict[str, int]] = defaultdict(
    lambda: {"without mechanism": 0, "with mechanism": 0, "EEA": 0}
)
for party, places in countries.items():
    for country in places:
        for activity in activities_of[party]:
            if country in third:
                status = "without mechanism" if (activity, party) in missing else "with mechanism"
            else:
                status = "EEA"
            per_country[country][status] += 1
if per_country:
    order = sorted(per_country, key=lambda c: -sum(per_country[c].values()))
    labels = [record.label_of(c) for c in order]
    fig = go.Figure()
    for status, colour in (
        ("without mechanism", SEVERITY_COLOURS["violation"]),
        ("with mechanism", SEVERITY_COLOURS["warning"]),
        ("EEA", SEVERITY_COLOURS["ok"]),
    ):
        fig.add_bar(name=status, x=labels, y=[per_country[c][status] for c in order], marker_color=colour)
    fig.update_layout(
        barmode="stack",
        title="Where personal data go: activity-recipient flows per country",
        yaxis_title="flows",
        height=380,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    st.plotly_chart(fig, key="country_chart")
