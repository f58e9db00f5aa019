"""`ropa stats`: loads ontology + record and counts; broken input exits 2 naming file, line and cause."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ropa_kg.app.cli import main


def test_stats_on_the_bundled_record_as_json() -> None:
    result = CliRunner().invoke(main, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["activities"] == 10
    assert counts["controllers"] == 1
    assert counts["processors"] == 3  # unnamed customer processors, Netop, Liidio Oy (Leadfeeder)
    assert counts["facts_with_source"] >= 290
    assert counts["triples"] > 3000


def test_stats_text_names_each_count() -> None:
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 0
    assert "activities" in result.output and "10" in result.output


def test_broken_turtle_exit_2_with_file_line_and_cause(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text(
        "@prefix dpv: <https://w3id.org/dpv#> .\n\n<urn:a> a dpv:Process ;\n    dpv:hasPurpose .\n"
    )
    result = CliRunner().invoke(main, ["stats", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}, line 4: syntax error" in result.stderr


def test_undefined_prefix_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "prefix.ttl"
    bad.write_text("@prefix dpv: <https://w3id.org/dpv#> .\nfoo:a a dpv:Process .\n")
    result = CliRunner().invoke(main, ["stats", str(bad)])
    assert result.exit_code == 2
    assert "line 2" in result.stderr and "foo" in result.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["stats", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
