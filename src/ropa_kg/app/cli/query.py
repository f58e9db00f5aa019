"""``ropa queries`` (list the saved queries) and ``ropa query`` (run one, embedded or on an endpoint)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from ropa_kg.app.cli.app import input_errors_exit_2, main, timeout_option
from ropa_kg.app.cli.credentials import credential_options
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.query.http_auth import Credentials
from ropa_kg.query.limits import (
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT,
    QueryTimeout,
    StreamedResult,
    cut,
    run_limited,
    stream_limited,
)
from ropa_kg.query.queries import (
    DEFAULT_ENGINE,
    ENGINES,
    SavedQuery,
    catalogue,
    page_rows,
    paged,
    parse_params,
    resolve,
    run_query,
)
from ropa_kg.sparql.guard import QueryForm
from ropa_kg.sparql.paging import Window
from ropa_kg.sparql.results import FORMATS, STREAM_FORMATS, ResultTable, render

if TYPE_CHECKING:
    from ropa_kg.query.endpoint import Endpoint


@main.command("queries")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@input_errors_exit_2
def queries_command(fmt: str) -> None:
    """List the saved queries: name, title, parameters (with defaults) and the GDPR article."""
    saved = catalogue()
    if fmt == "json":
        entries = [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "parameters": [
                    {"name": p.name, "type": p.type, "default": p.default, "description": p.doc}
                    for p in q.parameters
                ],
                "article": q.article,
            }
            for q in saved
        ]
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    rows = tuple(
        (
            q.name,
            q.title,
            ", ".join(f"{p.name}={p.default}" for p in q.parameters),
            q.article,
        )
        for q in saved
    )
    from rdflib import Literal

    table = ResultTable(
        QueryForm.SELECT,
        ("name", "title", "parameters", "article"),
        tuple(tuple(Literal(cell) for cell in row) for row in rows),
    )
    click.echo(render(table, fmt), nl=False)


def _record_prefixes(data: tuple[str, ...]) -> dict[str, str]:
    """The prefixes the record's own Turtle files declare (for prefixed names in --param)."""
    from ropa_kg.load.graph import declared_prefixes
    from ropa_kg.load.store import record_files

    return declared_prefixes(record_files(list(data) or None, with_ontology=False))


def _looks_empty(table: ResultTable) -> bool:
    """No rows, or an ASK answered false: what an empty graph gives."""
    if table.form is QueryForm.ASK:
        return not table.rows or str(table.rows[0][0]) != "true"
    return not table.rows


class _Echo:
    """A text sink writing to the command's standard output (click's, so CliRunner sees it)."""

    def write(self, text: str) -> int:
        click.echo(text, nl=False)
        return len(text)


@main.command("query")
@click.argument("name")
@click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a parameter (repeatable)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="csv, tsv and json are written row by row as the rows arrive (bounded memory; a CONSTRUCT's "
    "triples are sorted on disk first; not with --engine rdflib); table and markdown need the whole "
    "result (column widths).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="Page size: at most N rows, computed by the engine (the query's LIMIT; a query with its own "
    "LIMIT/OFFSET gets the intersection). No note: a page is what you asked for.",
)
@click.option(
    "--offset",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Skip the first M rows (the query's OFFSET; with --limit: paging). Stable pages need ORDER BY.",
)
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(path_type=str),
    help="Record file or folder (repeatable; default: the bundled Alumeco record); the ontology is added.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=DEFAULT_ENGINE,
    show_default=True,
    help="Embedded engine.",
)
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL 1.1 query endpoint instead.")
@click.option(
    "--graph",
    "graphs",
    multiple=True,
    metavar="IRI",
    help="With --endpoint: named graph(s) forming the default graph (default: urn:ropa-kg:record).",
)
@click.option(
    "--store-default-graph",
    is_flag=True,
    help="With --endpoint: query the store's own default graph (no default-graph-uri).",
)
@timeout_option(
    default=DEFAULT_TIMEOUT,
    help="Time limit in seconds; a query still running then is stopped (exit 2). A streamed result's "
    "time counts its output too.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    help="Safety cut after --limit: a longer result is cut, with a note on stderr.",
)
@credential_options
@input_errors_exit_2
def query_command(
    name: str,
    params: tuple[str, ...],
    fmt: str,
    data: tuple[str, ...],
    engine: str,
    endpoint: str | None,
    graphs: tuple[str, ...],
    store_default_graph: bool,
    timeout: float,
    max_rows: int,
    limit: int | None,
    offset: int,
    credentials: Credentials | None,
) -> None:
    """Run the saved query NAME (see `ropa queries`) or the query in the file NAME.

    Only read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run; updates, LOAD and SERVICE are
    refused (exit 2). Parameters are bound as RDF terms, never pasted into the query text. A query
    still running after --timeout seconds is stopped (exit 2); a result longer than --max-rows rows is
    cut, with a note on stderr.

    --limit N --offset M ask for one page: the engine computes it (LIMIT/OFFSET are set on the query),
    and ORDER BY makes pages stable. --max-rows stays a safety cut on top of it, with a note; a page
    shorter than --max-rows has none. Exit codes: 0 ok, 2 usage or input error (or time limit).
    """
    query = resolve(name)
    values = parse_params(params)
    target = None
    if endpoint is not None:
        from ropa_kg.query.endpoint import DEFAULT_GRAPH_IRI, Endpoint

        if data:
            raise RopaUsageError(
                "--data is for the embedded engine; with --endpoint the store holds the data"
            )
        if store_default_graph and graphs:
            raise RopaUsageError("--graph and --store-default-graph exclude each other")
        chosen = () if store_default_graph else (graphs or (DEFAULT_GRAPH_IRI,))
        target = Endpoint(endpoint, default_graphs=chosen, timeout=timeout, credentials=credentials)
    elif graphs or store_default_graph or credentials:
        raise RopaUsageError("--graph, --store-default-graph and --user need --endpoint")
    window = Window(limit, offset)
    if target is not None:
        _remote(query, values, target, fmt=fmt, max_rows=max_rows, window=window)
        return
    bindings = query.bindings(values, prefixes=_record_prefixes(data))
    files = list(data) or None
    try:
        if fmt in STREAM_FORMATS and engine == "oxigraph":
            truncated = stream_limited(
                query.text,
                out=_Echo(),
                fmt=fmt,
                files=files,
                bindings=bindings,
                timeout=timeout,
                max_rows=max_rows,
                source=query.path,
                strict=not query.trusted,
                require_activities=True,
                window=window,
            ).truncated
        else:
            limited = run_limited(
                query.text,
                files=files,
                bindings=bindings,
                engine=engine,
                timeout=timeout,
                max_rows=max_rows,
                source=query.path,
                strict=not query.trusted,
                require_activities=True,
                window=window,
            )
            click.echo(render(limited.table, fmt), nl=False)
            truncated = limited.truncated
    except QueryTimeout as exc:
        raise QueryTimeout(f"{exc} (raise the limit with --timeout SECONDS)") from exc
    _cut_note(truncated, max_rows)


def _cut_note(truncated: bool, max_rows: int) -> None:
    if truncated:
        click.echo(f"note: the result was cut at {max_rows} rows (--max-rows); more rows exist", err=True)


def _remote(
    query: SavedQuery, values: Mapping[str, str], target: Endpoint, *, fmt: str, max_rows: int, window: Window
) -> None:
    """Run on an endpoint: streamed for csv/tsv/json, else the whole table (paged by the endpoint)."""
    from ropa_kg.query.endpoint import empty_graph_note, graph_is_empty, stream_remote

    if fmt in STREAM_FORMATS:
        streamed = stream_remote(
            query, target, query.bindings(values), out=_Echo(), fmt=fmt, max_rows=max_rows, window=window
        )
        empty, truncated = _streamed_empty(streamed), streamed.truncated
    else:
        table = page_rows(run_query(paged(query, window), params=values, endpoint=target), window)
        limited = cut(table, max_rows)
        click.echo(render(limited.table, fmt), nl=False)
        empty, truncated = _looks_empty(limited.table), limited.truncated
    if empty and graph_is_empty(target):
        click.echo(empty_graph_note(target), err=True)
    _cut_note(truncated, max_rows)


def _streamed_empty(result: StreamedResult) -> bool:
    return result.rows == 0 and result.form is not QueryForm.ASK


__all__ = [
    "queries_command",
    "query_command",
]
