"""``ropa validate DATA --shapes SHAPES --no-ontology``: any shapes (no ropa: metadata), the files as they
are, SHACL's own report; both engines give the same results; the same input gives the same bytes; a shape
SHACL forbids, or one with SERVICE, is refused with exit 2 and nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SH

from hostile_support import Recorder, recording_server
from ropa_kg.app.cli import main

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ;
  sh:property [ sh:path ( ex:a [ sh:inversePath ex:b ] ) ; sh:minCount 1 ] ;
  sh:property [ sh:path ex:n ; sh:maxInclusive 3 ; sh:datatype xsd:integer ] ;
  sh:or ( [ sh:path ex:c ; sh:minCount 1 ] [ sh:path ex:d ; sh:minCount 1 ] ) .
"""
DATA = """@prefix ex: <http://example.org/> .
ex:t1 a ex:T ; ex:n 5 ; ex:c 1 . ex:t2 a ex:T ; ex:n 2 ; ex:a ex:x . ex:y ex:b ex:x .
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "shapes.ttl").write_text(SHAPES, encoding="utf-8")
    (tmp_path / "data.ttl").write_text(DATA, encoding="utf-8")
    return tmp_path / "data.ttl", tmp_path / "shapes.ttl"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_standard_report_for_any_shapes(files: tuple[Path, Path]) -> None:
    data, shapes = files
    code, out, _ = _run(str(data), "--shapes", str(shapes), "--no-ontology", "--format", "turtle")
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    assert (None, SH.conforms, None) in report
    found = {
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.sourceConstraintComponent)).rsplit("#")[-1],
        )
        for r in report.objects(None, SH.result)
    }
    assert found == {
        ("http://example.org/t1", "MinCountConstraintComponent"),
        ("http://example.org/t1", "MaxInclusiveConstraintComponent"),
        ("http://example.org/t2", "OrConstraintComponent"),
    }
    for result in report.objects(None, SH.result):
        for prop in (SH.focusNode, SH.sourceShape, SH.resultSeverity, SH.resultMessage):
            assert report.value(result, prop) is not None, prop


def test_both_engines_agree_and_the_bytes_repeat(files: tuple[Path, Path]) -> None:
    data, shapes = files
    outs = [
        _run(str(data), "--shapes", str(shapes), "--no-ontology", "--format", "json", "--engine", engine)[1]
        for engine in ("fast", "fast", "pyshacl")
    ]
    assert outs[0] == outs[1]

    def keys(text: str) -> list[tuple[object, ...]]:
        import json

        return sorted(
            (r["focus_node"], r["path"], r["value"], r["source_constraint_component"])
            for r in json.loads(text)["results"]
        )

    assert keys(outs[0]) == keys(outs[2])


def test_a_conforming_record_exits_0(tmp_path: Path, files: tuple[Path, Path]) -> None:
    _, shapes = files
    (tmp_path / "ok.ttl").write_text("<http://example.org/z> <http://example.org/p> 1 .\n", encoding="utf-8")
    code, out, _ = _run(
        str(tmp_path / "ok.ttl"), "--shapes", str(shapes), "--no-ontology", "--format", "text"
    )
    assert code == 0 and out.startswith("conforms: true")


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    yield from recording_server()


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
@pytest.mark.parametrize(
    ("query", "cause"),
    [
        ("SELECT $this WHERE { SERVICE <URL/sparql> { $this ?p ?o } }", "SERVICE is not allowed"),
        ("SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }", "forbids MINUS"),
        ("SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }", "forbids VALUES"),
        ("SELECT $this WHERE { BIND (<URL/x> AS $this) }", "forbids AS $this"),
        ("SELECT $this WHERE { { SELECT ?o WHERE { $this ?p ?o } } }", "must project the pre-bound $this"),
    ],
)
def test_what_shacl_forbids_is_refused_with_exit_2_and_nothing_is_sent(
    query: str, cause: str, engine: str, recorder: Recorder, files: tuple[Path, Path]
) -> None:
    data, shapes = files
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ; "
        f'sh:sparql [ sh:select "{query.replace("URL", recorder.url)}" ] .\n',
        encoding="utf-8",
    )
    code, out, err = _run(str(data), "--shapes", str(shapes), "--no-ontology", "--engine", engine)
    assert code == 2 and out == ""
    assert cause in err and "<http://example.org/S>" in err
    assert recorder.requests == []


def test_plain_shacl_needs_shapes_and_a_fitting_format(files: tuple[Path, Path]) -> None:
    data, shapes = files
    assert _run(str(data), "--no-ontology")[0] == 2
    code, _, err = _run(str(data), "--shapes", str(shapes), "--no-ontology", "--format", "sarif")
    assert code == 2 and "turtle, json or text" in err
