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
def test_alumeco_is_consistent_and_transfers_to_third_countries_are_inferred() -> None:
    result = reason(load_graph())
    assert result.consistent
    types = set(result.inferred_types())
    assert (str(ALU.Website), str(ROPA.ThirdCountryTransfer)) in types
    assert (str(ALU.Google), str(ROPA.ThirdCountryRecipient)) in types
    # Meta is in Ireland, Netop in Denmark: not third-country recipients.
    assert (str(ALU.Meta), str(ROPA.ThirdCountryRecipient)) not in types
    assert (str(ALU.Netop), str(ROPA.ThirdCountryRecipient)) not in types


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
