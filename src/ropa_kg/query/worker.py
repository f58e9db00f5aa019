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
from ropa_kg.sparql.exists import optimise_query
from ropa_kg.sparql.lists import ListRewrite, ordered_lists


def _triple_key(row: list[JsonTerm | None]) -> list[str]:
    """A graph has no order: its triples are sorted (the same subset is kept when the result is cut)."""
    return [json.dumps(cell, sort_keys=True) for cell in row]


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


def _run_oxigraph(request: dict[str, Any]) -> dict[str, Any]:
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
    limit = int(request["max_rows"])
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    if isinstance(result, ox.QueryTriples):
        triples = [[to_json(t.subject), to_json(t.predicate), to_json(t.object)] for t in result]
        rows, truncated = _take(sorted(triples, key=_triple_key), limit)
        return {"columns": ["subject", "predicate", "object"], "rows": rows, "truncated": truncated}
    columns = [v.value for v in result.variables]
    solutions = ([_fixed(to_json(s[i]), lists) for i in range(len(columns))] for s in result)
    rows, truncated = _take(solutions, limit)
    return {"columns": columns, "rows": rows, "truncated": truncated}


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
            found = [[to_json(t) for t in triple] for triple in result.graph]
            rows, truncated = _take(sorted(found, key=_triple_key), limit)
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
        if request.get("engine", "oxigraph") == "rdflib":
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
