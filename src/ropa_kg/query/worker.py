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

import json
import sys
import time
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.terms import JsonTerm, from_json, json_to_oxigraph, to_json
from ropa_kg.query.stream import Frames, sorted_texts, take, triple_key
from ropa_kg.sparql.exists import optimise_query
from ropa_kg.sparql.lists import ListRewrite, ordered_lists
from ropa_kg.sparql.results import StreamWriter


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


def _query_oxigraph(request: dict[str, Any]) -> tuple[Any, ListRewrite]:
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
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(name): json_to_oxigraph(term) for name, term in (request.get("bindings") or {}).items()
    }
    try:
        # correlated EXISTS filters run once as joins (same answers; see ropa_kg.sparql.exists)
        lists = ordered_lists(request["query"])  # GROUP_CONCAT items in one order (see sparql_lists)
        text = optimise_query(lists.text, bound=frozenset(v.value for v in subs))
        result = store.query(text, substitutions=subs or None)
    except SyntaxError as exc:
        raise RopaInputError(f"the SPARQL engine cannot parse the query: {exc}", "query") from exc
    return result, lists


def _run_oxigraph(request: dict[str, Any]) -> dict[str, Any]:
    result, lists = _query_oxigraph(request)
    limit = int(request["max_rows"])
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    if isinstance(result, ox.QueryTriples):
        ordered = _paged(sorted(result, key=_ox_key), request)
        triples = [[to_json(t.subject), to_json(t.predicate), to_json(t.object)] for t in ordered]
        rows, truncated = _take(triples, limit)
        return {"columns": ["subject", "predicate", "object"], "rows": rows, "truncated": truncated}
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
    result, lists = _query_oxigraph(request)
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    frames = Frames(sys.stdout.buffer)
    max_rows = int(request["max_rows"])
    if isinstance(result, ox.QueryTriples):
        writer = StreamWriter(frames, request["stream"], ("subject", "predicate", "object"))
        pairs = ((_ox_key(t), writer.text((t.subject, t.predicate, t.object))) for t in result)
        window = request.get("window") or {}
        count, truncated = take(
            sorted_texts(pairs),
            writer.write_text,
            offset=int(window.get("offset") or 0),
            limit=window.get("limit"),
            max_rows=max_rows,
        )
    else:
        columns = [v.value for v in result.variables]
        writer = StreamWriter(frames, request["stream"], columns)
        width = len(columns)
        rows = ([_fixed_term(s[i], lists) for i in range(width)] for s in result)
        count, truncated = take(rows, writer.write, max_rows=max_rows)
    writer.close()
    frames.flush()
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
            return {"columns": ["subject", "predicate", "object"], "rows": rows, "truncated": truncated}
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


__all__ = ["main"]
