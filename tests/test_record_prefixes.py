"""Prefixed names in --param may use the prefixes the record's own files declare; an undeclared prefix
is a clear error that lists the known prefixes and shows the full-IRI form."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from hostile_support import run_cli
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.query.queries import parse_iri

KETTU = Path(__file__).resolve().parent / "fixtures" / "prefixes" / "kettu.ttl"


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_parameter_may_use_the_records_own_prefix(engine: str) -> None:
    result = run_cli(
        "query", "breach-impact-recipient", "--param", "recipient=kettu:Zendesk",
        "--data", str(KETTU), "--engine", engine, "--format", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["recipient"], r["activity"], r["via"]) for r in rows] == [
        ("https://example.org/kettu#Zendesk", "https://example.org/kettu#CustomerSupport", "processor")
    ]


def test_an_undeclared_prefix_says_how_to_give_the_full_iri() -> None:
    result = run_cli(
        "query", "breach-impact-recipient", "--param", "recipient=repo:Zendesk", "--data", str(KETTU)
    )
    assert result.exit_code == 2
    assert "unknown prefix 'repo:'" in result.stderr
    assert "kettu" in result.stderr  # the record's prefixes are listed among the known ones
    assert "recipient='<https://example.org/ns#Zendesk>'" in result.stderr


def test_the_projects_prefixes_win_over_a_records_redefinition() -> None:
    iri = parse_iri("dpv:Marketing", prefixes={"dpv": "http://www.w3.org/ns/dpv#", "k": "urn:k:"})
    assert str(iri) == "https://w3id.org/dpv#Marketing"
    assert str(parse_iri("k:x", prefixes={"k": "urn:k:"})) == "urn:k:x"
    with pytest.raises(RopaUsageError, match="unknown prefix 'k:'"):
        parse_iri("k:x")
