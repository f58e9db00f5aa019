"""The whole graph (``record-triples``: ``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }``) read from the store
subject by subject in printed order: the shape is told from the tokens, and the bytes are those of the
engine's CONSTRUCT sorted as any other (csv, tsv, json; paged and cut; embedded and through the CLI)."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from ropa_kg.app.cli import main
from ropa_kg.load.store import load_store
from ropa_kg.query.catalogue import resolve
from ropa_kg.query.limits import run_limited
from ropa_kg.query.stream import graph_rows, take, take_runs, triple_key, whole_graph
from ropa_kg.query.worker import stream_answer
from ropa_kg.sparql.paging import WHOLE as WHOLE_WINDOW
from ropa_kg.sparql.paging import Window
from ropa_kg.sparql.results import STREAM_FORMATS
from ropa_kg.sparql.whole_graph import is_whole_graph

WHOLE = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
#: The same graph through the engine's CONSTRUCT and the sort on text (not the whole-graph shape).
GENERIC = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(true) }"
#: (offset, limit, max_rows): the whole, pages, a page past the end, a cut.
WINDOWS = [(0, None, 10**9), (2, 5, 10**9), (7, 0, 10**9), (10**6, 3, 10**9), (1, None, 4), (3, 10, 6)]
EMPTY = {"end": True, "rows": 0, "truncated": False}
HAND_WRITTEN = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dpv: <https://w3id.org/dpv#> .
ex:a ex:says "she said \\"hi\\"", "one, two", "line one\\nline two", "back\\\\slash", "tab\\there",
        "plain", "", "dupe"@en, "dupe"@en-GB, "dupe", "7"^^xsd:integer, "7.0"^^xsd:decimal,
        "Grüße"@de, ex:b, _:x, "\\r" .
ex:a a dpv:Process, ex:Thing ; dpv:hasPurpose dpv:ServiceProvision .
_:x ex:next _:y ; ex:label "blank, \\"quoted\\"" ; ex:back ex:a .
_:y ex:label "y" .
<http://example.org/with,comma> ex:p "v" ; <http://example.org/q,p> "w" .
ex:b ex:p ex:a, ex:b, <http://example.org/with,comma> .
"""


# --- the shape ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        WHOLE,
        "PREFIX ex: <http://example.org/>\nBASE <http://example.org/>\n# the record\n"
        "construct{?a ?b ?c}where{?a ?b ?c}",
        "CONSTRUCT { ?s ?p ?o . } { ?s ?p ?o . }",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "CONSTRUCT { $s ?p $o } WHERE { ?s $p ?o }",
    ],
)
def test_the_whole_graph_shape_is_recognised(text: str) -> None:
    assert is_whole_graph(text)


@pytest.mark.parametrize(
    "text",
    [
        "CONSTRUCT { ?s ?p ?s } WHERE { ?s ?p ?s }",  # a repeated variable
        "CONSTRUCT { ?o ?p ?s } WHERE { ?s ?p ?o }",  # another template: the triples turned round
        "CONSTRUCT { ?s ?p ?o . ?o ?p ?s } WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?x } WHERE { ?s ?p ?o }",
        GENERIC,  # a FILTER
        "CONSTRUCT { ?s ?p ?o } FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } VALUES ?s { <http://example.org/a> }",
        "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . ?o ?q ?r }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s <http://example.org/p> ?o }",
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
        "DESCRIBE ?s WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o",
        "PREFIX ex <http://example.org/> CONSTRUCT WHERE { ?s ?p ?o }",
        "",
    ],
)
def test_near_misses_are_not_the_whole_graph(text: str) -> None:
    assert not is_whole_graph(text)


def test_take_runs_keeps_what_take_keeps() -> None:
    items = list(range(23))
    splits = [[5, 1, 7, 10], [23], [1] * 23, [0, 4, 0, 19], [12, 11]]
    for sizes in splits:
        runs, start = [], 0
        for size in sizes:
            runs.append(items[start : start + size])
            start += size
        for offset in (0, 1, 4, 5, 6, 22, 23, 30):
            for limit in (None, 0, 1, 3, 17, 40):
                for max_rows in (0, 2, 5, 23, 100):
                    one: list[int] = []
                    expected = take(items, one.append, offset=offset, limit=limit, max_rows=max_rows)
                    got: list[int] = []
                    answer = take_runs(runs, got.extend, offset=offset, limit=limit, max_rows=max_rows)
                    assert (answer, got) == (expected, one), (sizes, offset, limit, max_rows)


# --- same bytes as the engine's CONSTRUCT, sorted ------------------------------------------------------


def _written(store: ox.Store, text: str, fmt: str, window: tuple[int, int | None, int]) -> tuple[str, dict]:
    out = io.StringIO()
    offset, limit, max_rows = window
    answer = stream_answer(store, text, out, fmt, offset=offset, limit=limit, max_rows=max_rows)
    return out.getvalue(), answer


def assert_same_bytes(store: ox.Store) -> None:
    """The whole-graph path writes what the generic path writes, for every format and window."""
    triples = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for fmt in STREAM_FORMATS:
        for window in WINDOWS:
            fast, fast_answer = _written(store, WHOLE, fmt, window)
            slow, slow_answer = _written(store, GENERIC, fmt, window)
            assert fast == slow, (fmt, window)
            assert fast_answer == slow_answer, (fmt, window)
    whole, answer = _written(store, WHOLE, "csv", WINDOWS[0])
    assert answer == {"end": True, "rows": triples, "truncated": False}
    assert whole.count("\n") >= triples + 1  # the header, each triple (a literal may hold line breaks)
    assert _written(store, WHOLE, "csv", (1, None, 4))[1]["truncated"]


@pytest.fixture(scope="module")
def hand_written() -> ox.Store:
    store = ox.Store()
    store.load(HAND_WRITTEN.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


def test_hand_written_graph_with_awkward_literals_and_blank_nodes(hand_written: ox.Store) -> None:
    assert_same_bytes(hand_written)
    csv_text = _written(hand_written, WHOLE, "csv", WINDOWS[0])[0]
    assert '"she said ""hi"""' in csv_text and '"line one\nline two"' in csv_text  # quoted as csv does
    assert '"http://example.org/with,comma",' in csv_text


def test_rows_come_in_triple_key_order(hand_written: ox.Store) -> None:
    groups = whole_graph(hand_written)
    assert groups is not None
    keys = [triple_key(*row) for row in graph_rows(groups)]
    assert keys == sorted(keys) and len(keys) == len(hand_written) == len(set(keys))


def test_bundled_record(alumeco_store: ox.Store) -> None:
    assert_same_bytes(alumeco_store)


def test_generated_record(tmp_path: Path) -> None:
    path = tmp_path / "generated.ttl"
    made = CliRunner().invoke(main, ["generate", "--activities", "30", "--seed", "3", "--output", str(path)])
    assert made.exit_code == 0, made.output
    assert_same_bytes(load_store([path]))


def test_a_named_graph_is_left_out_as_the_engine_leaves_it_out(hand_written: ox.Store) -> None:
    store = ox.Store()
    for quad in hand_written:
        store.add(quad)
    ex = ox.NamedNode("http://example.org/a")
    store.add(ox.Quad(ex, ex, ox.Literal("in a named graph"), ox.NamedNode("http://example.org/g")))
    assert_same_bytes(store)
    assert "in a named graph" not in _written(store, WHOLE, "tsv", WINDOWS[0])[0]


def test_parameters_take_the_engine_path_and_an_empty_graph_has_no_rows(hand_written: ox.Store) -> None:
    ex = ox.NamedNode("http://example.org/a")
    out = io.StringIO()
    bound = stream_answer(hand_written, WHOLE, out, "tsv", substitutions={ox.Variable("s"): ex}, max_rows=99)
    assert bound["rows"] == sum(1 for _ in hand_written.quads_for_pattern(ex, None, None)) == 19
    assert all(line.startswith("<http://example.org/a>\t") for line in out.getvalue().splitlines()[1:])
    groups = whole_graph(ox.Store())
    assert groups is not None and list(groups) == []
    assert _written(ox.Store(), WHOLE, "csv", WINDOWS[0]) == ("subject,predicate,object\n", EMPTY)


# --- through the worker's other path and the CLI ---------------------------------------------------------


def test_table_rows_paged_and_cut_are_the_generic_ones() -> None:
    for window, max_rows in [
        (WHOLE_WINDOW, 50_000),
        (Window(4, 3), 50_000),
        (Window(10, 5), 6),
        (WHOLE_WINDOW, 7),
    ]:
        fast = run_limited(WHOLE, max_rows=max_rows, window=window)
        slow = run_limited(GENERIC, max_rows=max_rows, window=window)
        assert fast.table == slow.table and fast.truncated == slow.truncated, (window, max_rows)
        assert fast.table.rows
    assert run_limited(WHOLE, max_rows=7).truncated


def test_cli_csv_is_the_generic_csv(tmp_path: Path) -> None:
    generic = tmp_path / "generic.rq"
    generic.write_text(GENERIC, encoding="utf-8")
    runner = CliRunner()
    for extra in ([], ["--limit", "4", "--offset", "3"]):
        saved = runner.invoke(
            main, ["query", "record-triples", "--format", "csv", "--max-rows", "50000", *extra]
        )
        other = runner.invoke(main, ["query", str(generic), "--format", "csv", "--max-rows", "50000", *extra])
        assert saved.exit_code == other.exit_code == 0, saved.output + other.output
        assert saved.stdout == other.stdout and saved.stdout.count("\n") > 4


def test_the_bench_writes_what_the_worker_writes(alumeco_store: ox.Store, tmp_path: Path) -> None:
    """``benchmarks/scale.py`` times the worker's own streaming code (``stream_answer``), not a copy."""
    spec = importlib.util.spec_from_file_location(
        "ropa_scale", Path(__file__).parents[1] / "benchmarks" / "scale.py"
    )
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    for name in ("record-triples", "data-flows"):
        target = tmp_path / f"{name}.csv"
        rows = scale._stream_csv(resolve(name), alumeco_store, target)
        text = GENERIC if name == "record-triples" else resolve(name).text
        expected, answer = _written(alumeco_store, text, "csv", WINDOWS[0])
        assert target.read_text(encoding="utf-8") == expected and rows == answer["rows"] > 0, name
