"""The 88 official DPV 2.3 examples, as records written by others: each loads or is refused with file,
line and cause; every door (``ropa stats``, ``ropa validate``, the ``art30-register`` query, the
dashboard) counts the same activities; no official DPV 2.3 term is reported as unknown; and the findings
are the same with and without the official DPV files loaded next to the record.

An example with no process at all (a purpose, a measure or a consent snippet) is refused as a record
without activities, at every door (see ``tests/test_zero_activities.py``).
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph
from rdflib.term import Node

from ropa_kg.app.cli.app import main
from ropa_kg.app.record import load_record
from ropa_kg.core.errors import RopaInputError
from ropa_kg.core.namespaces import bind_prefixes
from ropa_kg.core.terms import to_rdflib
from ropa_kg.load import graph as graph_module
from ropa_kg.load.activities import NoActivitiesError
from ropa_kg.load.graph import parse_into
from ropa_kg.load.reading import read_dpv, read_dpv_graph
from ropa_kg.load.store import (
    load_file,
    load_store,
    record_files,
    record_stats,
    relabel_blank_nodes,
)
from ropa_kg.load.vocabulary import is_known
from ropa_kg.rules import validation
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


@pytest.fixture(scope="module")
def dpv_quads(dpv_dir: Path) -> list[ox.Quad]:
    """The quads of :data:`DPV_FILES` as :func:`load_file` parses them, parsed once for the module (their
    blank nodes as the parser labels them: :func:`with_dpv_store` relabels them with the example's)."""
    scratch = ox.Store()
    for name in DPV_FILES:
        load_file(scratch, dpv_dir / name)
    return list(scratch)


def with_dpv_store(path: Path, dpv_quads: list[ox.Quad]) -> ox.Store:
    """What ``load_store([path, *DPV files])`` makes (its steps: every file loaded, blank nodes relabelled,
    the DPV readings), with the DPV files' quads copied in rather than parsed again for each example."""
    store = ox.Store()
    store.bulk_extend(dpv_quads)
    for file in record_files([path]):  # the project's ontology, then the example
        load_file(store, file)
    relabel_blank_nodes(store)
    read_dpv(store)
    return store


Triples = list[tuple[Node, Node, Node]]


@pytest.fixture(scope="module")
def dpv_triples(dpv_dir: Path) -> Callable[[], Triples]:
    """The triples of :data:`DPV_FILES` as :func:`parse_into` parses them (literals as written), parsed once
    for the module, when first asked for: rdflib takes about ten seconds to parse them, and a third of that
    to copy them."""

    @functools.cache
    def parsed() -> Triples:
        scratch = Graph()
        for name in DPV_FILES:
            parse_into(scratch, dpv_dir / name)
        return list(scratch)

    return parsed


def with_dpv_graph(path: Path, dpv_triples: Callable[[], Triples]) -> Graph:
    """What ``load_graph([path, *DPV files])`` makes (its steps: every file parsed, blank nodes relabelled,
    the DPV readings), with the DPV files' triples copied in rather than parsed again for each example.
    ``validate()`` parses the files with rdflib when a shape runs with pyshacl on a record whose literals
    the store does not keep as written hang off blank nodes (about a dozen of the examples)."""
    graph = bind_prefixes(Graph())
    graph.addN((s, p, o, graph) for s, p, o in dpv_triples())
    for file in record_files([path]):  # the project's ontology, then the example
        parse_into(graph, file)
    graph_module.relabel_blank_nodes(graph)
    read_dpv_graph(graph)
    return graph


_SYMMETRIC_SUFFIX = re.compile(r"-\d+$")


def _unsuffixed(terms: Iterable[object]) -> tuple[str, ...]:
    """Terms as text, blank nodes as ``_:label`` without the suffix of those colour refinement cannot tell
    apart (such nodes keep their hash but may swap their ``-2``, ``-3`` from one load to the next)."""
    return tuple("_:" + _SYMMETRIC_SUFFIX.sub("", str(t)) if isinstance(t, BNode) else repr(t) for t in terms)


def _store_triples(store: ox.Store) -> Counter[tuple[str, ...]]:
    return Counter(
        _unsuffixed(to_rdflib(t) for t in (q.subject, q.predicate, q.object))
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    )


@pytest.mark.slow
def test_the_shared_dpv_store_and_graph_are_what_load_store_and_load_graph_make(
    dpv_examples_dir: Path,
    dpv_dir: Path,
    dpv_quads: list[ox.Quad],
    dpv_triples: Callable[[], Triples],
) -> None:
    """The shortcuts the next test takes give the same triples as ``load_store`` and ``load_graph``."""
    path = dpv_examples_dir / "E0049.ttl"  # blank nodes of its own, next to those of DPV
    paths = [path, *(dpv_dir / f for f in DPV_FILES)]
    expected = _store_triples(load_store(paths))
    assert sum(expected.values()) > 180_000
    assert _store_triples(with_dpv_store(path, dpv_quads)) == expected
    graph = Counter(_unsuffixed(t) for t in with_dpv_graph(path, dpv_triples))
    assert graph == Counter(_unsuffixed(t) for t in graph_module.load_graph(paths))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n not in INVALID])
def test_no_official_term_is_unknown_and_dpv_changes_nothing(
    name: str,
    dpv_examples_dir: Path,
    dpv_dir: Path,
    dpv_quads: list[ox.Quad],
    dpv_triples: Callable[[], Triples],
    shapes_graph: Graph,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The DPV files are parsed once for the module (:func:`with_dpv_store`, :func:`with_dpv_graph`: the
    same triples as loading them again, see the test above); the rule set once for the session."""
    path = dpv_examples_dir / f"{name}.ttl"
    try:
        alone = validate(path, shapes=shapes_graph)
    except NoActivitiesError:
        return
    unknown = {f.value for f in alone.findings if f.rule_id == "ROPA-DPV-TERM"}
    assert not {t for t in unknown if t and is_known(t)}, unknown
    dpv_paths = [dpv_dir / f for f in DPV_FILES]

    def load_graph(paths: list[Path], *, with_ontology: bool) -> Graph:
        assert (list(paths), with_ontology) == ([path, *dpv_paths], True)
        return with_dpv_graph(path, dpv_triples)

    monkeypatch.setattr(validation, "load_graph", load_graph)  # what validate() parses the files with
    with_dpv = validate(path, *dpv_paths, shapes=shapes_graph, store=with_dpv_store(path, dpv_quads))
    assert [f.key for f in with_dpv.findings] == [f.key for f in alone.findings]


@pytest.mark.slow
def test_a_representative_example(dpv_examples_dir: Path) -> None:
    """E0041 (a service with processes, blank sub-processes, legal bases as DPV concepts): every door."""
    test_every_door_counts_the_same_activities("E0041", dpv_examples_dir)
