"""Ad-hoc SPARQL for the query console: read-only, with a time limit and a row limit.

A thin layer over :func:`ropa_kg.query.limits.run_limited` (the same runner ``ropa query`` uses): the text is
checked by :func:`ropa_kg.sparql.guard.check_read_only` (no updates, no ``LOAD``, no ``SERVICE``; the
console also refuses ``FROM``), then run by :mod:`ropa_kg.query.worker` in a separate process on the
record's on-disk store, so that a query running past the time limit is killed and leaves the dashboard
responsive, and a result is never read past the row limit.
"""

from __future__ import annotations

from pathlib import Path

from ropa_kg.query.limits import LimitedResult, QueryTimeout
from ropa_kg.query.limits import run_limited as _run_limited

#: The console's defaults (smaller than ``ropa query``'s: a browser table, not a file).
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 1000


def run_console_query(
    text: str, *, store_path: Path, timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS
) -> LimitedResult:
    """Run the ad-hoc query ``text`` on the store in ``store_path``.

    Raises:
        RopaUsageError: an update, ``LOAD``, ``SERVICE`` or a dataset clause (``FROM``) was refused.
        RopaInputError: the text is not valid SPARQL (names line and column), or the engine failed.
        QueryTimeout: the query ran longer than ``timeout`` seconds and was stopped.
    """
    return _run_limited(text, store_path=store_path, timeout=timeout, max_rows=max_rows, allow_dataset=False)


__all__ = ["DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "LimitedResult", "QueryTimeout", "run_console_query"]
