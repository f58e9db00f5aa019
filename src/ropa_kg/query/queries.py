"""Running the saved queries (:mod:`ropa_kg.query.catalogue`) in-process, on pyoxigraph (the default)
or rdflib, and :func:`run_query`, which also sends them to an endpoint (:mod:`ropa_kg.query.endpoint`).

Parameters are bound as RDF terms: pyoxigraph ``substitutions``, a ``VALUES`` block for rdflib and for a
remote endpoint (:mod:`ropa_kg.sparql.bind`), never formatted into the query text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, get_args
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.terms import Term, plain_literal, to_oxigraph, to_rdflib
from ropa_kg.query.catalogue import (
    PARAMETER_TYPES,
    Parameter,
    SavedQuery,
    catalogue,
    check_query,
    parse_iri,
    parse_params,
    parse_query_file,
    resolve,
)
from ropa_kg.sparql.bind import bind_values
from ropa_kg.sparql.exists import optimise_query
from ropa_kg.sparql.guard import QueryForm
from ropa_kg.sparql.lists import ListRewrite, ordered_lists
from ropa_kg.sparql.paging import Window, page_query
from ropa_kg.sparql.results import ResultTable

if TYPE_CHECKING:
    from ropa_kg.query.endpoint import Endpoint

QueryEngine = TypingLiteral["oxigraph", "rdflib"]
ENGINES: tuple[QueryEngine, ...] = get_args(QueryEngine)
#: Chosen by measurement (see the README, section query): pyoxigraph loads and answers faster.
DEFAULT_ENGINE: QueryEngine = "oxigraph"


# --- running ---------------------------------------------------------------------------------------


def _query_oxigraph(
    query: SavedQuery, store: ox.Store, bindings: Mapping[str, Term]
) -> tuple[ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, ListRewrite]:

    query.check()
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(name): to_oxigraph(term) for name, term in bindings.items()
    }
    lists = ordered_lists(query.text)  # GROUP_CONCAT items in one order (see sparql_lists)
    # correlated EXISTS filters run once as joins, not once per row (same answers; see sparql_exists)
    text = optimise_query(lists.text, bound=frozenset(bindings))
    try:
        return store.query(text, substitutions=subs or None), lists
    except SyntaxError as exc:
        raise RopaInputError(f"the SPARQL engine cannot parse the query: {exc}", query.path) from exc


def execute_oxigraph(query: SavedQuery, store: ox.Store, bindings: Mapping[str, Term]) -> ResultTable:
    """Run ``query`` on a pyoxigraph store (its default graph), parameters as ``substitutions``.

    Raises:
        RopaUsageError: the query is not read-only. RopaInputError: it does not parse.
    """

    form = query.check().form
    result, lists = _query_oxigraph(query, store, bindings)
    if isinstance(result, ox.QueryBoolean):
        return ResultTable.ask(bool(result))
    if isinstance(result, ox.QueryTriples):
        return ResultTable.triples(
            form,
            (
                (_req(to_rdflib(t.subject)), _req(to_rdflib(t.predicate)), _req(to_rdflib(t.object)))
                for t in result
            ),
        )
    columns = tuple(v.value for v in result.variables)
    rows = tuple(
        tuple(lists.fix_literal(to_rdflib(solution[i])) for i in range(len(columns))) for solution in result
    )
    return ResultTable(form, columns, rows)


def select_texts(
    query: SavedQuery, store: ox.Store, bindings: Mapping[str, Term] | None = None
) -> list[tuple[str, ...]]:
    """The rows of a SELECT query on a pyoxigraph store as display strings, as
    ``ResultTable.text_rows(compact=False)`` gives them (full IRIs, ``_:id``, literal values, "" for
    unbound), without building rdflib terms: for tables of tens of thousands of rows.

    Raises:
        RopaUsageError: the query is not read-only or not a SELECT. RopaInputError: it does not parse.
    """
    return select_text_table(query, store, bindings)[1]


def select_text_table(
    query: SavedQuery, store: ox.Store, bindings: Mapping[str, Term] | None = None
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The column names and the :func:`select_texts` rows of a SELECT query, from one run.

    Raises:
        RopaUsageError: the query is not read-only or not a SELECT. RopaInputError: it does not parse.
    """
    result, lists = _query_oxigraph(query, store, bindings or {})
    if not isinstance(result, ox.QuerySolutions):
        raise RopaUsageError(f"{query.path}: not a SELECT query")
    columns = tuple(v.value for v in result.variables)
    width = len(columns)

    def text(term: object) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        if isinstance(term, ox.Literal):
            return lists.fix(term.value)
        return str(getattr(term, "value", term))

    return columns, [tuple(text(solution[i]) for i in range(width)) for solution in result]


def paged(query: SavedQuery, window: Window) -> SavedQuery:
    """``query`` asking the engine for one page: a SELECT with ``window`` as its ``LIMIT`` / ``OFFSET``
    (:func:`ropa_kg.sparql.paging.page_query`); a CONSTRUCT or DESCRIBE as it is (its triples are sorted,
    then paged: :func:`page_rows`). ``Window()`` leaves any query as it is.

    Raises:
        RopaUsageError: a window on an ASK query. RopaInputError: a LIMIT/OFFSET without a number.
    """
    if window == Window():
        return query
    form = query.check().form
    if form is QueryForm.ASK:
        raise RopaUsageError("--limit and --offset page SELECT, CONSTRUCT and DESCRIBE results, not ASK")
    if form is not QueryForm.SELECT:
        return query
    return dataclasses.replace(query, text=page_query(query.text, window, source=str(query.path)))


def page_rows(table: ResultTable, window: Window) -> ResultTable:
    """A CONSTRUCT or DESCRIBE table (its sorted triples) within ``window``; a SELECT table as it is
    (:func:`paged` had the engine compute its page)."""
    if table.form not in {QueryForm.CONSTRUCT, QueryForm.DESCRIBE} or window == Window():
        return table
    end = None if window.limit is None else window.offset + window.limit
    return ResultTable(table.form, table.columns, table.rows[window.offset : end])


def _req(term: Term | None) -> Term:
    if term is None:
        raise ValueError("a triple without a term")
    return term


def execute_rdflib(query: SavedQuery, graph: Graph, bindings: Mapping[str, Term]) -> ResultTable:
    """Run ``query`` with rdflib's SPARQL engine, parameters as a ``VALUES`` block, as for an endpoint
    (rdflib's ``initBindings`` do not reach into sub-queries, and a grouped sub-query with no row then
    joins as one empty row: wrong answers; see :mod:`ropa_kg.sparql.bind`).

    Raises:
        RopaUsageError: the query is not read-only. RopaInputError: it does not parse.
    """
    checked = query.check()
    if checked.has_dataset_clause:
        # rdflib would fetch the graphs named by FROM over the network.
        raise RopaUsageError(f"{query.path}: FROM/FROM NAMED are only supported with --endpoint")
    lists = ordered_lists(query.text)  # GROUP_CONCAT items in one order (see sparql_lists)
    result = graph.query(bind_values(lists.text, bindings))
    if result.type == "ASK":
        return ResultTable.ask(bool(result.askAnswer))
    if result.type in {"CONSTRUCT", "DESCRIBE"}:
        assert result.graph is not None
        return ResultTable.triples(
            checked.form,
            ((_req(_norm(s)), _req(_norm(p)), _req(_norm(o))) for s, p, o in result.graph),
        )
    columns = tuple(str(v) for v in (result.vars or []))
    rows = tuple(tuple(lists.fix_literal(_norm(cell)) for cell in row) for row in result)  # type: ignore[union-attr]  # SELECT rows are ResultRow tuples
    return ResultTable(checked.form, columns, rows)


def _norm(term: object) -> Term | None:
    """An rdflib result term with ``xsd:string`` literals made plain (as pyoxigraph's results are)."""
    if isinstance(term, Literal):
        return plain_literal(
            str(term), language=term.language, datatype=str(term.datatype) if term.datatype else None
        )
    if term is None or isinstance(term, URIRef):
        return term
    return term  # type: ignore[return-value]  # a BNode


def run_query(
    query: SavedQuery,
    *,
    params: Mapping[str, str] | None = None,
    engine: QueryEngine = DEFAULT_ENGINE,
    data: Sequence[Path | str] | None = None,
    endpoint: Endpoint | None = None,
) -> ResultTable:
    """Run a saved query with ``params`` (text values; defaults for the rest).

    With ``endpoint`` the query goes to that SPARQL 1.1 endpoint; otherwise the record in ``data``
    (default: the bundled Alumeco record, plus the project's ontology) is loaded and queried in-process
    with ``engine``.

    Raises:
        RopaUsageError: unknown parameter, bad value, or a query that is not read-only.
        RopaInputError: a data file cannot be parsed (names file and line), or the query does not parse.
        EndpointError: the endpoint cannot be reached or answers with an error.
    """
    bindings = query.bindings(params)
    query.check()
    if endpoint is not None:
        from ropa_kg.query.endpoint import run_remote

        return run_remote(query, endpoint, bindings)
    if engine == "rdflib":
        from ropa_kg.load.graph import load_graph

        return execute_rdflib(query, load_graph(list(data) if data else None), bindings)
    if engine == "oxigraph":
        from ropa_kg.load.store import load_store

        return execute_oxigraph(query, load_store(list(data) if data else None), bindings)
    raise RopaUsageError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "PARAMETER_TYPES",
    "Parameter",
    "QueryEngine",
    "QueryForm",
    "SavedQuery",
    "catalogue",
    "check_query",
    "execute_oxigraph",
    "execute_rdflib",
    "page_rows",
    "paged",
    "parse_iri",
    "parse_params",
    "parse_query_file",
    "resolve",
    "run_query",
    "select_text_table",
]
