"""The pipeline of the rules layer, each step in one place: the shapes read once into typed rules (the
catalogue and the fast engine's plans hold the same Rule), one table of constraint components (each
compiled by one function), one reader of pyshacl's report (the pyshacl engine and the fast engine's
fallback agree on message, legal reference and source shape), terms copied by the project's converter,
and rdflib's query method replaced safely while two threads validate at once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.findings import Finding, Severity
from ropa_kg.core.namespaces import ROPA
from ropa_kg.rules import validation
from ropa_kg.rules.fast_engine import SUPPORTED_PARAMETERS, compile_plans, run_fast, store_from_graph
from ropa_kg.rules.results import findings_from_report
from ropa_kg.rules.shapes import (
    CONSTRAINT_COMPONENTS,
    Rule,
    load_shapes,
    read_rule,
    rule_catalogue,
)
from ropa_kg.rules.validation import prepared_sparql, run_pyshacl

FAST_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fast_engine"
EX = "http://example.org/"
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
"""


def _turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


# --------------------------------------------------------------------------------------------------
# One reading of the shapes
# --------------------------------------------------------------------------------------------------


def test_fast_plans_carry_the_catalogue_rules(alumeco_graph: Graph) -> None:
    shapes = load_shapes()
    rules = rule_catalogue(shapes)
    plans = compile_plans(shapes, store_from_graph(alumeco_graph))
    assert {plan.rule.rule_id for plan in plans} == set(rules)
    for plan in plans:
        assert plan.rule == rules[plan.rule.rule_id]


def test_read_rule_without_the_catalogue_demands() -> None:
    shapes = _turtle('ex:S a sh:NodeShape ; ropa:ruleId "R" ; sh:targetClass ex:T ; sh:minCount 1 .')
    rule = read_rule(shapes, URIRef(EX + "S"), complete=False)
    assert (rule.severity, rule.message, rule.article, rule.legal_reference) == (
        Severity.VIOLATION,
        "",
        "",
        None,
    )
    assert rule.constraint_component == str(SH.MinCountConstraintComponent)
    with pytest.raises(RopaInputError, match="no sh:severity"):
        rule_catalogue(shapes)


# --------------------------------------------------------------------------------------------------
# One table of constraint components
# --------------------------------------------------------------------------------------------------

#: One value of each parameter of the table, as a shape under test would state it.
SAMPLE_VALUES = {
    SH.minCount: "1",
    SH.maxCount: "1",
    SH["class"]: "ex:C",
    SH.datatype: "xsd:string",
    SH.nodeKind: "sh:IRI",
    SH["in"]: "( ex:a )",
    SH.hasValue: "ex:a",
    SH.pattern: '"^a"',
    SH.sparql: '[ sh:select "SELECT $this WHERE { $this <http://example.org/p> ?o }" ]',
}


def test_the_samples_cover_the_table() -> None:
    assert set(SAMPLE_VALUES) == set(CONSTRAINT_COMPONENTS)
    assert set(CONSTRAINT_COMPONENTS) <= SUPPORTED_PARAMETERS


@pytest.mark.parametrize("parameter", list(CONSTRAINT_COMPONENTS), ids=lambda p: p.fragment)
def test_each_component_compiles_to_one_check(parameter: URIRef) -> None:
    shapes = _turtle(
        'ex:N a sh:NodeShape ; sh:targetClass ex:T ; sh:property ex:P . ex:P ropa:ruleId "R" ; '
        f"sh:path ex:p ; <{parameter}> {SAMPLE_VALUES[parameter]} ."
    )
    [plan] = compile_plans(shapes, ox.Store())
    component = CONSTRAINT_COMPONENTS[parameter]
    assert [check.component for check in plan.checks] == [
        str(component).removeprefix(str(SH)).removesuffix("ConstraintComponent")
    ]
    assert plan.rule.constraint_component == str(component)


# --------------------------------------------------------------------------------------------------
# One reader of pyshacl's report
# --------------------------------------------------------------------------------------------------


def _rule(shape: str, *, message: str = "the rule's message", reference: str | None = None) -> Rule:
    return Rule(
        rule_id="R-" + shape.rsplit("/", 1)[-1],
        shape=shape,
        severity=Severity.WARNING,
        title="t",
        description="d",
        article="Art. 1",
        message=message,
        legal_reference=reference,
    )


def test_report_reader() -> None:
    report = Graph()
    s, other = URIRef(EX + "S"), URIRef(EX + "Other")

    def result(shape: URIRef, focus: URIRef | BNode, **more: object) -> None:
        node = BNode()
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.sourceShape, shape))
        report.add((node, SH.focusNode, focus))
        for prop, value in more.items():
            report.add((node, SH[prop], value))  # type: ignore[arg-type]  # rdflib terms

    result(s, URIRef(EX + "a"), resultSeverity=SH.Violation, value=URIRef(EX + "a"))
    result(
        s,
        BNode("b1"),
        resultSeverity=SH.Info,
        resultMessage=Literal("the report's message"),
        value=Literal("7"),
        resultPath=URIRef(EX + "p"),
    )
    result(other, URIRef(EX + "a"), resultSeverity=SH.Violation)  # no rule: skipped
    result(s, URIRef(EX + "c"))  # no severity: skipped
    findings = findings_from_report(report, [_rule(str(s), reference=EX + "art1")])
    assert findings == sorted(findings)
    assert [(f.focus_node, f.severity, f.path, f.message, f.value) for f in findings] == [
        ("_:b1", Severity.INFO, EX + "p", "the report's message", "7"),
        (EX + "a", Severity.VIOLATION, None, "the rule's message", None),
    ]
    assert {(f.rule_id, f.source_shape, f.legal_reference) for f in findings} == {
        ("R-S", str(s), EX + "art1")
    }


#: A node shape with a legal reference holding a property shape without one; the same again, made to
#: run with pyshacl inside the fast engine (a SPARQL constraint with LIMIT cannot be rewritten exactly),
#: with a second property shape that is a blank node.
INHERITANCE = """
ex:N a sh:NodeShape ; ropa:ruleId "N" ; ropa:legalReference ex:parentReference ; sh:targetClass ex:T ;
    sh:property ex:P .
ex:P ropa:ruleId "P" ; sh:path ex:p ; sh:minCount 1 ; sh:message "P needs a value" .
ex:L a sh:NodeShape ; ropa:ruleId "L" ; ropa:legalReference ex:parentReference ; sh:targetClass ex:T ;
    sh:message "L found {$this}" ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/q> ?x } LIMIT 1" ] ;
    sh:property ex:Q, [ ropa:ruleId "B" ; sh:path ex:q ; sh:minCount 2 ; sh:message "B needs two" ] .
ex:Q ropa:ruleId "Q" ; sh:path ex:q ; sh:maxCount 1 ; sh:message "Q has one value at most" .
"""
INHERITANCE_DATA = "ex:a a ex:T ; ex:q 1, 2 . ex:b a ex:T ; ex:p 1 ; ex:q 3 ."


def _described(findings: list[Finding]) -> Counter[tuple[object, ...]]:
    return Counter((f.key, f.value, f.message, f.source_shape, f.legal_reference) for f in findings)


def test_both_engines_take_the_rules_legal_reference_and_message() -> None:
    shapes, data = _turtle(INHERITANCE), _turtle(INHERITANCE_DATA)
    plans = compile_plans(shapes, store_from_graph(data))
    assert {p.rule.rule_id: p.engine for p in plans} == {
        "N": "fast",
        "P": "fast",
        "L": "pyshacl",
        "Q": "pyshacl",
        "B": "pyshacl",
    }
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    reference = run_pyshacl(
        data_graph=data, shapes_graph=shapes, rules=rule_catalogue(shapes, complete=False)
    )
    assert _described(fast) == _described(reference)
    by_rule = {f.rule_id: f for f in fast}
    assert set(by_rule) == {"P", "L", "Q", "B"}
    assert by_rule["B"].source_shape.startswith("_:") and by_rule["B"].message == "B needs two"
    assert by_rule["P"].legal_reference is None and by_rule["Q"].legal_reference is None  # nothing inherited
    assert by_rule["L"].legal_reference == EX + "parentReference"
    assert by_rule["P"].message == "P needs a value"


def test_a_blank_node_shape_is_named_alike_by_both_engines() -> None:
    data = Graph().parse(FAST_FIXTURES / "core-data.ttl")
    shapes = Graph().parse(FAST_FIXTURES / "core-shapes.ttl")
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    reference = run_pyshacl(
        data_graph=data, shapes_graph=shapes, rules=rule_catalogue(shapes, complete=False)
    )

    def named(findings: list[Finding]) -> Counter[tuple[object, ...]]:
        return Counter((f.key, f.value, f.source_shape, f.legal_reference) for f in findings)

    assert named(fast) == named(reference)
    assert {f.source_shape for f in fast if f.rule_id == "T-SPARQL-PROPERTY"} == {
        f"_:{prop}"
        for prop in shapes.objects(None, SH.property)
        if isinstance(prop, BNode) and (prop, ROPA.ruleId, Literal("T-SPARQL-PROPERTY")) in shapes
    }


# --------------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------------


def test_store_from_graph_keeps_blank_node_labels() -> None:
    graph = Graph()
    p, q = URIRef(EX + "p"), URIRef(EX + "q")
    graph.add((BNode("kept"), p, Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))))
    graph.add((BNode("x y"), p, Literal("chat", lang="fr")))  # a label pyoxigraph refuses
    graph.add((URIRef(EX + "s"), q, BNode("x y")))
    store = store_from_graph(graph)
    assert len(store) == 3
    [kept] = store.quads_for_pattern(ox.BlankNode("kept"), None, None)
    assert kept.object == ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    [fresh] = store.quads_for_pattern(None, ox.NamedNode(EX + "p"), ox.Literal("chat", language="fr"))
    [pointer] = store.quads_for_pattern(None, ox.NamedNode(EX + "q"), None)
    assert isinstance(fresh.subject, ox.BlankNode) and fresh.subject == pointer.object  # one node, twice


# --------------------------------------------------------------------------------------------------
# rdflib's query method, replaced while pyshacl runs
# --------------------------------------------------------------------------------------------------


def _query_method() -> Callable[..., object]:
    return processor.SPARQLProcessor.__dict__["query"]  # type: ignore[no-any-return]  # a function


@pytest.mark.parametrize("order", ["first-in-first-out", "first-in-last-out"])
def test_two_threads_in_overlapping_order_put_rdflib_back(order: str) -> None:
    original = _query_method()
    entered = {name: threading.Event() for name in ("a", "b")}
    leave = {name: threading.Event() for name in ("a", "b")}
    left = {name: threading.Event() for name in ("a", "b")}
    errors: list[BaseException] = []

    def session(name: str) -> None:
        try:
            with prepared_sparql():
                entered[name].set()
                assert leave[name].wait(10)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            left[name].set()

    threads = {name: threading.Thread(target=session, args=(name,)) for name in ("a", "b")}
    threads["a"].start()
    assert entered["a"].wait(10)
    threads["b"].start()
    assert entered["b"].wait(10)
    first, last = ("a", "b") if order == "first-in-first-out" else ("b", "a")
    leave[first].set()
    assert left[first].wait(10)
    # one session is still open: the guard still applies to every text rdflib is handed
    assert _query_method() is not original
    with pytest.raises(RopaUsageError, match="SERVICE is not allowed"):
        Graph().query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    leave[last].set()
    for thread in threads.values():
        thread.join(10)
    assert not errors
    assert _query_method() is original


def test_nested_blocks_restore_rdflib() -> None:
    original = _query_method()
    with prepared_sparql():
        with prepared_sparql():
            pass
        assert _query_method() is not original
    assert _query_method() is original


def test_each_text_is_translated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = _turtle("ex:a ex:p 1 . ex:b ex:p 2 .")
    text = "SELECT ?s WHERE { ?s <http://example.org/p> ?o } # test_each_text_is_translated_once"
    expected = sorted(str(row[0]) for row in graph.query(text))  # type: ignore[index]  # SELECT rows
    calls: list[str] = []

    def counting(parsed: Any, base: Any = None, init_ns: Any = None) -> Any:
        calls.append(text)
        return translateQuery(parsed, base, init_ns)

    monkeypatch.setattr(validation, "translateQuery", counting)
    monkeypatch.setattr(validation, "_PREPARED", {})
    with prepared_sparql():
        first = sorted(str(row[0]) for row in graph.query(text))  # type: ignore[index]  # SELECT rows
        second = sorted(str(row[0]) for row in graph.query(text))  # type: ignore[index]  # SELECT rows
    assert first == second == expected == [EX + "a", EX + "b"]
    assert len(calls) == 1
