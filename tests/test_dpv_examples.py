"""The 88 official DPV 2.3 examples, as records written by others: each loads or is refused with file,
line and cause; every door (``ropa stats``, ``ropa validate``, the ``art30-register`` query, the
dashboard) counts the same activities; no official DPV 2.3 term is reported as unknown; and the findings
are the same with and without the official DPV files loaded next to the record.

An example with no process at all (a purpose, a measure or a consent snippet) is refused as a record
without activities, at every door (see ``tests/test_zero_activities.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from ropa_kg.app.cli.app import main
from ropa_kg.app.record import load_record
from ropa_kg.core.errors import RopaInputError
from ropa_kg.load.activities import NoActivitiesError
from ropa_kg.load.store import load_store, record_stats
from ropa_kg.load.vocabulary import is_known
from ropa_kg.rules.validation import validate

NAMES = [f"E{n:04d}" for n in range(1, 89)]
#: The three examples that are not valid Turtle in DPV 2.3, with the line of the error.
INVALID = {"E0030": 27, "E0059": 31, "E0061": 45}
DPV_FILES = (
    *("dpv.ttl", "eu-gdpr.ttl", "pd.ttl", "tech.ttl", "loc.ttl"),
    *("legal-eu.ttl", "legal.ttl", "risk.ttl", "justifications.ttl"),
)


def test_all_88_examples_are_there(dpv_examples_dir: Path) -> None:
    assert sorted(p.stem for p in dpv_examples_dir.glob("E*.ttl")) == NAMES


@pytest.mark.parametrize(("name", "line"), sorted(INVALID.items()))
def test_an_invalid_example_is_refused_with_file_and_line(
    name: str, line: int, dpv_examples_dir: Path
) -> None:
    path = dpv_examples_dir / f"{name}.ttl"
    with pytest.raises(RopaInputError) as caught:
        load_store([path])
    assert Path(caught.value.path or "") == path
    assert caught.value.line == line
    result = CliRunner().invoke(main, ["stats", str(path)])
    assert result.exit_code == 2
    assert f"{path}, line {line}: syntax error" in result.output and "Traceback" not in result.output


def _activities_everywhere(path: Path) -> dict[str, int]:
    runner = CliRunner()
    stats = runner.invoke(main, ["stats", "--format", "json", str(path)])
    assert stats.exit_code == 0, stats.output
    report = runner.invoke(main, ["validate", "--format", "json", str(path)])
    assert report.exit_code in (0, 1), report.output
    register = runner.invoke(main, ["query", "art30-register", "--format", "json", "--data", str(path)])
    assert register.exit_code == 0, register.output
    rows = json.loads(register.output)["results"]["bindings"]
    return {
        "stats": json.loads(stats.output)["activities"],
        "validate": json.loads(report.output)["activities"],
        "register": len({row["activity"]["value"] for row in rows}),
        "dashboard": len(load_record([str(path)]).activities),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n not in INVALID])
def test_every_door_counts_the_same_activities(name: str, dpv_examples_dir: Path) -> None:
    path = dpv_examples_dir / f"{name}.ttl"
    store = load_store([path])
    if not record_stats(store).activities:  # a purpose, measure or consent snippet: refused everywhere
        result = CliRunner().invoke(main, ["stats", str(path)])
        assert result.exit_code == 2 and "no processing activity" in result.output
        return
    counts = _activities_everywhere(path)
    assert set(counts.values()) == {record_stats(store).activities}, counts


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n not in INVALID])
def test_no_official_term_is_unknown_and_dpv_changes_nothing(
    name: str, dpv_examples_dir: Path, dpv_dir: Path, shapes_graph: Graph
) -> None:
    """The rule set is parsed once for the session (``shapes_graph``, what ``validate()`` would load)."""
    path = dpv_examples_dir / f"{name}.ttl"
    try:
        alone = validate(path, shapes=shapes_graph)
    except NoActivitiesError:
        return
    unknown = {f.value for f in alone.findings if f.rule_id == "ROPA-DPV-TERM"}
    assert not {t for t in unknown if t and is_known(t)}, unknown
    with_dpv = validate(path, *(dpv_dir / f for f in DPV_FILES), shapes=shapes_graph)
    assert [f.key for f in with_dpv.findings] == [f.key for f in alone.findings]


@pytest.mark.slow
def test_a_representative_example(dpv_examples_dir: Path) -> None:
    """E0041 (a service with processes, blank sub-processes, legal bases as DPV concepts): every door."""
    test_every_door_counts_the_same_activities("E0041", dpv_examples_dir)
