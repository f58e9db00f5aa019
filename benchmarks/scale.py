"""The "questions and rules at scale" part of ``make bench`` (issue 17): push-down against copy validation
on real stores, and the saved queries as ``ropa query`` runs them at 100,000 activities.

A developer script beside ``bench.py`` (loaded by it with ``_sibling``; not part of the package).

* **Push-down vs copy.** For each store (Oxigraph: ``oxigraph serve-read-only`` on an on-disk store made with
  its bulk loader; Virtuoso 7.2: ``bench.virtuoso_with_record``) and size, the record is loaded once as
  ``ropa load`` writes it (record, ontology, DPV facts), then two fresh child processes run
  ``ropa validate --endpoint URL --graph IRI --format json`` in-process: the default (the rules inside the
  store) and ``--copy`` (the graph copied out with ``record-triples`` and validated here). Each reports its
  wall time and peak RSS (the parent's ``measure``), the bytes of HTTP answers it read (every
  ``http.client.HTTPResponse.read``), the number of findings, and, for push-down, the rules run on a copy.
* **Saved queries as ``ropa query`` runs them.** Every saved query with its default parameters through
  ``ropa query NAME --format csv --output FILE`` in-process on the record already in memory (the
  streaming writer; load excluded), and the register ``ropa export`` writes, timed at the largest size.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["pushdown_child", "queries_child", "run_pushdown", "scale_sections"]

#: The named graph the Oxigraph store holds the record in.
GRAPH = "urn:ropa-kg:bench"
#: The first heading of :func:`scale_sections` (``bench.SCALE_HEADING``).
HEADING = "## Saved queries as `ropa query NAME --format csv` runs them"
#: Per child, seconds.
CHILD_TIMEOUT = 1800.0


# --------------------------------------------------------------------------------------------------
# children
# --------------------------------------------------------------------------------------------------


def _count_http_bytes() -> list[int]:
    """Count the bytes every HTTP answer gives its reader (patched into this child process only)."""
    received = [0]
    original = http.client.HTTPResponse.read

    def read(self: http.client.HTTPResponse, amt: int | None = None) -> bytes:
        data = original(self, amt)
        received[0] += len(data)
        return data

    http.client.HTTPResponse.read = read  # type: ignore[method-assign]
    return received


def pushdown_child(spec: str) -> dict[str, object]:
    """``ropa validate --endpoint`` as the CLI runs it; ``spec`` is JSON: url, graph, mode (push|copy)."""
    from click.testing import CliRunner

    from ropa_kg.app.cli import main

    wanted = json.loads(spec)
    received = _count_http_bytes()
    args = ["validate", "--endpoint", wanted["url"], "--graph", wanted["graph"], "--format", "json"]
    args += ["--today", "2026-06-01"] + (["--copy"] if wanted["mode"] == "copy" else [])
    if wanted.get("user"):
        args += ["--user", wanted["user"]]
    t0 = time.perf_counter()
    result = CliRunner().invoke(main, args)
    seconds = time.perf_counter() - t0
    if result.exit_code not in (0, 1):
        return {"error": (result.stderr or result.output)[-300:], "exit": result.exit_code}
    report = json.loads(result.stdout)
    note = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    return {
        "validate_seconds": seconds,
        "findings": len(report["findings"]),
        "bytes_received": received[0],
        "note": note[:400],
    }


def queries_child(record: str) -> dict[str, object]:
    """Each saved query through ``ropa query NAME --format csv --output FILE`` (the record loaded once,
    excluded), and the register of ``ropa export``: seconds and rows."""
    import tempfile

    from ropa_kg.load.store import load_store
    from ropa_kg.query.queries import catalogue

    t0 = time.perf_counter()
    store = load_store([Path(record)])
    load_seconds = time.perf_counter() - t0
    results: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for query in catalogue():
            target = Path(folder) / f"{query.path.stem}.csv"
            t0 = time.perf_counter()
            rows = _stream_csv(query, store, target)
            results[query.path.stem] = {"seconds": time.perf_counter() - t0, "rows": rows}
    register = _register_seconds(store)
    return {"load_seconds": load_seconds, "queries": results, "register": register}


def _stream_csv(query: Any, store: Any, target: Path) -> int:
    """What ``ropa query NAME --format csv`` writes (its worker's streaming path,
    ``ropa_kg.query.worker.stream_answer``, on a store already in memory), into ``target``; the rows."""
    import pyoxigraph as ox

    from ropa_kg.core.terms import to_oxigraph
    from ropa_kg.query import worker

    query.check()
    subs = {ox.Variable(name): to_oxigraph(term) for name, term in query.bindings(None).items()}
    with target.open("w", encoding="utf-8", newline="") as out:
        answer = worker.stream_answer(store, query.text, out, "csv", substitutions=subs, max_rows=10**9)
        if "boolean" in answer:
            out.write(f"{answer['boolean']}\n")
            return 1
    return int(answer["rows"])


def _register_seconds(store: Any) -> dict[str, float | int]:
    from ropa_kg.render.export import register

    t0 = time.perf_counter()
    built = register(store)
    rows = len(built.rows)
    return {"seconds": time.perf_counter() - t0, "rows": rows}


# --------------------------------------------------------------------------------------------------
# the parent
# --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def oxigraph_with_record(record: Path, work: Path, bench: Any) -> Iterator[tuple[str, str]]:
    """``oxigraph serve-read-only`` (``bench.serve_read_only``) on an on-disk store holding ``record`` as
    ``ropa load`` writes it (bulk-loaded once into ``work/pushdown-oxigraph-<record>``, kept between
    runs); yields its query URL and the graph IRI."""
    import pyoxigraph as ox

    from ropa_kg.load.store import dump_ntriples, load_store

    location = work / f"pushdown-oxigraph-{record.stem}"
    if not (location / ".complete").exists():
        store = ox.Store(str(location))
        data = dump_ntriples(load_store([record]))
        store.bulk_load(io.BytesIO(data), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
        store.flush()
        del store
        (location / ".complete").write_text("ok")
    with bench.serve_read_only(location) as url:
        yield url, GRAPH


def run_pushdown(bench: Any, work: Path, cases: list[str]) -> dict[str, dict[int, dict[str, Any]]]:
    """store -> size -> mode (push, copy) -> the child's Run (seconds, peak MB, detail), for each case
    ``store:size`` (store ``oxigraph`` or ``virtuoso``)."""
    me = [str(Path(bench.__file__).resolve())]
    table: dict[str, dict[int, dict[str, Any]]] = {}
    for case in cases:
        name, _, count = case.partition(":")
        for size in [int(count)]:
            record = bench._record(work, size)
            print(f"[bench] push-down vs copy on {name} at {size} activities", file=sys.stderr, flush=True)
            try:
                with _store(name, bench, record, work) as (url, graph, user):
                    runs = {}
                    for mode in ("push", "copy"):
                        spec = json.dumps({"url": url, "graph": graph, "mode": mode, "user": user})
                        runs[mode] = bench.measure(
                            [*me, "--measure", "pushdown", spec], timeout=CHILD_TIMEOUT
                        )
                    table.setdefault(name, {})[size] = runs
            except RuntimeError as exc:
                print(f"[bench] no {name} row: {exc}", file=sys.stderr, flush=True)
    return table


@contextlib.contextmanager
def _store(name: str, bench: Any, record: Path, work: Path) -> Iterator[tuple[str, str, str | None]]:
    if name == "oxigraph":
        with oxigraph_with_record(record, work, bench) as (url, graph):
            yield url, graph, None
    else:
        with bench.virtuoso_with_record(record, work) as (url, graph):
            yield url, graph, None


def _mb(value: object) -> str:
    return f"{float(value) / 1e6:,.1f} MB" if isinstance(value, (int, float)) else ""


def pushdown_section(table: dict[str, dict[int, dict[str, Any]]]) -> list[str]:
    """The Markdown table of :func:`run_pushdown`."""
    lines = [
        "",
        "## `ropa validate --endpoint`: rules inside the store (push-down) or the graph copied out",
        "",
        "Each run a fresh process (`ropa validate --endpoint URL --graph IRI --format json`, in-process "
        "through click): wall time from the command's start, the process's peak RSS, and the bytes of "
        "HTTP answers it read. The record is loaded once per store as `ropa load` writes it. Push-down "
        "sends the compiled rules (SELECT/ASK) and reads back the findings and their context; copy "
        "(`--copy`) fetches `record-triples` and validates here. Same findings both ways (the last column).",
        "",
        "| store | activities | push-down | peak MB | bytes read | `--copy` | peak MB | bytes read "
        "| rules on a copy | findings (push / copy) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    notes: list[str] = []
    for store, sizes in table.items():
        for size, runs in sorted(sizes.items()):
            push, copy = runs["push"], runs["copy"]

            def cell(run: Any) -> str:
                if not run.ok:
                    return (
                        f"> {run.detail.get('timeout', '?')} s (stopped)"
                        if "timeout" in run.detail
                        else "failed"
                    )
                return f"{float(run.detail.get('validate_seconds', run.seconds)):.1f} s"

            note = str(push.detail.get("note", ""))
            copied = note.split(" on a copy", 1)[0].rsplit(", ", 1)[-1] if "on a copy" in note else "none"
            pushed_bytes, copied_bytes = (
                _mb(push.detail.get("bytes_received")),
                _mb(copy.detail.get("bytes_received")),
            )
            lines.append(
                f"| {store} | {size:,} | {cell(push)} | {push.peak_mb:.0f} | {pushed_bytes} "
                f"| {cell(copy)} | {copy.peak_mb:.0f} | {copied_bytes} | {copied} "
                f"| {push.detail.get('findings', '-')} / {copy.detail.get('findings', '-')} |"
            )
            if copied != "none":
                notes.append(f"- {store} at {size:,}: {note.removeprefix('note: ')}")
    return (
        lines
        + (
            ["", "Why rules ran on a copy (the run's note on stderr, cut at 400 characters):", ""]
            if notes
            else []
        )
        + notes
    )


#: Queries whose answer has a row per activity (or more): bounded by their output, not by the 1 s target.
PER_ACTIVITY = frozenset(
    {
        "activities-by-legal-basis",
        "activities-without-retention",
        "art30-register",
        "breach-impact-data-category",
        "consent-and-withdrawal",
        "controller-and-dpo",
        "data-category-outside-eea",
        "data-flows",
        "data-subjects-and-activities",
        "legitimate-interest",
        "processors-and-joint-controllers",
        "purposes-per-activity",
        "record-triples",
        "retention-per-activity",
        "rights-per-activity",
        "security-measures",
        "third-country-transfers",
        "tracking-technologies",
    }
)


def queries_section(run: Any, size: int, servers: dict[str, dict[str, float]], mid: int) -> list[str]:
    """The saved queries as ``ropa query`` runs them at ``size``, with the targets; and through the servers
    at ``mid``."""
    if not run.ok or "queries" not in run.detail:
        return ["", f"{HEADING}: not measured at {size:,} activities ({str(run.detail)[:300]})"]
    queries: dict[str, dict[str, float]] = run.detail["queries"]
    lines = [
        "",
        f"{HEADING}, {size:,} activities in memory",
        "",
        f"The record loaded once ({float(run.detail['load_seconds']):.0f} s, excluded); each query with its "
        "default parameters written as CSV to a file, streamed. Targets (issue 17): a query with a bounded "
        "answer under 1 s; `record-triples` under 10 s; the register under 5 s; through a local server at "
        f"{mid:,} activities every saved query under 2 s (the last columns).",
        "",
        f"| query | rows | in memory | target | met | Oxigraph server at {mid:,} | Virtuoso at {mid:,} |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for name, got in sorted(queries.items()):
        target = 10.0 if name == "record-triples" else 5.0 if name == "art30-register" else None
        if target is None and name not in PER_ACTIVITY:
            target = 1.0
        met = "" if target is None else ("yes" if got["seconds"] < target else "**no**")
        over = {k: v.get(name, float("nan")) for k, v in servers.items()}
        served = " | ".join(
            "refused" if v != v else f"{v:.2f} s{'' if v < 2 else ' (**over 2 s**)'}" for v in over.values()
        )
        lines.append(
            f"| {name} | {int(got['rows']):,} | {got['seconds']:.2f} s | "
            f"{'' if target is None else f'< {target:g} s'} | {met} | {served} |"
        )
    register = run.detail.get("register") or {}
    if isinstance(register, dict) and "seconds" in register:
        met = "yes" if float(register["seconds"]) < 5 else "**no**"
        lines.append(
            f"| (the register `ropa export` writes) | {int(register['rows']):,} "
            f"| {float(register['seconds']):.2f} s | < 5 s | {met} |  |  |"
        )
    return lines


def scale_sections(
    pushdown: dict[str, dict[int, dict[str, Any]]],
    queries: Any,
    size: int,
    servers: dict[str, dict[str, float]],
    mid: int,
) -> list[str]:
    """Both sections, in page order."""
    return [*queries_section(queries, size, servers, mid), *pushdown_section(pushdown)]
