"""The same answer everywhere: every rule with a question twin gives the answer its saved query gives, on
the Alumeco record, a record with sub-processes, the DPV pattern fixtures, a generated record and the
official DPV 2.3 examples.

Twins: the transfer rule and ``third-country-transfers`` / ``any-transfer-without-mechanism``; the
retention rule and ``activities-without-retention`` / ``retention-per-activity``; the legal-basis rule
and ``activities-by-legal-basis``; the legitimate-interest rules and ``legitimate-interest``; the
consent-withdrawal rule and ``consent-and-withdrawal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ropa_kg.app.generate import generate
from ropa_kg.core.resources import alumeco_dir
from ropa_kg.load.store import load_store, record_stats
from ropa_kg.query.queries import execute_oxigraph, resolve
from ropa_kg.rules.validation import validate
from ropa_kg.sparql.results import ResultTable

FIXTURES = Path(__file__).parent / "fixtures"
PATTERNS = sorted((FIXTURES / "patterns").glob("*/*.ttl"))
RECORDS = [alumeco_dir(), FIXTURES / "sub-processes" / "support.ttl", *PATTERNS]


@dataclass(frozen=True)
class Answers:
    """What the rules and the queries say about one record."""

    findings: dict[str, set[tuple[str, str | None]]]
    tables: dict[str, list[dict[str, str]]]


def answers(path: Path) -> Answers:
    result = validate(path)
    findings: dict[str, set[tuple[str, str | None]]] = {}
    for f in result.findings:  # a notice's finding counts for each activity it affects
        for focus in f.affects or (f.focus_node,):
            findings.setdefault(f.rule_id, set()).add((focus, f.value))
    store = load_store([path])
    names = ("consent-and-withdrawal", "third-country-transfers", "onward-transfers",
             "any-transfer-without-mechanism", "activities-without-retention", "retention-per-activity",
             "activities-by-legal-basis", "legitimate-interest")  # fmt: skip
    return Answers(findings, {name: _rows(execute_oxigraph(resolve(name), store, {})) for name in names})


def _rows(table: ResultTable) -> list[dict[str, str]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.text_rows(compact=False)]


def assert_agree(a: Answers) -> None:
    transfers = {(f, v) for f, v in a.findings.get("ROPA-TRANSFER-MECHANISM", set())}
    missing = {(r["activity"], r["recipient"]) for r in a.tables["third-country-transfers"]
               if r["status"] == "NO MECHANISM"}  # fmt: skip
    stated = {(r["activity"], r["recipient"]) for r in a.tables["third-country-transfers"]
              if r["status"] == "mechanism stated"}  # fmt: skip
    assert transfers == missing - stated
    assert a.tables["any-transfer-without-mechanism"] == [{"result": str(bool(transfers)).lower()}]

    onward = {(f, v) for f, v in a.findings.get("ROPA-TRANSFER-ONWARD", set())}
    assert onward == {
        (r["activity"], r["transfer"]) for r in a.tables["onward-transfers"] if r["status"] == "NO MECHANISM"
    }

    no_retention = {f for f, _ in a.findings.get("ROPA-A30-RETENTION", set())}
    assert no_retention == {r["activity"] for r in a.tables["activities-without-retention"]}
    with_duration = {r["activity"] for r in a.tables["retention-per-activity"] if r["duration"]}
    assert not no_retention & with_duration

    lawful = {
        r["activity"] for r in a.tables["activities-by-legal-basis"] if r["kind"] == "Art. 6(1) lawful basis"
    }
    every = {r["activity"] for r in a.tables["activities-by-legal-basis"]}
    # an activity handling data subjects' requests is ROPA-RIGHTS-HANDLING's, any other ROPA-A6-LEGAL-BASIS's
    no_basis = {
        f for rule in ("ROPA-A6-LEGAL-BASIS", "ROPA-RIGHTS-HANDLING") for f, _ in a.findings.get(rule, set())
    }
    assert no_basis == every - lawful

    consent = a.tables["consent-and-withdrawal"]
    # a duty of the notice: judged where a notice covers the activity (ROPA-NOTICE-RECORDED: the others)
    on_consent = {r["activity"] for r in consent if r["onConsent"] == "true" and r["notice"]}
    withdrawable = {r["activity"] for r in consent if r["withdrawalRight"] == "true" or r["withdrawalMethod"]}
    assert {f for f, _ in a.findings.get("ROPA-CONSENT-WITHDRAWAL", set())} == on_consent - withdrawable

    li = a.tables["legitimate-interest"]
    assert {f for f, _ in a.findings.get("ROPA-LI-INTEREST", set())} == (
        {r["activity"] for r in li} - {r["activity"] for r in li if r["interest"]}
    )
    assert {f for f, _ in a.findings.get("ROPA-LI-ASSESSMENT", set())} == (
        {r["activity"] for r in li}
        - {r["activity"] for r in li if r["assessed"] == "yes" or r["balancingStatement"]}
    )


def test_the_records_were_found() -> None:
    assert len(PATTERNS) >= 24


@pytest.mark.parametrize(
    "path",
    # make check: Alumeco and the sub-process record; make test: every pattern fixture too
    [*RECORDS[:2], *(pytest.param(p, marks=pytest.mark.slow) for p in RECORDS[2:])],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_rules_and_queries_agree(path: Path) -> None:
    assert_agree(answers(path))


@pytest.mark.slow
def test_on_a_generated_record(tmp_path: Path) -> None:
    path = tmp_path / "generated.ttl"
    with path.open("w", encoding="utf-8") as out:
        generate(out, activities=100, seed=0, fault_rate=0.3)
    assert_agree(answers(path))


@pytest.mark.slow
@pytest.mark.parametrize("number", range(1, 89))
def test_on_the_official_examples(number: int, dpv_examples_dir: Path) -> None:
    path = dpv_examples_dir / f"E{number:04d}.ttl"
    if path.stem in ("E0030", "E0059", "E0061"):  # not valid Turtle (tests/test_dpv_examples.py)
        return
    store = load_store([path])
    if not record_stats(store).activities:
        return
    assert_agree(answers(path))
