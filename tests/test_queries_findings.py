"""``findings-per-activity`` reads a stored SHACL validation report: it must list exactly the rule ids and
focus nodes of the report (produced here by pyshacl directly from shapes/*.ttl)."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from ropa_kg.core.namespaces import DPV, ROPA
from ropa_kg.core.resources import alumeco_dir, shapes_dir
from ropa_kg.load.graph import collect_files, load_graph
from ropa_kg.query.queries import ENGINES, resolve, run_query
from ropa_kg.rules.validation import prepared_sparql
from ropa_kg.sparql.results import compact_iri


@pytest.fixture(scope="module")
def report_and_shapes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Graph, Graph]:
    shape_files = collect_files([shapes_dir()])
    assert shape_files, "no shapes"
    shapes = Graph()
    for path in shape_files:
        shapes.parse(path, format="turtle")
    data = load_graph()
    # pyshacl itself, with each SPARQL text translated once (as ropa validate --engine pyshacl runs it)
    with prepared_sparql():
        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, advanced=True, allow_warnings=True
        )
    path = tmp_path_factory.mktemp("report") / "report.ttl"
    report.serialize(path, format="turtle")
    return path, report, data


def _expected(report: Graph) -> set[tuple[str, str]]:
    shapes = Graph()
    for path in collect_files([shapes_dir()]):
        shapes.parse(path, format="turtle")
    found: set[tuple[str, str]] = set()
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        assert isinstance(focus, URIRef), "the rules report named nodes only"
        rule = shapes.value(shape, ROPA.ruleId) or str(shape).rsplit("#", 1)[-1]
        found.add((str(rule), compact_iri(str(focus))))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_findings_per_activity_lists_exactly_the_reports_findings(
    report_and_shapes: tuple[Path, Graph, Graph], engine: str
) -> None:
    report_path, report, data = report_and_shapes
    expected = _expected(report)
    assert expected, "the Alumeco record has findings (no retention for most activities, a US transfer...)"
    table = run_query(
        resolve("findings-per-activity"),
        data=[alumeco_dir(), report_path, shapes_dir()],
        engine=engine,  # type: ignore[arg-type]
    )
    rows = [dict(zip(table.columns, row, strict=True)) for row in table.text_rows()]
    assert {(r["rule"], r["focusNode"]) for r in rows} == expected
    activities = {
        compact_iri(str(a)) for a in data.subjects(RDF.type, DPV.Process) if not isinstance(a, BNode)
    }
    for row in rows:
        if row["focusNode"] in activities:  # an activity's finding is listed under that activity
            assert row["activity"] == row["focusNode"]
    # every finding of an activity-level rule is under its activity, e.g. the missing retention periods
    retention = {r["activity"] for r in rows if r["rule"] == "ROPA-A30-RETENTION"}
    assert retention == {f for rule, f in expected if rule == "ROPA-A30-RETENTION"}
    assert "alu:CustomerRelations" not in retention  # the one activity with a stated period (5 years)


def test_findings_query_is_empty_without_a_report() -> None:
    assert run_query(resolve("findings-per-activity")).rows == ()
