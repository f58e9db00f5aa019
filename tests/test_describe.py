"""One node describer (ropa_kg.render.describe): the CLI's report and the dashboard's view model file
every finding under the same activities, with the same labels, on the Alumeco record and on generated
records; and the describer's rules (label order, one or two links) hold on a small record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ropa_kg.app.cli import main
from ropa_kg.app.generate import generate
from ropa_kg.app.record import load_record
from ropa_kg.load.store import load_store
from ropa_kg.render.describe import Describer
from ropa_kg.render.report import RecordContext


def _generated(tmp_path: Path, activities: int) -> Path:
    path = tmp_path / f"generated-{activities}.ttl"
    with path.open("w", encoding="utf-8") as out:
        generate(out, activities=activities, seed=11, fault_rate=0.4)
    return path


@pytest.mark.parametrize("size", [0, 40])
def test_report_and_dashboard_name_the_same_activities(size: int, tmp_path: Path) -> None:
    paths = [str(_generated(tmp_path, size))] if size else []
    record = load_record(paths or None)
    report = CliRunner().invoke(main, ["validate", *paths, "--format", "json", "--today", "2026-06-01"])
    assert report.exit_code == 1, report.output
    findings = json.loads(report.stdout)["findings"]
    assert len(findings) > 10
    ctx = RecordContext(record.validation.graph)
    for finding in findings:
        focus = finding["focus_node"]
        # a notice's or controller's finding concerns the activities it affects, any other its focus node's
        concerned = finding["affects"] or record.activities_of(focus)
        assert finding["activities"] == concerned, finding
        report_labels = [ctx.label(a) for a in finding["activities"]]
        assert report_labels == [record.label_of(a) for a in concerned], finding
    rows = {(r["rule"], r["focus id"]): r["activities"] for r in record.finding_rows}
    for finding in findings:
        labels = [record.label_of(a) for a in finding["activities"]]
        assert sorted(rows[(finding["rule_id"], record.node_id(finding["focus_node"]))]) == sorted(labels)


def test_labels_and_links(tmp_path: Path) -> None:
    path = tmp_path / "r.ttl"
    path.write_text(
        """@prefix dpv: <https://w3id.org/dpv#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix ex: <https://example.org/> .
ex:Sub rdfs:subClassOf dpv:Process .
ex:A a ex:Sub ; rdfs:label "by rdfs:label" ; dpv:hasName "by name" ; dpv:hasDataController ex:C .
ex:C skos:prefLabel "Ohjain"@fi, "Controller"@en ; dpv:hasDataProtectionOfficer ex:D .
ex:D dpv:hasName "DPO" .
ex:Far dpv:hasName "three links away" . ex:D dpv:hasContact ex:Far .
""",
        encoding="utf-8",
    )
    describer = Describer.of_store(load_store([path], with_ontology=False))
    e = "https://example.org/"
    assert describer.activities == {e + "A"}  # a subclass of dpv:Process counts
    assert describer.label(e + "A") == "by rdfs:label"  # rdfs:label before dpv:hasName
    assert describer.label(e + "C") == "Controller"  # English before Finnish
    assert describer.activities_of(e + "C") == [e + "A"]
    assert describer.activities_of(e + "D") == [e + "A"]  # through one node in between
    assert describer.activities_of(e + "Far") == []
    assert describer.label(e + "Nothing", default="ex:Nothing") == "ex:Nothing"
