"""The dashboard's view model outside Streamlit (ropa_kg.app.views): filters, recipient and transfer
tables, the flows per country and the data-flow graph, on the bundled Alumeco record."""

from __future__ import annotations

import pytest

from ropa_kg.app.record import Record, load_record
from ropa_kg.app.views import (
    FLOW_LAYERS,
    compliance_sections,
    filter_activities,
    filter_findings,
    finding_table,
    flow_graph,
    flows_per_country,
    recipient_rows,
    transfer_rows,
)
from ropa_kg.core.findings import Family

ALU = "https://w3id.org/ropa-kg/data/alumeco#"


@pytest.fixture(scope="module")
def record() -> Record:
    return load_record()


def test_filters_combine(record: Record) -> None:
    rows = record.activity_rows
    assert len(filter_activities(rows, chosen={})) == len(rows) == 10
    chat = filter_activities(rows, chosen={}, text="CHAT")
    assert [row["iri"] for row in chat] == [ALU + "Chat"]
    leadfeeder = {"recipients": ["Leadfeeder Oy"]}
    assert filter_activities(rows, chosen=leadfeeder, findings="without findings") == []
    with_findings = filter_activities(rows, chosen={}, findings="with findings")
    assert with_findings and all(row["findings"] for row in with_findings)


def test_recipients_transfers_and_countries(record: Record) -> None:
    processors = recipient_rows(record, roles=["processor"])
    assert {r["Recipient"] for r in processors} >= {"Leadfeeder Oy", "Netop Business Solutions A/S"}
    assert all("processor" in r["Role"].split(", ") for r in processors)
    assert len(recipient_rows(record)) > len(processors)
    google = [t for t in transfer_rows(record) if t["Recipient"] == "Google LLC"]
    assert google and all(t["Mechanism"].startswith("NONE") for t in google)
    flows = flows_per_country(record)
    assert flows["United States of America"]["without mechanism"] >= 2


def test_flow_graph_lays_out_every_node_in_its_column(record: Record) -> None:
    graph = flow_graph(record, [ALU + "Chat"])
    assert graph.layer_of[ALU + "Chat"] == "activity"
    assert set(graph.positions) == set(graph.layer_of)
    for node, (column, _row) in graph.positions.items():
        assert FLOW_LAYERS[int(column)] == graph.layer_of[node]
    assert all(a in graph.layer_of and b in graph.layer_of for a, b in graph.edges)


def test_compliance_sections_by_family(record: Record) -> None:
    rows = record.finding_rows
    sections = compliance_sections(rows)
    assert [s.family for s in sections] == [f.value for f in Family]  # every family, in report order
    assert sum(s.total for s in sections) == len(rows)
    for section, family in zip(sections, Family, strict=True):
        assert section.heading.startswith(f"{family.label[:1].upper()}{family.label[1:]}: {section.total} ")
        assert all(row["family"] == family.value for group in section.rules for row in group.rows)
    warnings = filter_findings(rows, severities=["warning"])
    assert warnings and all(r["severity"] == "warning" for r in warnings)
    assert sum(s.counts["warning"] for s in compliance_sections(warnings)) == len(warnings)


def test_a_merged_finding_is_under_each_activity_it_affects(record: Record) -> None:
    merged = [f for f in record.validation.active if f.affects]
    assert merged, "the notice's and the controller's duties are one finding each"
    for finding in merged:
        for activity in record.activities:
            assert (finding in record.findings_by_activity[activity]) == (activity in finding.affects)
    groups = [g for s in compliance_sections(record.finding_rows) for g in s.rules if g.merged]
    assert groups
    table = finding_table(groups[0])
    assert "Affects" in table[0] and "Activities" not in table[0]
    some = record.label_of(merged[0].affects[0])
    assert filter_findings(record.finding_rows, activities=[some])
