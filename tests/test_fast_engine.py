"""The fast engine on its own shapes (tests/fixtures/fast_engine): same findings as pyshacl, one query per
constraint, clear errors outside the compiled subset, pyshacl fallback for what cannot be rewritten."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph

from ropa_kg.core.findings import Finding, Severity
from ropa_kg.rules.fast_engine import compile_plans, run_fast, store_from_graph
from ropa_kg.rules.results import findings_from_report
from ropa_kg.rules.shapes import rule_catalogue
from ropa_kg.sparql.rewrite import NotRewritable, rewrite_for_all_focus_nodes

HERE = Path(__file__).resolve().parent / "fixtures" / "fast_engine"
EX = "http://example.org/"


def _graph(path: Path | str, fmt: str = "turtle") -> Graph:
    graph = Graph()
    if isinstance(path, Path):
        graph.parse(path, format=fmt)
    else:
        graph.parse(data=path, format=fmt)
    return graph


def _pyshacl(data: Graph, shapes: Graph) -> list[Finding]:
    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none", advanced=False)
    return findings_from_report(report, rule_catalogue(shapes, complete=False).values())


def _bag(findings: list[Finding]) -> Counter[tuple[object, ...]]:
    return Counter((f.key, f.value) for f in findings)


@pytest.fixture(scope="module")
def core() -> tuple[Graph, Graph]:
    return _graph(HERE / "core-data.ttl"), _graph(HERE / "core-shapes.ttl")


def test_core_fixture_matches_pyshacl(core: tuple[Graph, Graph]) -> None:
    data, shapes = core
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    reference = _pyshacl(data, shapes)
    assert reference, "the fixture must produce findings"
    assert _bag(fast) == _bag(reference)
    # every rule of the fixture but the deactivated one fires at least once: the fixture exercises them
    fired = {f.rule_id for f in fast}
    assert fired >= {
        "T-NAME",
        "T-AGE",
        "T-EMAIL",
        "T-FRIEND",
        "T-KIND",
        "T-STATUS",
        "T-TAG",
        "T-CHILD-OF",
        "T-GRAND",
        "T-CONTACT",
        "T-TARGETS",
        "T-FIXED",
        "T-SPARQL-LONELY",
        "T-SPARQL-VALUE",
        "T-SPARQL-EXPR",
        "T-SPARQL-COUNT",
        "T-SPARQL-PROPERTY",
    }
    assert "T-OFF" not in fired


def test_core_fixture_findings_by_reason(core: tuple[Graph, Graph]) -> None:
    data, shapes = core
    keys = {(f.rule_id, f.focus_node, f.value) for f in run_fast(data_graph=data, shapes_graph=shapes)}
    # bob has two names (maxCount 1), an ill-typed integer, a literal friend, kinds outside sh:in
    assert ("T-NAME", EX + "bob", None) in keys
    assert ("T-AGE", EX + "bob", "thirty") in keys
    assert ("T-FRIEND", EX + "bob", "carol") in keys
    assert ("T-KIND", EX + "bob", "d") in keys
    assert ("T-KIND", EX + "bob", EX + "B") not in keys  # ex:B is in the list
    # carol is an ex:PhD, a subclass of a subclass of ex:Person: targeted and a valid friend value
    assert ("T-FRIEND", EX + "dan", EX + "carol") not in keys
    assert ("T-AGE", EX + "carol", "7") in keys  # xsd:decimal is not xsd:integer
    # dan is the child of two people (inverse path, maxCount 1)
    assert ("T-CHILD-OF", EX + "dan", None) in keys
    # alice's grandchild frank is not a Person (sequence path)
    assert ("T-GRAND", EX + "alice", EX + "frank") in keys
    # targetNode names a node absent from the data: still a focus node
    assert ("T-TARGETS", EX + "nobody", None) in keys
    severities = {f.rule_id: f.severity for f in run_fast(data_graph=data, shapes_graph=shapes)}
    assert severities["T-AGE"] is Severity.WARNING
    assert severities["T-EMAIL"] is Severity.INFO


def test_messages_fill_in_bindings(core: tuple[Graph, Graph]) -> None:
    data, shapes = core
    value_findings = [
        f for f in run_fast(data_graph=data, shapes_graph=shapes) if f.rule_id == "T-SPARQL-VALUE"
    ]
    assert value_findings
    for finding in value_findings:
        assert finding.message == f"{finding.value} is not a known kind"
        assert finding.path in (EX + "kind", EX + "tag")


def test_store_input_gives_same_findings(core: tuple[Graph, Graph]) -> None:
    data, shapes = core
    assert run_fast(store=store_from_graph(data), shapes_graph=shapes) == run_fast(
        data_graph=data, shapes_graph=shapes
    )


def test_one_query_per_constraint(core: tuple[Graph, Graph]) -> None:
    data, shapes = core
    plans = compile_plans(shapes, store_from_graph(data))
    by_shape = {str(p.shape): p for p in plans}
    assert len(by_shape["http://example.org/test-shapes#Name"].checks) == 3  # minCount, maxCount, datatype
    assert all(p.engine == "fast" for p in plans)
    lonely = by_shape["http://example.org/test-shapes#SparqlNoFriend"].checks[0].query
    # decorrelated: the EXISTS body runs once, as a sub-query joined on ?this, not once per row
    assert "NOT EXISTS" not in lonely
    assert "OPTIONAL { SELECT DISTINCT ?this (true AS ?__exists1)" in lonely


@pytest.mark.parametrize(
    "constraint",
    [
        "sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] )",
        "sh:closed true",
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:a ; sh:minLength 3 ]',
        "sh:node [ sh:property [ sh:path ex:a ; sh:minCount 1 ] ]",
        "sh:not [ sh:property [ sh:path ex:c ; sh:minCount 1 ] ]",
        "sh:xone ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] )",
        "sh:and ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:maxCount 0 ] )",
        "sh:closed true ; sh:ignoredProperties ( rdf:type ex:c )",
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:a ; sh:maxLength 1 ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:b ; sh:minInclusive 3 ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:a ; sh:languageIn ( "en" ) ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:b ; sh:lessThan ex:c ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:a ; sh:equals ex:b ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:a ; sh:disjoint ex:a2 ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path [ sh:zeroOrMorePath ex:next ] ; sh:class ex:T ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path [ sh:oneOrMorePath ex:next ] ; sh:maxCount 1 ]',
        'sh:property [ ropa:ruleId "XP" ; sh:path ex:next ; sh:qualifiedValueShape [ sh:class ex:T ] ; '
        "sh:qualifiedMinCount 1 ]",
    ],
)
def test_all_of_core_is_compiled_with_pyshacl_s_findings(constraint: str) -> None:
    shapes = _graph(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . "
        "@prefix ropa: <https://w3id.org/ropa-kg/ontology#> . "
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . "
        f'ex:S a sh:NodeShape ; ropa:ruleId "X" ; sh:targetClass ex:T ; {constraint} .'
    )
    data = _graph(
        "@prefix ex: <http://example.org/> . ex:t1 a ex:T ; ex:c 1 ; ex:next ex:t2 . "
        'ex:t2 a ex:T ; ex:a "ab" ; ex:b 2 ; ex:c 1 ; ex:a2 "ab" ; ex:next ex:x .'
    )
    assert {p.engine for p in compile_plans(shapes, store_from_graph(data))} == {"fast"}
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    assert fast, "each of these constraints is violated by the data"
    assert _bag(fast) == _bag(_pyshacl(data, shapes))


def test_a_custom_constraint_component_is_not_ignored() -> None:
    """W3C sparql/component/validator-001: a parameter of a declared sh:ConstraintComponent."""
    shapes = _graph(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
        ex:Component a sh:ConstraintComponent ;
            sh:parameter [ sh:path ex:forbidden ] ;
            sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { FILTER ($value != $forbidden) }" ] .
        ex:S a sh:NodeShape ; ropa:ruleId "CUSTOM" ; sh:targetClass ex:T ;
            sh:property [ ropa:ruleId "CUSTOM-P" ; sh:path ex:p ; ex:forbidden 2 ] ."""
    )
    data = _graph("@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 1 . ex:b a ex:T ; ex:p 2 .")
    plans = compile_plans(shapes, store_from_graph(data))
    assert {p.engine for p in plans} == {"fast"}  # compiled: an ASK validator is a NOT EXISTS filter
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    assert [(f.rule_id, f.focus_node, f.value) for f in fast] == [("CUSTOM-P", EX + "b", "2")]
    # SHACL 6.3: an ASK validator's result names the value node (pyshacl 0.40 leaves sh:value out here)
    assert [f.key for f in fast] == [f.key for f in _pyshacl(data, shapes)]


def test_limit_falls_back_to_pyshacl_for_that_shape() -> None:
    shapes = _graph(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
        ex:S a sh:NodeShape ; ropa:ruleId "LIMITED" ; sh:targetClass ex:T ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> ?x } LIMIT 1" ] ."""
    )
    data = _graph(
        "@prefix ex: <http://example.org/> . ex:a a ex:T ; ex:p 1 . ex:b a ex:T ; ex:p 2 . ex:c a ex:T ."
    )
    plans = compile_plans(shapes, store_from_graph(data))
    assert [p.engine for p in plans] == ["pyshacl"]
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    assert sorted(f.focus_node for f in fast) == [EX + "a", EX + "b"]
    assert _bag(fast) == _bag(_pyshacl(data, shapes))


def test_rewrite_keeps_group_by_and_projection() -> None:
    rewritten = rewrite_for_all_focus_nodes(
        "SELECT (COUNT(?x) AS ?n) WHERE { $this <p> ?x } HAVING (COUNT(?x) > 1)",
        focus_subquery="{ VALUES ?this { <a> } }",
        prefixes={"ex": EX},
        path_sparql=None,
        current_shape_iri=None,
    )
    assert "GROUP BY ?this" in rewritten.text
    assert rewritten.projected == {"n"}
    assert rewritten.text.startswith("PREFIX ex: <http://example.org/>")


@pytest.mark.parametrize("query", ["ASK { $this <p> 1 }", "SELECT $this WHERE { $this <p> ?o } OFFSET 2"])
def test_rewrite_refuses_what_it_cannot_keep_exact(query: str) -> None:
    with pytest.raises(NotRewritable):
        rewrite_for_all_focus_nodes(
            query, focus_subquery="{}", prefixes={}, path_sparql=None, current_shape_iri=None
        )
