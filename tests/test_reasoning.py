"""``ropa reason`` and ``ropa validate --reason``: HermiT (through owlready2) on ontology + record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ropa_kg.app.cli import main
from ropa_kg.core.namespaces import ALU, ROPA
from ropa_kg.load.graph import load_graph
from ropa_kg.rules.reasoning import reason

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs a Java runtime"),
    pytest.mark.xdist_group("hermit"),
]
RULES = Path(__file__).parent / "fixtures" / "rules"
CONFLICT = Path(__file__).parent / "fixtures" / "reasoning" / "contradiction.ttl"
EX = "https://example.org/record#"


@pytest.mark.slow  # HermiT on the whole record (Java start + reasoning: about 15 s)
def test_alumeco_is_consistent_and_third_countries_are_inferred() -> None:
    result = reason(load_graph())
    assert result.consistent
    types = set(result.inferred_types())
    # the US parents the platforms pass the data on to are located in a third country ...
    assert (str(ALU.GoogleLLC), str(ROPA.ThirdCountryRecipient)) in types
    assert (str(ALU.MetaInc), str(ROPA.ThirdCountryRecipient)) in types
    # ... but Alumeco's own recipients are in the EEA: Google and Meta in Ireland, Netop in Denmark, so the
    # only third-country transfers are the platforms' onward ones (dpv:hasDataImporter is a recipient)
    for party in (ALU.Google, ALU.Meta, ALU.Netop):
        assert (str(party), str(ROPA.ThirdCountryRecipient)) not in types
    transfers = {s for s, c in types if c == str(ROPA.ThirdCountryTransfer)}
    assert transfers == {str(ALU[f"{p}OnwardTransfer"]) for p in ("Google", "Meta", "LinkedIn")}


@pytest.mark.slow  # HermiT once per culprit candidate; make check keeps the --reason refusal below
def test_contradiction_is_reported_with_the_resource_behind_it() -> None:
    result = CliRunner().invoke(main, ["reason", str(CONFLICT), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["consistent"] is False
    assert report["culprits"] == [EX + "Activity"]
    assert "noRecipients" in report["explanation"]


def test_validate_with_reasoning_stops_on_inconsistency() -> None:
    result = CliRunner().invoke(main, ["validate", "--reason", str(CONFLICT)])
    assert result.exit_code == 1
    assert "inconsistent" in result.stderr and "ropa reason" in result.stderr


@pytest.mark.slow
def test_validate_with_reasoning_on_a_consistent_record() -> None:
    path = RULES / "ROPA-TRANSFER-MECHANISM" / "fail.ttl"
    result = CliRunner().invoke(main, ["validate", "--reason", str(path), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(f["rule_id"], f["focus_node"]) for f in report["findings"]] == [
        ("ROPA-TRANSFER-MECHANISM", EX + "Activity")
    ]
