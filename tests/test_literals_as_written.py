"""Literals are judged as the data writes them. pyoxigraph stores ``"5"^^xsd:int`` as ``"5"^^xsd:integer``
and ``"01"`` as ``"1"``; rdflib parses without rewriting (``literals_as_written``), and a shape that may
read such a literal runs with pyshacl on the data as written: both engines give SHACL's answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ropa_kg.app.cli import main

DATA = """@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:p "5"^^xsd:int . ex:b ex:p "5"^^xsd:integer . ex:c ex:p "abc"^^xsd:int .
ex:d ex:p "7"^^xsd:long . ex:e ex:p "3"^^xsd:byte . ex:f ex:p "4"^^xsd:nonNegativeInteger .
ex:g ex:q "01"^^xsd:integer . ex:h ex:q "1"^^xsd:integer .
"""
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Int a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:datatype xsd:int ] .
ex:NotInt a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select \"\"\"
  PREFIX ex: <http://example.org/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
  SELECT $this ?value WHERE { $this ex:p ?value FILTER (datatype(?value) != xsd:int) }\"\"\" ] .
ex:Short a sh:NodeShape ; sh:targetSubjectsOf ex:q ; sh:property [ sh:path ex:q ; sh:maxLength 1 ] .
"""
EX = "http://example.org/"


def _results(tmp_path: Path, engine: str) -> set[tuple[str, str, str]]:
    (tmp_path / "data.ttl").write_text(DATA, encoding="utf-8")
    (tmp_path / "shapes.ttl").write_text(SHAPES, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            *("validate", str(tmp_path / "data.ttl"), "--shapes", str(tmp_path / "shapes.ttl")),
            *("--no-ontology", "--format", "json", "--engine", engine),
        ],
    )
    assert result.exit_code == 1, result.output
    return {
        (r["focus_node"], r["source_constraint_component"].rsplit("#")[-1], r["value"])
        for r in json.loads(result.stdout)["results"]
    }


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_datatypes_lexical_forms_and_sparql_see_the_literals_as_written(engine: str, tmp_path: Path) -> None:
    found = _results(tmp_path, engine)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    datatype = {(f, v) for f, c, v in found if c == "DatatypeConstraintComponent"}
    assert datatype == {
        (f"<{EX}b>", f'"5"^^<{xsd}integer>'),
        (f"<{EX}c>", f'"abc"^^<{xsd}int>'),
        (f"<{EX}d>", f'"7"^^<{xsd}long>'),
        (f"<{EX}e>", f'"3"^^<{xsd}byte>'),
        (f"<{EX}f>", f'"4"^^<{xsd}nonNegativeInteger>'),
    }
    sparql = {f for f, c, _ in found if c == "SPARQLConstraintComponent"}
    assert sparql == {f"<{EX}{n}>" for n in "bdef"}
    assert {f for f, c, _ in found if c == "MaxLengthConstraintComponent"} == {f"<{EX}g>"}  # "01" is 2 long
