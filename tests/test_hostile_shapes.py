"""Hostile shapes: a shapes file from a pull request can never make the validator send a request or run
an update. Every SPARQL text of the shapes (constraints, constraint components' validators, SPARQL
targets) passes the one guard before either engine runs; a listener on 127.0.0.1 receives nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from hostile_support import Recorder, recording_server, run_cli
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.resources import alumeco_dir
from ropa_kg.rules.shapes import load_shapes
from ropa_kg.rules.validation import prepared_sparql, run_pyshacl, validate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hostile_shapes"
CASES = {
    "select-service.ttl": ("shape <https://example.org/shapes#Leaky>", "SERVICE is not allowed"),
    "component-service.ttl": (
        "constraint component <https://example.org/shapes#LeakyComponent>",
        "SERVICE is not allowed",
    ),
    "target-update.ttl": ("shape <https://example.org/shapes#Targeted>", "SPARQL Update (DELETE)"),
}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    yield from recording_server()


def shapes_folder(name: str, target: Path, url: str) -> Path:
    folder = target / "shapes"
    folder.mkdir()
    (folder / name).write_text((FIXTURES / name).read_text(encoding="utf-8").replace("SERVER", url), "utf-8")
    return folder


def test_every_fixture_is_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.ttl")) == sorted(CASES)


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_shapes_are_refused_with_exit_2_and_send_nothing(
    name: str, engine: str, recorder: Recorder, tmp_path: Path
) -> None:
    folder = shapes_folder(name, tmp_path, recorder.url)
    result = run_cli("validate", str(alumeco_dir()), "--shapes", str(folder), "--engine", engine)
    where, why = CASES[name]
    assert result.exit_code == 2, result.output
    assert f"{folder / name}: {where}: refused: {why}" in result.stderr
    assert "Traceback" not in result.output
    assert recorder.requests == []


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_shapes_given_as_a_graph_are_guarded_too(engine: str, recorder: Recorder, tmp_path: Path) -> None:
    """The library door: validate(shapes=graph) never loaded through load_shapes()."""
    text = (FIXTURES / "select-service.ttl").read_text(encoding="utf-8").replace("SERVER", recorder.url)
    shapes = Graph().parse(data=text, format="turtle")
    with pytest.raises(RopaUsageError, match="SERVICE is not allowed"):
        validate(shapes=shapes, engine=engine)
    with pytest.raises(RopaUsageError, match="SERVICE is not allowed"):
        run_pyshacl(data_graph=Graph(), shapes_graph=shapes, rules={})
    assert recorder.requests == []


def test_what_rdflib_is_handed_while_pyshacl_runs_is_guarded(recorder: Recorder) -> None:
    """The last door of the pyshacl engine: every text rdflib's SPARQL processor gets."""
    with prepared_sparql(), pytest.raises(RopaUsageError, match="SERVICE is not allowed"):
        Graph().query(f"SELECT * WHERE {{ SERVICE <{recorder.url}/sparql> {{ ?s ?p ?o }} }}")
    assert recorder.requests == []


def test_the_bundled_shapes_pass_the_guard() -> None:
    assert len(load_shapes()) > 100
