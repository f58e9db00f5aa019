"""Results written as they arrive (csv, tsv, json) and paging (--limit / --offset), embedded and through an
endpoint: the same bytes as the whole table rendered, pages computed by the engine, bounded memory."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from rdflib import BNode, Literal, URIRef

from ropa_kg.app.cli import main
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.terms import plain_literal, to_rdflib
from ropa_kg.query.limits import run_limited, stream_limited
from ropa_kg.query.stream import n3_key, sorted_texts, take, triple_key
from ropa_kg.sparql.guard import QueryForm
from ropa_kg.sparql.paging import WHOLE, Window, page_query, query_window
from ropa_kg.sparql.results import STREAM_FORMATS, ResultTable, StreamWriter, render

XSD = "http://www.w3.org/2001/XMLSchema#"
ORDERED = (
    "PREFIX dpv: <https://w3id.org/dpv#>\n"
    "SELECT ?activity ?purpose WHERE { ?activity a dpv:Process ; dpv:hasPurpose ?purpose }\n"
    "ORDER BY ?activity ?purpose"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# --- paging on the tokens --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "page", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", Window(10, 20), "SELECT * WHERE { ?s ?p ?o } LIMIT 10 OFFSET 20"),
        ("SELECT * WHERE { ?s ?p ?o }", Window(None, 5), "SELECT * WHERE { ?s ?p ?o } OFFSET 5"),
        ("SELECT * WHERE { ?s ?p ?o }", Window(0), "SELECT * WHERE { ?s ?p ?o } LIMIT 0"),
        # the query's own window: the page is taken inside it (rows 6..30 of the result, page of 10 at 20)
        (
            "SELECT * { ?s ?p ?o } OFFSET 5 LIMIT 25",
            Window(10, 20),
            "SELECT * { ?s ?p ?o } LIMIT 5 OFFSET 25",
        ),
        ("SELECT * { ?s ?p ?o } limit 25", Window(10, 30), "SELECT * { ?s ?p ?o } LIMIT 0 OFFSET 30"),
        ("SELECT * { ?s ?p ?o } LIMIT 25", WHOLE, "SELECT * { ?s ?p ?o } LIMIT 25"),
        # a sub-query's LIMIT, a string and an IRI saying LIMIT, a trailing comment: untouched
        (
            'SELECT ?s { { SELECT ?s { ?s ?p "LIMIT 3" } LIMIT 3 } } ORDER BY ?s # LIMIT 9',
            Window(2, 1),
            'SELECT ?s { { SELECT ?s { ?s ?p "LIMIT 3" } LIMIT 3 } } ORDER BY ?s LIMIT 2 OFFSET 1 # LIMIT 9',
        ),
        # a trailing VALUES block stays last
        (
            "SELECT * { ?s ?p ?o } VALUES ?s { <urn:a> }",
            Window(1),
            "SELECT * { ?s ?p ?o } LIMIT 1 VALUES ?s { <urn:a> }",
        ),
    ],
)
def test_page_query_sets_the_outermost_limit_and_offset(text: str, page: Window, expected: str) -> None:
    assert page_query(text, page) == expected


def test_windows_intersect_and_refuse_bad_numbers() -> None:
    assert Window(10, 20).within(Window(25, 5)) == Window(5, 25)
    assert Window(None, 3).within(Window(2)) == Window(0, 3)
    assert Window(4).within(WHOLE) == Window(4)
    assert query_window("SELECT * { ?s ?p ?o } OFFSET 7") == Window(None, 7)
    for bad in (-1, True, 1.5):
        with pytest.raises(ValueError, match="integers >= 0"):
            Window(bad)  # type: ignore[arg-type]  # the point of the test
    with pytest.raises(RopaInputError, match="LIMIT needs an integer") as caught:
        page_query("SELECT *\n{ ?s ?p ?o }\nLIMIT ?x", Window(1), source="q.rq")
    assert caught.value.line == 3 and str(caught.value.path) == "q.rq"


# --- writing row by row ------------------------------------------------------------------------------


def test_the_stream_writer_gives_the_rendered_bytes() -> None:
    rows = (
        (URIRef("https://w3id.org/dpv#Process"), Literal('a\nb, "c"'), None),
        (BNode("x"), plain_literal("05", datatype=XSD + "integer"), Literal("hei", lang="fi")),
        (None, None, None),
    )
    for columns, body in [(("a", "b", "c"), rows), (("a", "b", "c"), ()), ((), ())]:
        table = ResultTable(QueryForm.SELECT, columns, body)
        for fmt in STREAM_FORMATS:
            out = io.StringIO()
            writer = StreamWriter(out, fmt, columns)
            for row in body:
                writer.write(row)
            assert writer.close() == len(body)
            assert out.getvalue() == render(table, fmt), fmt
    assert render(ResultTable(QueryForm.SELECT, ("a", "b", "c"), rows[1:2]), "tsv") == (
        '?a\t?b\t?c\n_:x\t"05"^^<http://www.w3.org/2001/XMLSchema#integer>\t"hei"@fi\n'
    )


def test_triples_sort_as_the_table_sorts_them_also_in_runs_on_disk() -> None:
    terms = [
        ox.NamedNode("urn:a"),
        ox.NamedNode("urn:a-b"),
        ox.BlankNode("b1"),
        ox.BlankNode("b10"),
        ox.Literal("x"),
        ox.Literal('x "quoted"\nsecond line'),
        ox.Literal("x", language="en-gb"),
        ox.Literal("5", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("back\\slash"),
    ]
    for term in terms:
        assert n3_key(term) == to_rdflib(term).n3()  # type: ignore[union-attr]  # never None here
    triples = [(s, p, o) for s in terms[:4] for p in terms[:2] for o in terms]
    expected = sorted(triples, key=lambda t: tuple(to_rdflib(x).n3() for x in t))  # type: ignore[union-attr]
    pairs = [(triple_key(*t), repr(t)) for t in reversed(triples)]
    assert list(sorted_texts(pairs, chunk_rows=7)) == [repr(t) for t in expected]  # 41 runs merged
    assert list(sorted_texts([("k", "1"), ("k", "1"), ("j", "0")], chunk_rows=2, unique=True)) == ["0", "1"]


def test_take_skips_cuts_and_says_whether_max_rows_cut() -> None:
    def taken(offset: int, limit: int | None, max_rows: int) -> tuple[list[str], bool]:
        out: list[str] = []
        _, truncated = take(iter("abcdef"), out.append, offset=offset, limit=limit, max_rows=max_rows)
        return out, truncated

    assert taken(1, None, 3) == (["b", "c", "d"], True)
    assert taken(1, 3, 3) == (["b", "c", "d"], False)  # the page is whole: no note
    assert taken(1, 4, 3) == (["b", "c", "d"], True)
    assert taken(4, 5, 3) == (["e", "f"], False)
    assert taken(9, None, 3) == ([], False)


# --- embedded ----------------------------------------------------------------------------------------


def test_streamed_results_are_the_rendered_results() -> None:
    for text, formats in [
        (ORDERED, ("csv", "json")),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", ("tsv",)),
    ]:
        whole = run_limited(text, max_rows=100_000)
        for fmt in formats:
            out = io.StringIO()
            streamed = stream_limited(text, out=out, fmt=fmt, max_rows=100_000)
            assert out.getvalue() == render(whole.table, fmt)
            assert streamed.rows == len(whole.table.rows) > 20 and not streamed.truncated


def test_streamed_cut_and_ask() -> None:
    out = io.StringIO()
    streamed = stream_limited("SELECT * WHERE { ?s ?p ?o }", out=out, fmt="csv", max_rows=5)
    assert streamed.truncated and streamed.rows == 5 and out.getvalue().count("\n") == 6
    out = io.StringIO()
    stream_limited("ASK { ?s ?p ?o }", out=out, fmt="json")
    assert json.loads(out.getvalue()) == {"head": {}, "boolean": True}
    with pytest.raises(RopaUsageError, match="not ASK"):
        stream_limited("ASK { ?s ?p ?o }", out=out, fmt="json", window=Window(1))


def test_cli_pages_concatenate_to_the_whole_ordered_result(tmp_path: Path) -> None:
    path = tmp_path / "ordered.rq"
    path.write_text(ORDERED, encoding="utf-8")
    whole = run("query", str(path), "--format", "csv")
    assert whole.exit_code == 0, whole.output
    header, *rows = whole.stdout.splitlines()
    assert len(rows) > 10
    pages = [run("query", str(path), "--format", "csv", "--limit", "4", "--offset", str(o)) for o in (0, 4)]
    for page in pages:
        assert page.stdout.splitlines()[0] == header
        assert page.stderr == ""  # a page is no cut: no note
    assert [line for p in pages for line in p.stdout.splitlines()[1:]] == rows[:8]
    table = run("query", str(path), "--limit", "2", "--offset", "1")  # the table format: paged too
    assert table.stdout.splitlines()[-1] == "(2 rows)"
    cut = run("query", str(path), "--format", "csv", "--limit", "5", "--max-rows", "3")
    assert cut.stdout.splitlines()[1:] == rows[:3]
    assert "cut at 3 rows (--max-rows)" in cut.stderr


def test_cli_pages_sorted_triples_and_refuses_paging_ask(tmp_path: Path) -> None:
    whole = run("query", "record-triples", "--format", "tsv", "--max-rows", "100000").stdout
    page = run("query", "record-triples", "--format", "tsv", "--limit", "3", "--offset", "2")
    assert page.stdout.splitlines() == whole.splitlines()[:1] + whole.splitlines()[3:6]
    rdflib_page = run(
        "query", "record-triples", "--format", "tsv", "--limit", "3", "--offset", "2", "--engine", "rdflib"
    )
    assert rdflib_page.stdout == page.stdout
    ask = tmp_path / "ask.rq"
    ask.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    refused = run("query", str(ask), "--limit", "1")
    assert refused.exit_code == 2 and "not ASK" in refused.stderr
    assert run("query", str(ask), "--limit", "-1").exit_code == 2


# --- through an endpoint -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ropa_kg.query.endpoint import OxigraphServer, free_port

    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-store"), free_port()) as running:
        loaded = CliRunner().invoke(main, ["load", "--endpoint", running.query_url])
        assert loaded.exit_code == 0, loaded.output
        yield running.query_url


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
def test_endpoint_answers_are_streamed_and_paged_by_the_store(server: str, tmp_path: Path) -> None:
    path = tmp_path / "ordered.rq"
    path.write_text(ORDERED, encoding="utf-8")
    for fmt in ("csv", "json"):
        embedded = run("query", str(path), "--format", fmt).stdout
        remote = run("query", str(path), "--format", fmt, "--endpoint", server).stdout
        assert remote == embedded
    page = run("query", str(path), "--format", "csv", "--limit", "3", "--offset", "2", "--endpoint", server)
    assert page.stdout.splitlines() == embedded_csv_lines(path)[:1] + embedded_csv_lines(path)[3:6]
    markdown = run("query", str(path), "--format", "markdown", "--limit", "3", "--endpoint", server)
    assert markdown.stdout.count("\n") == 5  # header, rule, 3 rows
    triples = run("query", "record-triples", "--format", "csv", "--limit", "4", "--endpoint", server)
    assert triples.exit_code == 0 and triples.stdout.count("\n") == 5


def embedded_csv_lines(path: Path) -> list[str]:
    return run("query", str(path), "--format", "csv").stdout.splitlines()
