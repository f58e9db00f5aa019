"""Run one read-only SPARQL query on an on-disk pyoxigraph store, in its own process.

The dashboard's query console starts this script so that a runaway query can be stopped: the parent
kills the process when the time limit passes. Input (stdin, JSON): ``store`` (folder of a store
written by :mod:`ropa_kg.cache`), ``query`` (already checked read-only by the parent), ``max_rows``.
Output (stdout, JSON): ``form``, ``columns``, ``rows`` (SPARQL JSON terms or null) and ``truncated``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pyoxigraph as ox


def term_json(term: Any) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    else:
        out["datatype"] = term.datatype.value
    return out


def main() -> int:
    request = json.load(sys.stdin)
    store = ox.Store.read_only(request["store"])
    limit = int(request["max_rows"])
    result = store.query(request["query"])
    rows: list[list[dict[str, str] | None]] = []
    truncated = False
    if isinstance(result, ox.QueryBoolean):
        json.dump({"boolean": bool(result)}, sys.stdout)
        return 0
    if isinstance(result, ox.QueryTriples):
        columns = ["subject", "predicate", "object"]
        for triple in result:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append([term_json(triple.subject), term_json(triple.predicate), term_json(triple.object)])
    else:
        columns = [v.value for v in result.variables]
        for solution in result:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append([term_json(solution[i]) for i in range(len(columns))])
    json.dump({"columns": columns, "rows": rows, "truncated": truncated}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
