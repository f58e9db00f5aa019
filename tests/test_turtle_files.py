"""Every Turtle file of the project parses, and uses only canonical DPV IRIs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

REPO = Path(__file__).resolve().parents[1]
TURTLE = sorted(p for d in ("ontology", "data", "shapes") for p in (REPO / d).rglob("*.ttl"))


def test_the_turtle_files_are_found() -> None:
    folders = {p.relative_to(REPO).parts[0] for p in TURTLE}
    assert folders == {"ontology", "data", "shapes"}
    assert len(TURTLE) >= 12


@pytest.mark.parametrize(
    "path",
    # the 1 MB DPV index takes seconds with rdflib: make test parses it (and tests/test_dpv_index.py reads it)
    [pytest.param(p, marks=pytest.mark.slow) if p.name == "index.ttl" else p for p in TURTLE],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_file_parses(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 0


def test_no_owl_variant_iris() -> None:
    owl_iri = re.compile(r"w3id\.org/dpv(/[a-z/-]+)?/owl#")
    files = [
        p
        for d in ("ontology", "data", "shapes", "queries", "src", "dashboard")
        for p in (REPO / d).rglob("*")
    ]
    texts = [p for p in files if p.is_file() and p.suffix in {".ttl", ".rq", ".py", ".jsonld"}]
    assert texts
    offenders = [str(p) for p in texts if owl_iri.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
