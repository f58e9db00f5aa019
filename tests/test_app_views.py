"""The dashboard's view model outside Streamlit (ropa_kg.app.views): filters, recipient and transfer
tables, the flows per country and the data-flow graph, on the bundled Alumeco record."""

from __future__ import annotations

import pytest

from ropa_kg.app.record import Record, load_record
from ropa_kg.app.views import (
    FLOW_LAYERS,
    compliance_sections,
    family_counts,
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
    leadfeeder = {"recipients": ["Liidio Oy (Leadfeeder)"]}
    found = filter_activities(rows, chosen=leadfeeder)
    assert [row["iri"] for row in found] == [ALU + "VisitorIdentification"]
    assert filter_activities(rows, chosen=leadfeeder, findings="without findings") == []
    with_findings = filter_activities(rows, chosen={}, findings="with findings")
    assert with_findings and all(row["findings"] for row in with_findings)


def test_recipients_transfers_and_countries(record: Record) -> None:
    processors = recipient_rows(record, roles=["processor"])
    assert {r["Recipient"] for r in processors} >= {
        "Liidio Oy (Leadfeeder)",  # Leadfeeder's operator, as its privacy page names it
        "Netop Business Solutions A/S",
    }
    assert all("processor" in r["Role"].split(", ") for r in processors)
    assert len(recipient_rows(record)) > len(processors)
    # Google Ireland Limited is the EEA party; the US leg is Google's own onward transfer (an external
    # dpv:CrossBorderTransfer), not a transfer of Alumeco's: the record has no third-country transfer.
    google = [r for r in recipient_rows(record) if r["Recipient"] == "Google Ireland Limited"]
    assert [(r["Country"], r["Third country"]) for r in google] == [("Ireland", "no")]
    assert transfer_rows(record) == []
    flows = flows_per_country(record)
    assert "United States of America" not in flows
    assert all(f["without mechanism"] == f["with mechanism"] == 0 for f in flows.values())
    assert flows["Ireland"]["EEA"] == 3  # Google (website), Meta (Facebook, Instagram)


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


def test_family_counts_for_the_overview_chart(record: Record) -> None:
    counts = family_counts(record.validation)
    assert list(counts) == [f"{f.label[:1].upper()}{f.label[1:]}" for f in Family]
    for (name, by_severity), family in zip(counts.items(), Family, strict=True):
        assert list(by_severity) == ["violation", "warning", "info"], name
        for severity, n in by_severity.items():
            assert n == sum(
                1
                for f in record.validation.active
                if f.family is family and f.severity.name.lower() == severity
            )
    assert sum(sum(c.values()) for c in counts.values()) == len(record.validation.active)


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
