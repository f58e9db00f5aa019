"""The differential test: the fast engine reports exactly pyshacl's findings (rule id, focus node,
severity, path, value) with the project's rule set, on generated records and on every rules fixture.

On a rule's fixtures the two engines run that rule alone (its shape, the node shape that holds it as a
property, the SPARQL prefixes): pyshacl takes seconds per fixture for the whole rule set, and every rule
is still compared on every fixture of its own; the whole rule set is compared on two fixtures, the
generated records and (tests/test_validate_alumeco.py's record) Alumeco."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH

from ropa_kg.app.generate import generate
from ropa_kg.core.findings import Finding
from ropa_kg.load.graph import load_graph
from ropa_kg.rules.fast_engine import run_fast
from ropa_kg.rules.shapes import load_shapes, rule_catalogue
from ropa_kg.rules.validation import run_pyshacl

REPO = Path(__file__).resolve().parents[1]
EVERYDAY = {"ROPA-TRANSFER-MECHANISM/fail.ttl", "ROPA-RETENTION-FORMAT/fail-text.ttl"}
RULE_FIXTURES = sorted((REPO / "tests" / "fixtures" / "rules").rglob("*.ttl"))


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def _one_rule(shapes: Graph, rule_id: str) -> Graph:
    """The shapes graph of one rule: its shape, the node shapes holding it by sh:property (without their
    other properties), and the sh:declare prefixes, each with its blank nodes."""
    kept = Graph()

    def copy(node: object, *, skip: URIRef | None = None) -> None:
        for triple in shapes.triples((node, None, None)):  # type: ignore[arg-type]
            if triple[1] == skip:
                continue
            kept.add(triple)
            if isinstance(triple[2], BNode):
                copy(triple[2])

    shape = URIRef(rule_catalogue(shapes)[rule_id].shape)
    copy(shape)
    for parent in shapes.subjects(SH.property, shape):
        copy(parent, skip=SH.property)
        kept.add((parent, SH.property, shape))
    for holder in set(shapes.subjects(SH.declare, None)):
        copy(holder)
    return kept


def _bag(findings: list[Finding]) -> Counter[tuple[object, ...]]:
    return Counter((f.key, f.value) for f in findings)


def _compare(data: Graph, shapes: Graph) -> list[Finding]:
    reference = run_pyshacl(data_graph=data, shapes_graph=shapes, rules=rule_catalogue(shapes))
    fast = run_fast(data_graph=data, shapes_graph=shapes)
    only_fast = _bag(fast) - _bag(reference)
    only_reference = _bag(reference) - _bag(fast)
    assert not only_fast and not only_reference, (only_fast, only_reference)
    return fast


def test_rule_fixtures_were_found() -> None:
    assert len(RULE_FIXTURES) >= 20, "the rules fixtures (tests/fixtures/rules/**) are missing"


@pytest.mark.parametrize(
    "fixture",
    [
        p if f"{p.parent.name}/{p.name}" in EVERYDAY else pytest.param(p, marks=pytest.mark.slow)
        for p in RULE_FIXTURES
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_rule_fixture(fixture: Path, shapes: Graph) -> None:
    data = load_graph([fixture])
    if f"{fixture.parent.name}/{fixture.name}" in EVERYDAY:
        _compare(data, shapes)  # the whole rule set
    findings = _compare(data, _one_rule(shapes, fixture.parent.name))
    if fixture.name.startswith("fail"):
        assert fixture.parent.name in {f.rule_id for f in findings}
    else:
        assert findings == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("activities", "organisations", "seed", "fault_rate"), [(20, 4, 1, 0.2), (30, 3, 7, 0.35)]
)
def test_generated_record(
    activities: int, organisations: int, seed: int, fault_rate: float, shapes: Graph, tmp_path: Path
) -> None:
    buffer = io.StringIO()
    summary = generate(
        buffer, activities=activities, organisations=organisations, seed=seed, fault_rate=fault_rate
    )
    path = tmp_path / "record.ttl"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    findings = _compare(load_graph([path]), shapes)
    assert summary.faults["activity_without_purpose"] == sum(
        1 for f in findings if f.rule_id == "ROPA-A30-PURPOSE"
    )
    assert len({f.rule_id for f in findings}) >= 5
