"""``written_graph``: the record as ``load_graph`` parses it, made from the store already loaded (what the
fast engine's pyshacl fallback runs on when a literal the store does not keep as written hangs off a blank
node). It must be the very graph ``load_graph`` gives, triple for triple, blank-node labels included, and
parse again only the files holding such a blank node, never a whole record with DPV's files."""

from __future__ import annotations

from pathlib import Path

import pytest

import ropa_kg.rules.validation as validation
from ropa_kg.load.graph import load_graph
from ropa_kg.load.store import load_store
from ropa_kg.rules.validation import written_graph

PREFIXES = """@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dpv: <https://w3id.org/dpv#> .
"""
#: Lossy literals on blank nodes (one nested in another), on a named node, and a blank node without any.
RECORD = (
    PREFIXES
    + """
ex:pa a dpv:Process ; dpv:hasDataVolume [ a dpv:DataVolume ; ex:count "5000"^^xsd:int ;
    ex:part [ ex:size "01"^^xsd:integer ; ex:span "P0D"^^xsd:duration ] ] ;
  ex:started "2024-01-01"^^xsd:date ; ex:weight "05"^^xsd:integer ;
  ex:plain [ ex:label "kept" ; ex:n "7"^^xsd:integer ] .
"""
)
#: A second file, so that a record of several files is relabelled file by file.
OTHER = (
    PREFIXES
    + """
ex:pb a dpv:Process ; ex:scale [ ex:count "12"^^xsd:short ] ; ex:flag "1"^^xsd:boolean .
"""
)


def _record(tmp_path: Path, **files: str) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}.ttl"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _no_parse_of_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("written_graph parsed the whole record again")

    monkeypatch.setattr(validation, "load_graph", refused)


@pytest.mark.parametrize("with_ontology", [True, False])
def test_the_graph_is_what_load_graph_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_ontology: bool
) -> None:
    paths = _record(tmp_path, record=RECORD, other=OTHER)
    expected = set(load_graph(paths, with_ontology=with_ontology))
    store = load_store(paths, with_ontology=with_ontology)
    _no_parse_of_everything(monkeypatch)
    made = set(written_graph(store, paths=paths, with_ontology=with_ontology))
    assert made == expected, (sorted(map(str, made - expected)), sorted(map(str, expected - made)))


@pytest.mark.parametrize(
    "extra",
    [
        'ex:pa ex:weight "5"^^xsd:integer .',
        'ex:pc ex:part [ ex:size "01"^^xsd:integer , "1"^^xsd:integer ] .',
    ],
    ids=["named", "blank"],
)
def test_a_stored_form_written_as_such_too(tmp_path: Path, extra: str) -> None:
    """``"05"`` and ``"5"`` on one node: the store holds one triple, the files two."""
    paths = _record(tmp_path, record=RECORD + extra + "\n")
    made = written_graph(load_store(paths), paths=paths)
    assert set(made) == set(load_graph(paths))


def test_an_official_example_with_dpv_next_to_it(
    dpv_examples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E0049 writes ``xsd:int`` counts on blank nodes (the example that sent the fallback to rdflib)."""
    paths = [dpv_examples_dir / "E0049.ttl"]
    expected = set(load_graph(paths))
    store = load_store(paths)
    _no_parse_of_everything(monkeypatch)
    assert set(written_graph(store, paths=paths)) == expected
