"""Sign-off and review (issue 16 §4): the terms (core/signoff.py, ontology/ropa.ttl) and ROPA-REVIEW-OVERDUE,
judged as of ``validate(today=...)`` the same way by both engines, never on an activity never reviewed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ropa_kg.app.cli import main
from ropa_kg.core import signoff
from ropa_kg.core.findings import Family, Severity
from ropa_kg.core.namespaces import DPV, ROPA, bind_prefixes
from ropa_kg.core.resources import ontology_dir, shapes_dir
from ropa_kg.load.graph import load_graph
from ropa_kg.rules.validation import dated_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures" / "rules" / "ROPA-REVIEW-OVERDUE"
EX = "https://example.org/record#"
RULE = "ROPA-REVIEW-OVERDUE"
ACTIVITY = URIRef(EX + "Activity")
RECORD = URIRef(EX + "Record")


@pytest.fixture(scope="module")
def review_shapes() -> Graph:
    """The rule alone (its file and the prefixes its query declares): fast to run with both engines."""
    shapes = Graph()
    for name in ("prefixes.ttl", "review.ttl"):
        shapes.parse(shapes_dir() / name, format="turtle")
    return shapes


@pytest.fixture(scope="module")
def passing() -> Graph:
    return load_graph([FIXTURES / "pass.ttl"])


def _record(base: Graph, *, reviewed: list[str], periods: list[str]) -> Graph:
    """``base`` with the activity's review dates and the records' review periods replaced."""
    graph = bind_prefixes(Graph())
    graph += base
    graph.remove((ACTIVITY, signoff.REVIEWED, None))
    graph.remove((RECORD, signoff.ROPA_REVIEW_PERIOD, None))
    for day in reviewed:
        graph.add((ACTIVITY, signoff.REVIEWED, Literal(day, datatype=XSD.date)))
    for index, period in enumerate(periods):
        record = RECORD if index == 0 else URIRef(f"{EX}Record{index}")
        graph.add((record, RDF.type, DPV.ROPA))
        graph.add((record, signoff.ROPA_REVIEW_PERIOD, Literal(period, datatype=XSD.duration)))
    return graph


def _overdue(graph: Graph, shapes: Graph, today: str, engine: str = "fast") -> list[tuple[str, str | None]]:
    result = validate(graph, shapes=shapes, engine=engine, today=dt.date.fromisoformat(today))
    return [(f.focus_node, f.value) for f in result.findings if f.rule_id == RULE]


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_overdue_the_day_after_the_period_ends_with_both_engines(engine: str, review_shapes: Graph) -> None:
    graph = load_graph([FIXTURES / "fail.ttl"])  # reviewed 2019-03-01 and 2020-01-15; P12M
    assert _overdue(graph, review_shapes, "2021-01-15", engine) == []
    result = validate(graph, shapes=review_shapes, engine=engine, today=dt.date(2021, 1, 16))
    [finding] = result.findings
    assert (finding.rule_id, finding.focus_node, finding.value) == (RULE, EX + "Activity", "2020-01-15")
    assert finding.severity is Severity.WARNING and finding.family is Family.RECORD
    assert "last reviewed on 2020-01-15" in finding.message  # the latest review, filled in
    assert "accountability" in finding.message and "not an element of Art. 30(1)" in finding.message


def test_the_default_period_is_twelve_months(passing: Graph, review_shapes: Graph) -> None:
    graph = _record(passing, reviewed=["2026-06-01"], periods=[])
    assert _overdue(graph, review_shapes, "2027-06-01") == []
    assert _overdue(graph, review_shapes, "2027-06-02") == [(EX + "Activity", "2026-06-01")]


@pytest.mark.parametrize(
    ("reviewed", "period", "last_ok", "first_overdue"),
    [
        ("2025-03-31", "P1M", "2025-04-30", "2025-05-01"),  # due at the end of a shorter month
        ("2025-01-10", "P1Y6M", "2026-07-10", "2026-07-11"),
        ("2024-02-29", "P1Y", "2025-02-28", "2025-03-01"),
    ],
)
def test_periods_in_years_and_months(  # type: ignore[no-untyped-def]
    passing, review_shapes, reviewed: str, period: str, last_ok: str, first_overdue: str
) -> None:
    graph = _record(passing, reviewed=[reviewed], periods=[period])
    assert _overdue(graph, review_shapes, last_ok) == []
    assert _overdue(graph, review_shapes, first_overdue) == [(EX + "Activity", reviewed)]


def test_the_shortest_period_of_several_records_counts(passing: Graph, review_shapes: Graph) -> None:
    graph = _record(passing, reviewed=["2026-01-10"], periods=["P24M", "P6M"])
    assert _overdue(graph, review_shapes, "2026-07-10") == []
    assert _overdue(graph, review_shapes, "2026-07-11") == [(EX + "Activity", "2026-01-10")]


def test_a_period_not_in_years_and_months_reads_as_the_default(passing: Graph, review_shapes: Graph) -> None:
    graph = _record(passing, reviewed=["2026-01-10"], periods=["P30D"])
    assert _overdue(graph, review_shapes, "2026-03-01") == []
    assert _overdue(graph, review_shapes, "2027-01-11") == [(EX + "Activity", "2026-01-10")]


def test_an_activity_never_reviewed_is_not_overdue(passing: Graph, review_shapes: Graph) -> None:
    graph = _record(passing, reviewed=[], periods=["P1M"])
    assert _overdue(graph, review_shapes, "2099-01-01") == []
    assert _overdue(graph, review_shapes, "2099-01-01", "pyshacl") == []


def test_the_dated_rule_is_found_by_its_query() -> None:
    from ropa_kg.rules.shapes import load_shapes, rule_catalogue

    shapes = load_shapes()
    dated = dated_shapes(shapes, rule_catalogue(shapes))
    assert [str(s) for s in dated] == ["https://w3id.org/ropa-kg/shapes#Review-Overdue"]


def test_alumeco_states_no_review_and_gets_no_review_finding() -> None:
    """The policy states no version, approver or review: the record stays silent, so no finding, on any
    day (its 79 findings are pinned in tests/test_validate_alumeco.py)."""
    result = validate(today=dt.date(2099, 1, 1))
    assert not [f for f in result.active if f.rule_id == RULE]
    assert len(result.active) == 79


def test_ropa_validate_today_decides() -> None:
    runner = CliRunner()
    fail = str(FIXTURES / "fail.ttl")
    before = runner.invoke(main, ["validate", fail, "--today", "2021-01-15", "--format", "json"])
    after = runner.invoke(main, ["validate", fail, "--today", "2021-01-16", "--format", "json"])
    assert before.exit_code == after.exit_code == 0  # a warning does not fail the build
    assert json.loads(before.output)["summary"]["warning"] == 0
    assert json.loads(after.output)["summary"]["warning"] == 1


def test_the_sign_off_terms(dpv_terms: frozenset[str]) -> None:
    ontology = Graph().parse(ontology_dir() / "ropa.ttl", format="turtle")
    minted = [signoff.ROPA_APPROVER, signoff.ROPA_REVIEW_PERIOD, signoff.REVIEWER, signoff.REVIEWED]
    for term in minted:
        assert str(term).startswith(str(ROPA)) and (term, RDF.type, RDF.Property) in ontology, term
        assert str(term) not in dpv_terms
    assert (signoff.REVIEWED, URIRef("http://www.w3.org/2000/01/rdf-schema#subPropertyOf"),
            URIRef("http://purl.org/dc/terms/date")) in ontology  # fmt: skip
    for term in (signoff.ROPA_RECORD, signoff.ROPA_OWNER):
        assert str(term) in dpv_terms, term
    assert str(signoff.ROPA_OWNER) == "https://w3id.org/dpv#hasResponsibleEntity"
    assert str(signoff.ROPA_APPROVED) == "http://purl.org/dc/terms/dateAccepted"
    assert str(signoff.ROPA_VERSION) == "http://www.w3.org/2002/07/owl#versionInfo"
    assert signoff.DEFAULT_REVIEW_PERIOD == "P12M"
