"""The rule set itself: metadata on every rule, the SHACL subset the fast engine can compile, DPV terms
that exist in DPV 2.3, and the same findings with all of DPV loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from ropa_kg.core.namespaces import DPV_FAMILY, EU_GDPR, ROPA
from ropa_kg.core.resources import ontology_dir, shapes_dir
from ropa_kg.load.graph import load_graph, parse_into
from ropa_kg.rules.fast_engine import SUPPORTED_PARAMETERS, TARGET_PARAMETERS
from ropa_kg.rules.shapes import CONSTRAINT_COMPONENTS, load_shapes, rule_catalogue
from ropa_kg.rules.validation import validate

SHAPES = load_shapes()
RULES = rule_catalogue(SHAPES)
DPV_FILES = ["dpv", "eu-gdpr", "pd", "tech", "loc", "legal-eu"]

# Parameters the rule set may use: the targets and constraint components the fast engine compiles (the one
# table, ropa_kg.rules.shapes.CONSTRAINT_COMPONENTS), a rule's own metadata, and SHACL-SPARQL's parts.
ALLOWED_SHAPE_PARAMETERS = {
    *TARGET_PARAMETERS, *CONSTRAINT_COMPONENTS, SH.property, SH.path, SH.severity, SH.message,
    SH.select, SH.prefixes, SH.declare, SH.prefix, SH.namespace,
}  # fmt: skip
FORBIDDEN = {
    SH["or"], SH["and"], SH["not"], SH.node, SH.qualifiedValueShape, SH.deactivated, SH.zeroOrMorePath,
    SH.oneOrMorePath, SH.zeroOrOnePath, SH.closed, SH.rule, SH.target,
}  # fmt: skip


def test_rule_set_has_the_issue_rules() -> None:
    wanted = {
        "ROPA-A30-PURPOSE", "ROPA-A6-LEGAL-BASIS", "ROPA-A30-DATA-SUBJECTS", "ROPA-A30-PERSONAL-DATA",
        "ROPA-A30-RECIPIENTS", "ROPA-A30-RETENTION", "ROPA-A30-SECURITY", "ROPA-A30-CONTROLLER-NAME",
        "ROPA-A30-CONTROLLER-CONTACT", "ROPA-A37-DPO", "ROPA-TRANSFER-MECHANISM", "ROPA-A28-CONTRACT",
        "ROPA-A26-ARRANGEMENT", "ROPA-LI-INTEREST", "ROPA-LI-ASSESSMENT", "ROPA-CONSENT-WITHDRAWAL",
        "ROPA-A9-CONDITION", "ROPA-COOKIE-CONSENT", "ROPA-A26-PAGE-INSIGHTS", "ROPA-PROFILING-DECLARED",
        "ROPA-PROFILING-OBJECTION", "ROPA-RIGHT-COMPLAINT", "ROPA-RIGHT-PORTABILITY",
        "ROPA-A28-DELETE-OR-RETURN",
    }  # fmt: skip
    assert wanted <= set(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_metadata(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert re.fullmatch(r"ROPA-[A-Z0-9]+(-[A-Z0-9]+)*", rule_id)
    assert rule.shape.startswith("https://w3id.org/ropa-kg/shapes#")
    assert re.search(r"\b(Art\.|Directive)", rule.message), "the message names the article"
    assert "Fix:" in rule.message, "the message says how to fix it"
    assert rule.article and rule.title != rule_id
    reference = rule.legal_reference
    assert reference is not None
    assert reference.startswith((str(EU_GDPR), "https://eur-lex.europa.eu/eli/", "https://curia.europa.eu/"))
    shape = URIRef(rule.shape)
    assert len(list(SHAPES.objects(shape, SH.severity))) == 1
    assert len(list(SHAPES.objects(shape, SH.message))) == 1


def test_legal_references_to_dpv_exist(dpv_dir: Path) -> None:
    gdpr = Graph().parse(dpv_dir / "eu-gdpr.ttl")
    for rule in RULES.values():
        if rule.legal_reference and rule.legal_reference.startswith(str(EU_GDPR)):
            assert (URIRef(rule.legal_reference), None, None) in gdpr, rule.rule_id


def test_the_allowed_parameters_are_what_the_fast_engine_compiles() -> None:
    on_shapes = ALLOWED_SHAPE_PARAMETERS - {SH.select, SH.prefix, SH.namespace}  # on constraints, prefixes
    assert on_shapes <= SUPPORTED_PARAMETERS


def test_shapes_use_only_the_compilable_subset() -> None:
    for _s, p, o in SHAPES:
        if str(p).startswith(str(SH)):
            assert p in ALLOWED_SHAPE_PARAMETERS | {SH.alternativePath, SH.inversePath}, p
        assert p not in FORBIDDEN and o not in FORBIDDEN
    for query in SHAPES.objects(None, SH.select):
        text = str(query)
        assert "$this" in text
        assert not re.search(r"\b(VALUES|MINUS|SERVICE)\b", text), "pre-binding forbids these"
    for shape in set(SHAPES.subjects(ROPA.ruleId, None)):
        # the shape raising the result carries the severity and the message
        assert (shape, SH.sparql, None) in SHAPES or (shape, SH.path, None) in SHAPES


def _terms(text: str, prefixes: dict[str, str]) -> set[str]:
    found = set()
    for prefix, ns in prefixes.items():
        for local in re.findall(rf"(?<![\w/#-]){re.escape(prefix)}:([A-Za-z][\w-]*\w)(?![\w*-])", text):
            found.add(ns + local)
    found |= {iri for iri in re.findall(r"<(https://w3id\.org/dpv[^>]*)>", text)}
    return {t for t in found if t.startswith(DPV_FAMILY) and not t.endswith(("#", "/"))}


def test_every_dpv_term_in_the_rules_exists_in_dpv(dpv_terms: frozenset[str]) -> None:
    known = dpv_terms
    prefixes = {p: str(ns) for p, ns in SHAPES.namespaces()}
    files = [*sorted(shapes_dir().glob("*.ttl")), ontology_dir() / "rules.ttl"]
    assert len(files) > 3
    missing = set()
    for path in files:
        missing |= {t for t in _terms(path.read_text(encoding="utf-8"), prefixes) if t not in known}
    assert not missing


def test_no_rdf_statement_is_a_focus_node() -> None:
    result = validate()
    statements = {str(s) for s in result.graph.subjects(RDF.type, RDF.Statement)}
    assert statements, "the Alumeco record reifies its facts"
    assert not statements & {f.focus_node for f in result.active}


@pytest.mark.slow
def test_same_findings_with_all_of_dpv_loaded(dpv_dir: Path) -> None:
    graph = load_graph()
    base = {f.key for f in validate(graph).active}
    for name in DPV_FILES:
        parse_into(graph, dpv_dir / f"{name}.ttl")
    assert {f.key for f in validate(graph).active} == base


def test_findings_do_not_depend_on_provenance() -> None:
    """The same findings once every reification and source sentence is removed from the record."""
    graph = load_graph()
    base = {f.key for f in validate(graph).active}
    provenance = set(graph.subjects(RDF.type, RDF.Statement))
    provenance |= set(graph.subjects(RDF.type, ROPA.SourceSentence))
    provenance |= set(graph.subjects(RDF.type, ROPA.ExternalSource))
    assert len(provenance) > 100
    for node in provenance:
        graph.remove((node, None, None))
    assert {f.key for f in validate(graph).active} == base
