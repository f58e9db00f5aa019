"""Run one read-only SPARQL query in its own process (started by :mod:`ropa_kg.query.limits`).

The parent can kill this process when the time limit passes, which no thread could do to a running
pyoxigraph or rdflib query. Input (stdin, one JSON object):

* ``query``: the text (already checked read-only by the parent; checked again here);
* ``store``: the folder of an on-disk pyoxigraph store (opened read-only), or ``files`` (record files,
  loaded through the parse-once cache :func:`ropa_kg.load.cache.load_cached` or, with ``engine`` ``rdflib``,
  :func:`ropa_kg.load.graph.load_graph`) and ``with_ontology``;
* ``bindings``: parameter name -> SPARQL JSON term; ``max_rows``.

Output (stdout, JSON lines): ``{"loaded": seconds}`` once the data is loaded, then either
``{"columns": [...], "rows": [[term or null, ...]], "truncated": bool}``, ``{"boolean": bool}`` or
``{"error": message, "kind": "input"|"usage", "path": ..., "line": ...}``. Rows past ``max_rows`` are
never read from the engine, so a result of millions of rows costs no memory.

With ``stream`` (a format of :data:`ropa_kg.sparql.results.STREAM_FORMATS`; pyoxigraph only) the result
is written as it comes, as frames (see :mod:`ropa_kg.query.stream`), then ``{"end": true, "rows": n,
"truncated": bool}``; an ASK answer is ``{"boolean": bool}`` as without it. ``window`` (``limit``,
``offset``) pages a CONSTRUCT or DESCRIBE result after its triples are sorted (a SELECT is paged by the
parent in the query text). Triples are sorted by :func:`ropa_kg.query.stream.triple_key`, before the
result is cut or paged.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.terms import JsonTerm, from_json, json_to_oxigraph, to_json
from ropa_kg.query.stream import (
    Frames,
    SubjectTriples,
    graph_rows,
    graph_texts,
    sorted_texts,
    take,
    take_runs,
    triple_key,
    whole_graph,
    write_run,
)
from ropa_kg.sparql.exists import optimise_query
from ropa_kg.sparql.lists import ListRewrite, ordered_lists
from ropa_kg.sparql.results import StreamWriter, TextSink
from ropa_kg.sparql.whole_graph import is_whole_graph

_TRIPLE_COLUMNS = ("subject", "predicate", "object")


def _ox_key(triple: ox.Triple) -> str:
    """A graph has no order: its triples are sorted as :meth:`ResultTable.triples` sorts them, before
    the result is cut or paged (so the rows kept are the first ones of the printed order)."""
    return triple_key(triple.subject, triple.predicate, triple.object)


def _paged(rows: list[Any], request: dict[str, Any]) -> list[Any]:
    """The sorted triples of a CONSTRUCT or DESCRIBE result within the request's ``window``."""
    window = request.get("window") or {}
    offset, limit = int(window.get("offset") or 0), window.get("limit")
    return rows[offset:] if limit is None else rows[offset : offset + int(limit)]


def _fixed(cell: JsonTerm | None, lists: ListRewrite) -> JsonTerm | None:
    """A result cell with its GROUP_CONCAT lists sorted (see :mod:`ropa_kg.sparql.lists`)."""
    if cell is not None and cell.get("type") == "literal":
        cell["value"] = lists.fix(cell["value"])
    return cell


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _take(rows: Iterable[list[JsonTerm | None]], limit: int) -> tuple[list[list[JsonTerm | None]], bool]:
    out: list[list[JsonTerm | None]] = []
    for row in rows:
        if len(out) >= limit:
            return out, True
        out.append(row)
    return out, False


def _open_store(request: dict[str, Any]) -> ox.Store:
    """The request's store: an on-disk store opened read-only, or its files through the parse-once cache."""
    start = time.perf_counter()
    if request.get("store"):
        store = ox.Store.read_only(request["store"])
    else:
        # parse once: later questions on the same files open the on-disk store of ropa_kg.load.cache
        from ropa_kg.load.cache import load_cached

        loaded = load_cached(request["files"] or None, with_ontology=bool(request.get("with_ontology", True)))
        store = loaded.store
        if request.get("require_activities"):
            _require_activities(store, request)
    _emit({"loaded": time.perf_counter() - start})
    return store


def _substitutions(request: dict[str, Any]) -> dict[ox.Variable, Any]:
    return {
        ox.Variable(name): json_to_oxigraph(term) for name, term in (request.get("bindings") or {}).items()
    }


def _query(store: ox.Store, query: str, substitutions: dict[ox.Variable, Any]) -> tuple[Any, ListRewrite]:
    try:
        # correlated EXISTS filters run once as joins (same answers; see ropa_kg.sparql.exists)
        lists = ordered_lists(query)  # GROUP_CONCAT items in one order (see sparql_lists)
        text = optimise_query(lists.text, bound=frozenset(v.value for v in substitutions))
        result = store.query(text, substitutions=substitutions or None)
    except SyntaxError as exc:
        raise RopaInputError(f"the SPARQL engine cannot parse the query: {exc}", "query") from exc
    return result, lists


def _whole_graph(
    store: ox.Store, query: str, substitutions: dict[ox.Variable, Any]
) -> Iterator[SubjectTriples] | None:
    """The default graph's triples in printed order, read from the store (:func:`whole_graph`), when the
    query asks for the whole graph without parameters; else None (the engine answers it)."""
    if substitutions or not is_whole_graph(query):
        return None
    return whole_graph(store)


def _window(request: dict[str, Any]) -> tuple[int, int | None]:
    window = request.get("window") or {}
    limit = window.get("limit")
    return int(window.get("offset") or 0), None if limit is None else int(limit)


def _run_oxigraph(request: dict[str, Any]) -> dict[str, Any]:
    store = _open_store(request)
    subs = _substitutions(request)
    limit = int(request["max_rows"])
    whole = _whole_graph(store, request["query"], subs)
    if whole is not None:
        offset, count = _window(request)
        kept = itertools.islice(graph_rows(whole), offset, None if count is None else offset + count)
        rows, truncated = _take(([to_json(s), to_json(p), to_json(o)] for s, p, o in kept), limit)
        return {"columns": list(_TRIPLE_COLUMNS), "rows": rows, "truncated": truncated}
    result, lists = _query(store, request["query"], subs)
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    if isinstance(result, ox.QueryTriples):
        ordered = _paged(sorted(result, key=_ox_key), request)
        triples = [[to_json(t.subject), to_json(t.predicate), to_json(t.object)] for t in ordered]
        rows, truncated = _take(triples, limit)
        return {"columns": list(_TRIPLE_COLUMNS), "rows": rows, "truncated": truncated}
    columns = [v.value for v in result.variables]
    solutions = ([_fixed(to_json(s[i]), lists) for i in range(len(columns))] for s in result)
    rows, truncated = _take(solutions, limit)
    return {"columns": columns, "rows": rows, "truncated": truncated}


def _fixed_term(term: Any, lists: ListRewrite) -> Any:
    """A pyoxigraph cell with its GROUP_CONCAT lists sorted (the same fix-up as :func:`_fixed`)."""
    if isinstance(term, ox.Literal) and lists.markers:
        fixed = lists.fix(term.value)
        if fixed != term.value:
            if term.language:
                return ox.Literal(fixed, language=term.language)
            return ox.Literal(fixed, datatype=term.datatype)
    return term


def _stream_oxigraph(request: dict[str, Any]) -> dict[str, Any]:
    """Write the result as frames while it is read (see the module documentation)."""
    store = _open_store(request)
    frames = Frames(sys.stdout.buffer)
    offset, limit = _window(request)
    answer = stream_answer(
        store,
        request["query"],
        frames,
        request["stream"],
        substitutions=_substitutions(request),
        offset=offset,
        limit=limit,
        max_rows=int(request["max_rows"]),
    )
    frames.flush()
    return answer


def stream_answer(
    store: ox.Store,
    query: str,
    out: TextSink,
    fmt: str,
    *,
    substitutions: dict[ox.Variable, Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
    max_rows: int,
) -> dict[str, Any]:
    """Run ``query`` (checked read-only by the caller) on ``store`` and write its result to ``out`` in
    ``fmt`` (one of :data:`~ropa_kg.sparql.results.STREAM_FORMATS`) as the rows come; the answer
    ``{"end": True, "rows": n, "truncated": bool}``, or ``{"boolean": b}`` for ASK (nothing written).

    A CONSTRUCT or DESCRIBE result is printed in :func:`~ropa_kg.query.stream.triple_key` order, then
    ``offset`` and ``limit`` page it; a SELECT is paged in its text. At most ``max_rows`` rows.

    Raises:
        RopaInputError: the engine cannot parse the query.
    """
    subs = substitutions or {}
    whole = _whole_graph(store, query, subs)
    if whole is None:
        result, lists = _query(store, query, subs)
        if isinstance(result, ox.QueryBoolean):
            return {"boolean": bool(result)}
        if not isinstance(result, ox.QueryTriples):
            columns = [v.value for v in result.variables]
            writer = StreamWriter(out, fmt, columns)
            rows = ([_fixed_term(s[i], lists) for i in range(len(columns))] for s in result)
            count, truncated = take(rows, writer.write, max_rows=max_rows)
            writer.close()
            return {"end": True, "rows": count, "truncated": truncated}
    writer = StreamWriter(out, fmt, _TRIPLE_COLUMNS)
    if whole is not None:
        runs = graph_texts(whole, writer)
        count, truncated = take_runs(
            runs, lambda texts: write_run(writer, texts), offset=offset, limit=limit, max_rows=max_rows
        )
    else:
        texts = sorted_texts((_ox_key(t), writer.text((t.subject, t.predicate, t.object))) for t in result)
        count, truncated = take(texts, writer.write_text, offset=offset, limit=limit, max_rows=max_rows)
    writer.close()
    return {"end": True, "rows": count, "truncated": truncated}


def _require_activities(source: ox.Store | Any, request: dict[str, Any]) -> None:
    from ropa_kg.load.activities import require_activities
    from ropa_kg.load.store import record_files

    require_activities(source, files=record_files(request["files"] or None, with_ontology=False))


def _run_rdflib(request: dict[str, Any]) -> dict[str, Any]:
    from rdflib.term import Identifier

    from ropa_kg.load.graph import load_graph
    from ropa_kg.load.safe_input import no_network
    from ropa_kg.sparql.bind import bind_values

    start = time.perf_counter()
    graph = load_graph(request["files"] or None, with_ontology=bool(request.get("with_ontology", True)))
    if request.get("require_activities"):
        _require_activities(graph, request)
    _emit({"loaded": time.perf_counter() - start})
    bindings: dict[str, Identifier] = {k: from_json(v) for k, v in (request.get("bindings") or {}).items()}
    limit = int(request["max_rows"])
    with no_network("query"):  # rdflib would run SERVICE over HTTP; the guard refuses it first
        lists = ordered_lists(request["query"])
        # parameters as a VALUES block, as for an endpoint (see ropa_kg.query.queries.execute_rdflib)
        result = graph.query(bind_values(lists.text, bindings))  # type: ignore[arg-type]  # RDF terms
        if result.type == "ASK":
            return {"boolean": bool(result.askAnswer)}
        if result.type in {"CONSTRUCT", "DESCRIBE"}:
            assert result.graph is not None
            ordered = _paged(sorted(result.graph, key=lambda t: tuple(x.n3() for x in t)), request)
            rows, truncated = _take([[to_json(t) for t in triple] for triple in ordered], limit)
            return {"columns": list(_TRIPLE_COLUMNS), "rows": rows, "truncated": truncated}
        columns = [str(v) for v in (result.vars or [])]
        rows, truncated = _take(([_fixed(to_json(c), lists) for c in row] for row in result), limit)  # type: ignore[union-attr]  # SELECT rows are ResultRow tuples
    return {"columns": columns, "rows": rows, "truncated": truncated}


def main() -> int:
    """Read the request, run it, write the answer; exit 0 also for errors (they are in the answer)."""
    request = json.load(sys.stdin)
    try:
        from ropa_kg.sparql.guard import check_read_only

        check_read_only(request["query"], source="query", strict=False)
        if request.get("stream"):
            answer = _stream_oxigraph(request)
        elif request.get("engine", "oxigraph") == "rdflib":
            answer = _run_rdflib(request)
        else:
            answer = _run_oxigraph(request)
    except RopaInputError as exc:
        path = None if exc.path is None else str(exc.path)
        answer = {"error": exc.cause, "kind": "input", "path": path, "line": exc.line}
    except RopaUsageError as exc:
        answer = {"error": str(exc), "kind": "usage"}
    _emit(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main", "stream_answer"]
