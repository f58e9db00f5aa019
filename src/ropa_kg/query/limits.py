"""Run a read-only query with a time limit and a row limit (``ropa query`` and the dashboard console).

The query is checked by :mod:`ropa_kg.sparql.guard` (no update, no ``LOAD``, no ``SERVICE``), then run by
:mod:`ropa_kg.query.worker` in a child process on the record (loaded there, or an on-disk store). The
time limit counts from the moment the child has loaded the data: when it passes, the child is killed
and :class:`QueryTimeout` says so. The child stops reading the result after ``max_rows`` rows, so a
result of millions of rows costs neither time nor memory; :attr:`LimitedResult.truncated` says whether
rows were cut.

:func:`stream_limited` writes the result to a text sink as the child reads it (CSV, TSV or JSON, see
:mod:`ropa_kg.query.stream`), for results of millions of rows in bounded memory. Both take a
:class:`~ropa_kg.sparql.paging.Window` (``--limit`` / ``--offset``): a SELECT query gets it as its
``LIMIT`` / ``OFFSET`` (:func:`~ropa_kg.sparql.paging.page_query`: the engine computes the page), a
CONSTRUCT or DESCRIBE result is paged after its triples are sorted; ``max_rows`` then still cuts the page.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.terms import Term, to_json
from ropa_kg.sparql.guard import CheckedQuery, QueryForm, check_read_only
from ropa_kg.sparql.paging import WHOLE, Window, page_query
from ropa_kg.sparql.results import ResultTable, TextSink, from_sparql_json, render

#: ``ropa query``'s default time limit, in seconds.
DEFAULT_TIMEOUT = 30.0
#: ``ropa query``'s default row limit.
DEFAULT_MAX_ROWS = 10_000
#: How long the child may take to start and load the data (the record's size is bounded by
#: :mod:`ropa_kg.load.safe_input`); the time limit starts after that.
LOAD_TIMEOUT = 600.0


_LOAD_TOO_LONG = f"loading the record took longer than {LOAD_TIMEOUT:g} s and was stopped"


class QueryTimeout(RopaUsageError):
    """The query ran longer than the time limit and was stopped (the CLI exits with code 2)."""


@dataclass(frozen=True)
class LimitedResult:
    """A result cut at the row limit (``truncated`` says whether rows were left out); ``seconds`` is the
    query's time, ``load_seconds`` the time the child took to load the data."""

    table: ResultTable
    truncated: bool
    seconds: float
    load_seconds: float = 0.0


def _request(
    text: str,
    *,
    store_path: Path | None,
    files: Sequence[Path | str] | None,
    with_ontology: bool,
    bindings: Mapping[str, Term] | None,
    engine: str,
    timeout: float,
    max_rows: int,
    allow_dataset: bool,
    source: Path | str,
    strict: bool,
    require_activities: bool,
    window: Window,
) -> tuple[CheckedQuery, dict[str, Any]]:
    """The checked query and the worker's request (the page set on a SELECT's text)."""
    if timeout <= 0 or max_rows < 1:
        raise RopaUsageError("the time limit must be positive and the row limit at least 1")
    checked = check_read_only(text, source=source, strict=strict)
    if checked.has_dataset_clause and not allow_dataset:
        raise RopaUsageError(
            "refused: FROM / FROM NAMED are not supported in the console; query the default graph"
        )
    if checked.has_dataset_clause and engine == "rdflib":
        raise RopaUsageError(f"{source}: FROM/FROM NAMED are only supported with --endpoint")
    paged = window != WHOLE
    if paged and checked.form is QueryForm.ASK:
        raise RopaUsageError("--limit and --offset page SELECT, CONSTRUCT and DESCRIBE results, not ASK")
    if paged and checked.form is QueryForm.SELECT:
        text = page_query(text, window, source=str(source))
    request: dict[str, Any] = {
        "query": text,
        "store": str(store_path) if store_path is not None else None,
        "files": [str(p) for p in files or []],
        "with_ontology": with_ontology,
        "bindings": {name: to_json(term) for name, term in (bindings or {}).items()},
        "engine": engine,
        "max_rows": max_rows,
        "require_activities": require_activities,
        "window": {"limit": window.limit, "offset": window.offset} if paged else None,
    }
    return checked, request


def _reader(stream: IO[bytes], out: queue.Queue[bytes | None]) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def run_limited(
    text: str,
    *,
    store_path: Path | None = None,
    files: Sequence[Path | str] | None = None,
    with_ontology: bool = True,
    bindings: Mapping[str, Term] | None = None,
    engine: str = "oxigraph",
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    allow_dataset: bool = True,
    source: Path | str = "query",
    strict: bool = True,
    require_activities: bool = False,
    window: Window = WHOLE,
) -> LimitedResult:
    """Run the query ``text`` on the store in ``store_path``, or on the record in ``files`` (default:
    the bundled Alumeco record; the project's ontology is added with ``with_ontology``).

    ``bindings`` are bound as RDF terms (never formatted into the text). ``strict`` parses the text
    fully before running it (see :func:`ropa_kg.sparql.guard.check_read_only`). With
    ``require_activities`` a record (``files``) without a processing activity is refused
    (:func:`ropa_kg.load.activities.require_activities`). ``window`` pages the result (see the module
    documentation).

    Raises:
        RopaUsageError: an update, ``LOAD``, ``SERVICE``, (without ``allow_dataset``) ``FROM``, or a
            ``window`` on an ASK query.
        RopaInputError: the text is not valid SPARQL, a record file cannot be loaded (names file,
            line and cause), or (``require_activities``) the record holds no activity.
        QueryTimeout: the query ran longer than ``timeout`` seconds and was stopped.
    """
    checked, request = _request(
        text,
        store_path=store_path,
        files=files,
        with_ontology=with_ontology,
        bindings=bindings,
        engine=engine,
        timeout=timeout,
        max_rows=max_rows,
        allow_dataset=allow_dataset,
        source=source,
        strict=strict,
        require_activities=require_activities,
        window=window,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "ropa_kg.query.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    lines: queue.Queue[bytes | None] = queue.Queue()
    errors: list[bytes] = []
    readers = [
        threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True),
        threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True),  # type: ignore[union-attr]  # checked above
    ]
    for reader in readers:
        reader.start()
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
        try:
            loaded = _next(lines, LOAD_TIMEOUT, process, errors)
        except queue.Empty as exc:
            raise QueryTimeout(_LOAD_TOO_LONG) from exc
        start = time.perf_counter()
        if "loaded" not in loaded:
            return _answer(loaded, checked.form, 0.0, 0.0)
        try:
            answer = _next(lines, timeout, process, errors)
        except queue.Empty as exc:
            raise QueryTimeout(
                f"the query ran longer than the time limit ({timeout:g} s) and was stopped"
            ) from exc
        return _answer(answer, checked.form, time.perf_counter() - start, float(loaded["loaded"]))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for reader in readers:  # the pipes are at their end now: the readers finish, then they close
            reader.join(timeout=5)
        process.stdout.close()
        process.stderr.close()


@dataclass(frozen=True)
class StreamedResult:
    """What :func:`stream_limited` wrote: the query's form, the number of rows, whether ``max_rows``
    cut rows, the query's time (with its output) and the child's loading time."""

    form: QueryForm
    rows: int
    truncated: bool
    seconds: float
    load_seconds: float = 0.0


def stream_limited(
    text: str,
    *,
    out: TextSink,
    fmt: str,
    store_path: Path | None = None,
    files: Sequence[Path | str] | None = None,
    with_ontology: bool = True,
    bindings: Mapping[str, Term] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    allow_dataset: bool = True,
    source: Path | str = "query",
    strict: bool = True,
    require_activities: bool = False,
    window: Window = WHOLE,
) -> StreamedResult:
    """Run the query as :func:`run_limited` does (pyoxigraph) and write its result to ``out`` in ``fmt``
    (one of :data:`~ropa_kg.sparql.results.STREAM_FORMATS`) while the child reads it: the same text as
    ``render(run_limited(...).table, fmt)``, without holding the rows. The time limit covers the query
    and its output; rows written before it passed stay written.

    Raises:
        RopaUsageError, RopaInputError: as :func:`run_limited` (before anything is written).
        QueryTimeout: the query ran longer than ``timeout`` seconds and was stopped.
    """
    checked, request = _request(
        text,
        store_path=store_path,
        files=files,
        with_ontology=with_ontology,
        bindings=bindings,
        engine="oxigraph",
        timeout=timeout,
        max_rows=max_rows,
        allow_dataset=allow_dataset,
        source=source,
        strict=strict,
        require_activities=require_activities,
        window=window,
    )
    request["stream"] = fmt
    process = subprocess.Popen(
        [sys.executable, "-m", "ropa_kg.query.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)  # type: ignore[union-attr]  # checked above
    reader.start()
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        process.kill()

    timer = threading.Timer(LOAD_TIMEOUT, stop)
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
        timer.start()
        try:
            loaded = _message(process, errors, fired, LOAD_TIMEOUT)
        except QueryTimeout as exc:
            raise QueryTimeout(_LOAD_TOO_LONG) from exc
        timer.cancel()
        if "loaded" not in loaded:
            _answer(loaded, checked.form, 0.0, 0.0)  # raises the error
        timer = threading.Timer(timeout, stop)
        timer.start()
        start = time.perf_counter()
        while True:
            message = _message(process, errors, fired, timeout)
            if "chunk" in message:
                out.write(process.stdout.read(int(message["chunk"])).decode("utf-8"))
                continue
            seconds = time.perf_counter() - start
            if "boolean" in message:
                out.write(render(ResultTable.ask(bool(message["boolean"])), fmt))
                return StreamedResult(QueryForm.ASK, 1, False, seconds, float(loaded["loaded"]))
            if "end" not in message:
                _answer(message, checked.form, 0.0, 0.0)  # raises the error
            return StreamedResult(
                checked.form,
                int(message["rows"]),
                bool(message["truncated"]),
                seconds,
                float(loaded["loaded"]),
            )
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=5)
        process.stdout.close()
        process.stderr.close()


def _message(
    process: subprocess.Popen[bytes], errors: list[bytes], fired: threading.Event, timeout: float
) -> dict[str, Any]:
    """The child's next JSON line; a killed or failed child raises."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if line:
        message: dict[str, Any] = json.loads(line)
        return message
    process.wait()
    if fired.is_set():
        raise QueryTimeout(f"the query ran longer than the time limit ({timeout:g} s) and was stopped")
    text = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
    raise RopaInputError(f"the query failed: {text[-1] if text else f'exit {process.returncode}'}", "query")


def _next(
    lines: queue.Queue[bytes | None], timeout: float, process: subprocess.Popen[bytes], errors: list[bytes]
) -> dict[str, Any]:
    line = lines.get(timeout=timeout)
    if line is None:
        process.wait()
        text = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
        raise RopaInputError(
            f"the query failed: {text[-1] if text else f'exit {process.returncode}'}", "query"
        )
    message: dict[str, Any] = json.loads(line)
    return message


def _answer(answer: dict[str, Any], form: Any, seconds: float, load_seconds: float) -> LimitedResult:
    if "error" in answer:
        if answer.get("kind") == "usage":
            raise RopaUsageError(answer["error"])
        raise RopaInputError(answer["error"], answer.get("path"), answer.get("line"))
    if "boolean" in answer:
        return LimitedResult(ResultTable.ask(bool(answer["boolean"])), False, seconds, load_seconds)
    columns = answer["columns"]
    rows = [
        {name: cell for name, cell in zip(columns, row, strict=True) if cell is not None}
        for row in answer["rows"]
    ]
    table = from_sparql_json(form, {"head": {"vars": columns}, "results": {"bindings": rows}})
    if form in {QueryForm.CONSTRUCT, QueryForm.DESCRIBE}:
        table = ResultTable.triples(form, table.rows)  # type: ignore[arg-type]  # triples are full rows
    return LimitedResult(table, bool(answer["truncated"]), seconds, load_seconds)


def cut(table: ResultTable, max_rows: int) -> LimitedResult:
    """``table`` cut at ``max_rows`` rows (for results that arrive whole, e.g. from an endpoint)."""
    truncated = len(table.rows) > max_rows
    rows = table.rows[:max_rows] if truncated else table.rows
    return LimitedResult(ResultTable(table.form, table.columns, rows), truncated, 0.0)


__all__ = [
    "DEFAULT_MAX_ROWS",
    "DEFAULT_TIMEOUT",
    "LimitedResult",
    "QueryTimeout",
    "StreamedResult",
    "cut",
    "run_limited",
    "stream_limited",
]
