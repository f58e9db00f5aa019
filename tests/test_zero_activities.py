"""A record with no processing activity is never a pass: every door (validate, stats, query, export and
the library's validate()) refuses it with exit 2, says what counts as an activity, and names an old DPV
namespace (file and line) where the record uses one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile_support import run_cli
from ropa_kg.load.activities import NoActivitiesError
from ropa_kg.rules.validation import validate

ZERO = Path(__file__).resolve().parent / "fixtures" / "zero"
DOORS = {
    "validate": ["validate"],
    "validate-pyshacl": ["validate", "--engine", "pyshacl"],
    "stats": ["stats"],
    "export-csv": ["export", "--format", "csv"],
    "export-turtle": ["export", "--format", "turtle"],
    "query": ["query", "art30-register", "--data"],
    "query-rdflib": ["query", "art30-register", "--engine", "rdflib", "--data"],
}
WHAT_COUNTS = "an activity is a node typed dpv:Process (https://w3id.org/dpv#Process)"


def test_both_fixtures_are_here() -> None:
    assert sorted(p.name for p in ZERO.glob("*.ttl")) == ["dpv1.ttl", "other-classes.ttl"]


#: fixture -> what the message names where, and the old namespace it names (None: none)
CASES = {
    "dpv1.ttl": (", line 2", "http://www.w3.org/ns/dpv#"),
    "other-classes.ttl": ("", None),
}


@pytest.mark.parametrize(
    ("door", "name"),
    # make check: each record through ropa validate, and the DPV 1.x one through every door
    [
        (door, name)
        if door == "validate" or name == "dpv1.ttl"
        else pytest.param(door, name, marks=pytest.mark.slow)
        for door in sorted(DOORS)
        for name in sorted(CASES)
    ],
)
def test_a_record_without_activities_is_refused_at_every_door(door: str, name: str) -> None:
    path = ZERO / name
    where, old = CASES[name]
    result = run_cli(*DOORS[door], str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}{where}: no processing activity found: {WHAT_COUNTS}" in result.stderr
    assert "PASSED" not in result.output and result.stdout == ""
    if old is None:
        assert "older DPV release" not in result.stderr
    else:
        assert f"uses {old}, a namespace of an older DPV release" in result.stderr
        assert "DPV 2.x moved to https://w3id.org/dpv#" in result.stderr


def test_the_library_refuses_too() -> None:
    with pytest.raises(NoActivitiesError) as caught:
        validate(ZERO / "dpv1.ttl")
    assert caught.value.path == ZERO / "dpv1.ttl" and caught.value.line == 2


@pytest.mark.parametrize("module", ["", "/pd", "/legal/eu/gdpr"])
def test_an_owl_namespace_is_named_with_its_canonical_one(module: str, tmp_path: Path) -> None:
    """DPV's OWL files put each module under ``<module>/owl#``: the message names the one the file uses and
    the canonical namespace (the OWL form is built here, so that no project file holds one)."""
    canonical = f"https://w3id.org/dpv{module}#"
    owl = canonical.removesuffix("#") + "/owl#"
    path = tmp_path / "owl.ttl"
    path.write_text(f"@prefix x: <{owl}> .\n<https://example.org/a> a x:Process .\n", encoding="utf-8")
    result = run_cli("stats", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}, line 1: no processing activity found" in result.stderr
    assert f"uses {owl}, a namespace of an older DPV release: DPV 2.x moved to {canonical}" in result.stderr
