"""Two families of findings, reported apart (issue 15, item 1): every rule names its family (the record,
the notice, lawfulness); a notice's or controller's duty is one finding naming the activities it affects,
on both engines; every report format and the saved query ``findings-per-activity`` show both."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from ropa_kg.app.cli import main
from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.findings import Family, Scope, Severity
from ropa_kg.core.namespaces import ROPA
from ropa_kg.query.queries import ENGINES as QUERY_ENGINES
from ropa_kg.query.queries import resolve, run_query
from ropa_kg.rules.results import ShaclResult, findings_from_results
from ropa_kg.rules.shapes import load_shapes, read_rule, rule_catalogue
from ropa_kg.rules.validation import ENGINES, validate

ROOT = Path(__file__).resolve().parent.parent
EX = "https://example.org/record#"
XS = "https://example.org/shapes#"

PREFIXES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix xs: <https://example.org/shapes#> .
@prefix ex: <https://example.org/record#> .
"""

#: A notice-scope SPARQL rule returning ?value per activity, and an ordinary record rule.
SHAPES = (
    PREFIXES
    + '''
xs:NoticeComplaint a sh:NodeShape ;
    ropa:ruleId "ROPA-TEST-NOTICE" ;
    ropa:family ropa:NoticeFamily ;
    ropa:scope ropa:NoticeScope ;
    rdfs:label "The notice tells of the right to complain"@en ;
    ropa:article "Art. 13(2)(d)" ;
    sh:severity sh:Warning ;
    sh:message "The notice does not tell of the right to lodge a complaint (Art. 77)."@en ;
    sh:targetClass dpv:Notice ;
    sh:sparql [ sh:select """
        PREFIX dpv: <https://w3id.org/dpv#>
        SELECT $this ?value WHERE { ?value dpv:hasNotice $this . }
    """ ] .

xs:Purpose a sh:PropertyShape ;
    ropa:ruleId "ROPA-TEST-PURPOSE" ;
    ropa:family ropa:RecordFamily ;
    rdfs:label "Activity states its purpose"@en ;
    ropa:article "Art. 30(1)(b)" ;
    sh:severity sh:Violation ;
    sh:message "Add a purpose."@en ;
    sh:targetClass dpv:Process ;
    sh:path dpv:hasPurpose ;
    sh:minCount 1 .
'''
)

DATA = (
    PREFIXES
    + """
ex:Notice a dpv:Notice ; rdfs:label "Privacy notice" .
ex:Website a dpv:Process ; rdfs:label "Website" ; dpv:hasNotice ex:Notice .
ex:Chat a dpv:Process ; rdfs:label "Chat" ; dpv:hasNotice ex:Notice ; dpv:hasPurpose dpv:ServiceProvision .
"""
)

WAIVER = (
    PREFIXES
    + """
ex:waiver a ropa:Waiver ;
    ropa:rule "ROPA-TEST-NOTICE" ;
    ropa:focusNode ex:Notice ;
    ropa:justification "The new notice is being drafted." ;
    ropa:owner "dpo@example.org" ;
    ropa:expires "2026-12-31"^^xsd:date .
"""
)


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    """(data file, shapes folder) of the tiny record: one notice of two activities, one without purpose."""
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "rules.ttl").write_text(SHAPES, encoding="utf-8")
    data = tmp_path / "record.ttl"
    data.write_text(DATA, encoding="utf-8")
    return data, tmp_path / "shapes"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout


# --- the rule catalogue reads each rule's family and scope -----------------------------------------


def test_every_bundled_rule_names_its_family() -> None:
    rules = rule_catalogue(load_shapes())
    assert all(isinstance(r.family, Family) and isinstance(r.scope, Scope) for r in rules.values())
    assert {r.family for r in rules.values()} == set(Family)


def test_family_and_scope_are_read_and_labelled() -> None:
    rules = rule_catalogue(Graph().parse(data=SHAPES, format="turtle"))
    notice, purpose = rules["ROPA-TEST-NOTICE"], rules["ROPA-TEST-PURPOSE"]
    assert (notice.family, notice.scope) == (Family.NOTICE, Scope.NOTICE)
    assert (purpose.family, purpose.scope) == (Family.RECORD, Scope.ACTIVITY)  # the scope's default
    assert [f.label for f in Family] == ["the record (Art. 30)", "the notice (Art. 12-14)", "lawfulness"]
    assert Family.from_iri(str(ROPA.LawfulnessFamily)) is Family.LAWFULNESS
    assert Scope.from_iri(str(ROPA.ControllerScope)) is Scope.CONTROLLER and Scope.CONTROLLER.merges


def test_the_families_and_scopes_are_defined_in_the_ontology() -> None:
    ontology = Graph().parse(ROOT / "ontology" / "rules.ttl")
    for term in [*(f.iri for f in Family), *(s.iri for s in Scope), str(ROPA.family), str(ROPA.scope)]:
        assert (URIRef(term), None, None) in ontology, term
    labels = {
        str(ontology.value(URIRef(f.iri), URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
        for f in Family
    }
    assert labels == {f.label for f in Family}


def _without(triple_object: URIRef | None = None, *, add: URIRef | None = None) -> Graph:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    shape = URIRef(XS + "Purpose")
    shapes.remove((shape, ROPA.family, None))
    if add is not None:
        shapes.add((shape, ROPA.family, add))
    if triple_object is not None:
        shapes.add((shape, ROPA.family, triple_object))
    return shapes


def test_a_rule_without_a_family_is_bad_input_naming_its_shape() -> None:
    with pytest.raises(RopaInputError, match=r"shapes#Purpose.*ROPA-TEST-PURPOSE.*no ropa:family"):
        rule_catalogue(_without())
    # outside the rule set (any shapes, the fast engine's plans) a missing family is the record's
    assert read_rule(_without(), URIRef(XS + "Purpose"), complete=False).family is Family.RECORD


@pytest.mark.parametrize(
    "families",
    [(URIRef(str(ROPA) + "PrivacyFamily"), None), (ROPA.RecordFamily, ROPA.NoticeFamily)],
    ids=["unknown", "two"],
)
def test_an_unknown_or_second_family_is_bad_input(families: tuple[URIRef, URIRef | None]) -> None:
    with pytest.raises(RopaInputError, match="ROPA-TEST-PURPOSE"):
        rule_catalogue(_without(families[0], add=families[1]))


def test_an_unknown_scope_is_bad_input() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    shapes.set((URIRef(XS + "NoticeComplaint"), ROPA.scope, ROPA.RecordFamily))
    with pytest.raises(RopaInputError, match=r"ROPA-TEST-NOTICE.*not a rule scope"):
        rule_catalogue(shapes)


# --- one finding per notice, naming the activities it affects -----------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_notice_scope_results_merge_into_one_finding(engine: str) -> None:
    data = Graph().parse(data=DATA, format="turtle")
    result = validate(data, shapes=Graph().parse(data=SHAPES, format="turtle"), engine=engine)
    by_rule = {f.rule_id: f for f in result.active}
    assert sorted(f.rule_id for f in result.active) == ["ROPA-TEST-NOTICE", "ROPA-TEST-PURPOSE"]
    notice = by_rule["ROPA-TEST-NOTICE"]
    assert notice.focus_node == EX + "Notice"
    assert notice.affects == (EX + "Chat", EX + "Website")
    assert notice.value is None and notice.severity is Severity.WARNING
    assert notice.family is Family.NOTICE
    purpose = by_rule["ROPA-TEST-PURPOSE"]
    assert (purpose.focus_node, purpose.affects, purpose.family) == (EX + "Website", (), Family.RECORD)
    assert result.counts_by_family()[Family.NOTICE] == {"violation": 0, "warning": 1, "info": 0}


def test_merging_keeps_values_distinct_and_sorted_and_the_rules_message() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    rules = rule_catalogue(shapes).values()
    shape, focus = URIRef(XS + "NoticeComplaint"), URIRef(EX + "Notice")

    def result(value: str, message: str) -> ShaclResult:
        return ShaclResult(
            focus,
            SH.SPARQLConstraintComponent,
            shape,
            SH.Violation,
            value=URIRef(EX + value),
            messages=(Literal(message),),
        )

    results = [result("Website", "on Website"), result("Chat", "on Chat"), result("Website", "on Website")]
    [finding] = findings_from_results(results, rules)
    assert finding.affects == (EX + "Chat", EX + "Website")
    assert finding.severity is Severity.WARNING  # the rule's severity
    assert finding.message.startswith("The notice does not tell")  # the messages differ: the rule's
    [same] = findings_from_results([result("Chat", "one text"), result("Website", "one text")], rules)
    assert same.message == "one text"


def test_a_waiver_matches_a_merged_finding_by_rule_and_focus(case: tuple[Path, Path], tmp_path: Path) -> None:
    data, shapes = case
    waiver = tmp_path / "waiver.ttl"
    waiver.write_text(WAIVER, encoding="utf-8")
    result = validate(data, waiver, shapes_dir=shapes)
    assert [w.finding.rule_id for w in result.waived] == ["ROPA-TEST-NOTICE"]
    assert result.waived[0].finding.affects == (EX + "Chat", EX + "Website")
    assert not result.waiver_problems


# --- every format shows the families ---------------------------------------------------------------


def test_text_has_a_heading_per_family_and_the_affected_activities(case: tuple[Path, Path]) -> None:
    data, shapes = case
    code, out = cli(str(data), "--shapes", str(shapes), "--format", "text")
    assert code == 1
    lines = out.splitlines()
    headings = [line for line in lines if line.startswith("# Findings on ")]
    assert headings == [
        "# Findings on the record (Art. 30): 1 violations, 0 warnings, 0 infos",
        "# Findings on the notice (Art. 12-14): 0 violations, 1 warnings, 0 infos",
    ]
    notice = out[out.index(headings[1]) :]
    assert notice.splitlines()[2:7] == [
        "== Privacy notice (ex:Notice)",
        "  [warning] ROPA-TEST-NOTICE (Art. 13(2)(d)) note",
        "    on: Privacy notice (ex:Notice)",
        "    affects: Chat, Website",
        "    The notice does not tell of the right to lodge a complaint (Art. 77).",
    ]
    assert lines[-4:-1] == [
        "the record (Art. 30): 1 violations, 0 warnings, 0 infos",
        "the notice (Art. 12-14): 0 violations, 1 warnings, 0 infos",
        "lawfulness: 0 violations, 0 warnings, 0 infos",
    ]
    assert lines[-1].startswith("FAILED: 1 violations, 1 warnings, 0 infos")


def test_json_has_family_affects_and_counts_by_family(case: tuple[Path, Path]) -> None:
    data, shapes = case
    _, out = cli(str(data), "--shapes", str(shapes), "--format", "json")
    report = json.loads(out)
    schema = json.loads((ROOT / "schemas" / "validation-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
    assert report["summary"]["by_family"] == {
        "record": {"violation": 1, "warning": 0, "info": 0},
        "notice": {"violation": 0, "warning": 1, "info": 0},
        "lawfulness": {"violation": 0, "warning": 0, "info": 0},
    }
    findings = {f["rule_id"]: f for f in report["findings"]}
    notice = findings["ROPA-TEST-NOTICE"]
    assert notice["family"] == "notice" and notice["value"] is None
    assert notice["affects"] == notice["activities"] == [EX + "Chat", EX + "Website"]
    assert findings["ROPA-TEST-PURPOSE"]["family"] == "record"
    assert findings["ROPA-TEST-PURPOSE"]["affects"] == []
    rules = {r["rule_id"]: r for r in report["rules"]}
    assert (rules["ROPA-TEST-NOTICE"]["family"], rules["ROPA-TEST-NOTICE"]["scope"]) == ("notice", "notice")


def test_sarif_category_tags_and_result_family(case: tuple[Path, Path]) -> None:
    data, shapes = case
    _, out = cli(str(data), "--shapes", str(shapes), "--format", "sarif")
    schema = json.loads((ROOT / "schemas" / "sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))
    log = json.loads(out)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
    run0 = log["runs"][0]
    rules = {r["id"]: r for r in run0["tool"]["driver"]["rules"]}
    assert rules["ROPA-TEST-NOTICE"]["properties"]["category"] == "notice"
    assert "notice" in rules["ROPA-TEST-NOTICE"]["properties"]["tags"]
    assert rules["ROPA-TEST-PURPOSE"]["properties"]["category"] == "record"
    assert rules["ROPA-WAIVER-UNUSED"]["properties"]["category"] == "record"
    results = {r["ruleId"]: r for r in run0["results"]}
    notice = results["ROPA-TEST-NOTICE"]
    assert notice["properties"]["family"] == "notice"
    assert notice["properties"]["affects"] == [EX + "Chat", EX + "Website"]
    assert notice["message"]["text"].endswith("(affects: Chat, Website)")


def test_junit_has_one_suite_per_family(case: tuple[Path, Path]) -> None:
    data, shapes = case
    _, out = cli(str(data), "--shapes", str(shapes), "--format", "junit", "--fail-on", "warning")
    root = ET.fromstring(out)  # noqa: S314 - our own output
    suites = {s.get("id"): s for s in root.findall("testsuite")}
    assert list(suites) == ["record", "notice", "lawfulness"]
    assert suites["notice"].get("name") == "ropa validate: the notice (Art. 12-14)"
    names = {key: [c.get("name") for c in s.findall("testcase")] for key, s in suites.items()}
    assert names == {
        "record": ["ROPA-TEST-PURPOSE", "ROPA-WAIVER-EXPIRED", "ROPA-WAIVER-UNUSED"],
        "notice": ["ROPA-TEST-NOTICE"],
        "lawfulness": [],
    }
    failure = suites["notice"].find("testcase/failure")
    assert failure is not None and "(affects: Chat, Website)" in (failure.text or "")
    assert [s.get("failures") for s in suites.values()] == ["1", "1", "0"]
    assert root.get("failures") == "2"


def test_turtle_results_name_their_family_and_affected_activities(case: tuple[Path, Path]) -> None:
    data, shapes = case
    _, out = cli(str(data), "--shapes", str(shapes), "--format", "turtle")
    report = Graph().parse(data=out, format="turtle")
    [notice] = list(report.subjects(ROPA.ruleId, Literal("ROPA-TEST-NOTICE")))
    assert report.value(notice, ROPA.family) == ROPA.NoticeFamily
    assert set(report.objects(notice, ROPA.affects)) == {URIRef(EX + "Chat"), URIRef(EX + "Website")}
    assert report.value(notice, SH.value) is None
    [purpose] = list(report.subjects(ROPA.ruleId, Literal("ROPA-TEST-PURPOSE")))
    assert report.value(purpose, ROPA.family) == ROPA.RecordFamily


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "turtle"])
def test_same_input_same_bytes(case: tuple[Path, Path], fmt: str) -> None:
    data, shapes = case
    args = (str(data), "--shapes", str(shapes), "--format", fmt, "--today", "2026-06-01")
    assert cli(*args) == cli(*args)


@pytest.mark.parametrize("engine", QUERY_ENGINES)
def test_findings_per_activity_lists_a_merged_finding_under_each_activity(
    case: tuple[Path, Path], tmp_path: Path, engine: str
) -> None:
    data, shapes = case
    _, out = cli(str(data), "--shapes", str(shapes), "--format", "turtle")
    report = tmp_path / "report.ttl"
    report.write_text(out, encoding="utf-8")
    table = run_query(resolve("findings-per-activity"), data=[data, report], engine=engine)  # type: ignore[arg-type]
    rows = [dict(zip(table.columns, row, strict=True)) for row in table.text_rows()]
    notice = sorted((r["activity"], r["family"]) for r in rows if r["rule"] == "ROPA-TEST-NOTICE")
    assert notice == [(EX + "Chat", "ropa:NoticeFamily"), (EX + "Website", "ropa:NoticeFamily")]
    purpose = [(r["activity"], r["family"]) for r in rows if r["rule"] == "ROPA-TEST-PURPOSE"]
    assert purpose == [(EX + "Website", "ropa:RecordFamily")]
