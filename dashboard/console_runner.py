"""Ad-hoc SPARQL for the query console: read-only, with a time limit and a row limit.

The text is checked by :func:`ropa_kg.sparql_guard.check_read_only` (no updates, no ``LOAD``, no
``SERVICE``), then run by ``query_worker.py`` in a separate process on the record's on-disk store, so
that a query running past the time limit is killed and leaves the dashboard responsive.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ropa_kg.errors import RopaInputError, RopaUsageError
from ropa_kg.results import ResultTable, from_sparql_json
from ropa_kg.sparql_guard import check_read_only

WORKER = Path(__file__).resolve().parent / "query_worker.py"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 1000


class QueryTimeout(RopaUsageError):
    """The query ran longer than the time limit and was stopped."""


@dataclass(frozen=True)
class LimitedResult:
    """A result cut at ``max_rows`` (``truncated`` says whether rows were left out)."""

    table: ResultTable
    truncated: bool
    seconds: float


def run_limited(
    text: str, *, store_path: Path, timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS
) -> LimitedResult:
    """Run the ad-hoc query ``text`` on the store in ``store_path``.

    Raises:
        RopaUsageError: an update, ``LOAD``, ``SERVICE`` or a dataset clause (``FROM``) was refused.
        RopaInputError: the text is not valid SPARQL (names line and column), or the engine failed.
        QueryTimeout: the query ran longer than ``timeout`` seconds and was stopped.
    """
    checked = check_read_only(text, source="query")
    if checked.has_dataset_clause:
        raise RopaUsageError(
            "refused: FROM / FROM NAMED are not supported in the console; query the default graph"
        )
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    request = json.dumps({"store": str(store_path), "query": text, "max_rows": max_rows}).encode()
    try:
        out, err = process.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        process.communicate()
        raise QueryTimeout(
            f"the query ran longer than the time limit ({timeout:g} s) and was stopped"
        ) from exc
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        raise RopaInputError(
            f"the query failed: {lines[-1] if lines else f'exit {process.returncode}'}", "query"
        )
    data = json.loads(out)
    if "boolean" in data:
        return LimitedResult(ResultTable.ask(bool(data["boolean"])), False, seconds)
    bindings = [
        {name: cell for name, cell in zip(data["columns"], row, strict=True) if cell is not None}
        for row in data["rows"]
    ]
    table = from_sparql_json(
        checked.form, {"head": {"vars": data["columns"]}, "results": {"bindings": bindings}}
    )
    return LimitedResult(table, bool(data["truncated"]), seconds)
