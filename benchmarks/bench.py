"""The benchmark behind ``make bench``: time and peak memory of validation against record size.

``python benchmarks/bench.py --output benchmarks/RESULTS.md [--sizes 100 1000 ...] [--repeats 3] [--quick]``

A developer tool, not part of the ``ropa-kg`` wheel: it runs the installed package (``pip install -e
".[dev]"``, as ``make`` does) and starts this script again for each measurement.

Every measurement runs in a fresh child process; the parent reads the child's wall time and its peak
resident memory (``VmHWM`` in ``/proc``, polled while it runs), so numbers include interpreter start,
imports, parsing and writing the report: what a user waits for. Records come from ``ropa generate`` (seed 0).

Measured, side by side in one run: ``ropa validate FILE --format json`` with the default (fast) engine
and with ``--engine pyshacl`` (medians of ``--repeats``; pyshacl once per size above 100, stopped at
``--pyshacl-timeout`` and not tried on larger sizes after that); each saved query through
:func:`ropa_kg.query.queries.execute_oxigraph` (in memory) and through an ``oxigraph serve-read-only``
endpoint, on the largest size; the rules on the in-memory store against the on-disk cache of
:mod:`ropa_kg.load.cache`; the dashboard's first load and first visit of every view (Streamlit AppTest) at
10,000 activities (or the largest size below) and on the Alumeco record; ``ropa validate`` cold on the
Alumeco record. Writes a
Markdown table and a PNG plot beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SIZES = (100, 1_000, 10_000, 100_000)
QUICK_SIZES = (100, 1_000)
PEER_ENGINES = ("fast", "pyshacl", "pyshacl-oxigraph", "pyshacl-turbo")


@dataclass
class Run:
    """One child-process measurement."""

    seconds: float
    peak_mb: float
    ok: bool
    detail: dict[str, object] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# children
# --------------------------------------------------------------------------------------------------


def _child(kind: str, record: str) -> dict[str, object]:
    """Run one measurement in this (fresh) process and return its details."""
    if kind == "queries":
        from ropa_kg.load.store import load_store

        return {"queries": _embedded_queries(load_store([record]))}
    if kind == "cache":
        return _cache_child(record)
    if kind == "dashboard":
        return _dashboard_child(record)
    if kind == "editor":
        return _editor_child(record)
    if kind == "pushdown":
        pushed: dict[str, object] = _scale().pushdown_child(record)
        return pushed
    if kind == "scale-queries":
        answered: dict[str, object] = _scale().queries_child(record)
        return answered
    raise SystemExit(f"unknown measurement {kind}")


def _scale() -> Any:
    """``benchmarks/scale.py``: push-down against copy, and the saved queries as ``ropa query`` runs them."""
    return _sibling("scale", Path(__file__).resolve().with_name("scale.py"))


#: The heading that starts the pages of :func:`run_scale` in RESULTS.md (spliced in by ``--sections scale``).
SCALE_HEADING = "## Saved queries as `ropa query NAME --format csv` runs them"


def run_scale(
    *,
    sizes: list[int],
    work: Path,
    served: dict[str, dict[str, float]] | None = None,
    pushdown: list[str] | None = None,
) -> list[str]:
    """The sections of ``benchmarks/scale.py``: the saved queries as ``ropa query`` runs them at the largest
    size (in memory) with the targets of issue 17, and through both servers at 10,000 activities (or the
    largest size below); push-down against copy on Oxigraph and Virtuoso at 10,000 and 100,000 (the sizes
    among ``sizes``; or ``pushdown``, a list of ``store:size``)."""
    scale = _scale()
    me = [str(Path(__file__).resolve())]
    biggest = _record(work, max(sizes))
    mid = max((n for n in sizes if n <= 10_000), default=min(sizes))
    print(
        f"[bench] saved queries as ropa query runs them, {max(sizes)} activities", file=sys.stderr, flush=True
    )
    queries = measure([*me, "--measure", "scale-queries", str(biggest)], timeout=3600)
    if served is None:
        record = _record(work, mid)
        served = {"oxigraph": _server_queries(record, work), "virtuoso": _virtuoso_queries(record, work)}
    pushdown_sizes = [n for n in sizes if n >= 10_000] or [max(sizes)]
    cases = pushdown or [f"{store}:{n}" for store in ("oxigraph", "virtuoso") for n in pushdown_sizes]
    measured = scale.run_pushdown(sys.modules[__name__], work, cases)
    lines: list[str] = scale.scale_sections(measured, queries, max(sizes), served, mid)
    return lines


def splice_sections(page: str, lines: list[str], heading: str) -> str:
    """``page`` with the sections from ``heading`` up to the next section not written by the same run
    replaced by ``lines`` (appended when ``page`` has none)."""
    new = "\n".join(lines).strip("\n")
    if heading not in page:
        return page.rstrip("\n") + "\n\n" + new + "\n"
    before, after = page.split(heading, 1)
    titles = [line for line in lines if line.startswith("## ")]
    rest = after.split("\n## ")
    kept = [
        part for part in rest[1:] if not any(t[3:].startswith(part.split("\n", 1)[0][:40]) for t in titles)
    ]
    return before + new + ("\n\n## " + "\n## ".join(kept) if kept else "\n")


def _cache_child(record: str) -> dict[str, object]:
    """The rules on the record in memory and on the on-disk cache (built first, then reopened)."""
    import tempfile as tf

    from ropa_kg.load.cache import load_cached as cached
    from ropa_kg.load.store import load_store
    from ropa_kg.rules.fast_engine import run_fast
    from ropa_kg.rules.shapes import load_shapes

    shapes = load_shapes()
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    memory = load_store([record])
    out["memory_load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    found = run_fast(store=memory, shapes_graph=shapes)
    out["memory_rules_s"] = time.perf_counter() - t0
    del memory
    with tf.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        cached([record], cache_dir=folder)
        out["cache_build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        disk = cached([record], cache_dir=folder)
        out["cache_open_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = run_fast(store=disk.store, shapes_graph=shapes)
        out["cache_rules_s"] = time.perf_counter() - t0
        del disk
    out["same_findings"] = found == again
    return out


#: how many activities the editor's live check is timed on (spread over the record)
EDITOR_SAMPLE = 20


def _editor_child(record: str) -> dict[str, object]:
    """The editor on a record: the live check of one edited activity (its neighbourhood only) against
    the whole rule set on the whole record (what re-checking after each change would cost otherwise),
    and the plan of one field's save (which files change, their new bytes)."""
    import shutil
    import tempfile as tf

    from ropa_kg.app.checking import check_activity
    from ropa_kg.app.editor import Form, activity_edit, read_activity
    from ropa_kg.app.record import load_record
    from ropa_kg.app.saving import Workspace, plan
    from ropa_kg.rules.fast_engine import run_fast
    from ropa_kg.rules.shapes import load_shapes

    loaded = load_record([record])
    activities = sorted(loaded.activities)
    sample = activities[:: max(1, len(activities) // EDITOR_SAMPLE)][:EDITOR_SAMPLE]

    def edit_of(activity: str) -> object:
        before = read_activity(loaded, activity)
        return activity_edit(loaded, before, Form(activity, before.values, retention="P3Y")).edit

    t0 = time.perf_counter()
    check_activity(loaded, sample[0], edit_of(sample[0]))  # type: ignore[arg-type]
    first = time.perf_counter() - t0
    times = []
    for activity in sample:
        t0 = time.perf_counter()
        check_activity(loaded, activity, edit_of(activity))  # type: ignore[arg-type]
        times.append(time.perf_counter() - t0)
    shapes = load_shapes()
    t0 = time.perf_counter()
    run_fast(store=loaded.store, shapes_graph=shapes)
    full = time.perf_counter() - t0
    with tf.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(record).name
        shutil.copy(record, copy)
        t0 = time.perf_counter()
        saved = plan(Workspace(Path(folder), (copy,)), edit_of(sample[0]), near=sample[0])  # type: ignore[arg-type]
        plan_s = time.perf_counter() - t0
    return {
        "first_check_s": first,
        "check_median_s": statistics.median(times),
        "check_max_s": max(times),
        "checked": len(times),
        "full_rules_s": full,
        "plan_save_s": plan_s,
        "plan_method": ",".join(c.method for c in saved.changes),
    }


def _dashboard_child(record: str) -> dict[str, object]:
    """First load (overview) and the first visit of every other view, through Streamlit's AppTest."""
    import warnings

    os.environ["ROPA_DASHBOARD_PATHS"] = record
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit.delta_generator
    from streamlit.testing.v1 import AppTest

    # AppTest runs the app without a Streamlit runtime, and Streamlit then warns once (per process)
    # that the app should be started with `streamlit run`; finding the script's name for that warning
    # walks the stack with inspect.stack(), about 1 s. `streamlit run` never pays it: turn it off.
    streamlit.delta_generator._use_warning_has_been_displayed = True

    from ropa_kg.app.record import BACKGROUND_THREAD
    from ropa_kg.core.resources import dashboard_dir

    app = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=900)
    t0 = time.perf_counter()
    app.run()
    views: dict[str, float] = {"overview (first load)": time.perf_counter() - t0}
    errors = [str(e.value)[:200] for e in app.exception]
    # the other views' shared tables are computed in the background after the first load
    # (ropa_kg.app.record); a view opened before they are ready waits for them
    t0 = time.perf_counter()
    while any(t.name.startswith(BACKGROUND_THREAD) for t in threading.enumerate()):
        time.sleep(0.01)
    views["(background tables ready after the first load)"] = time.perf_counter() - t0
    for page in ("activities", "activity", "recipients", "flows", "compliance", "console", "export"):
        t0 = time.perf_counter()
        app.switch_page(f"views/{page}.py").run()
        views[page] = time.perf_counter() - t0
        errors += [str(e.value)[:200] for e in app.exception]
    return {"views": views, "errors": errors}


def _embedded_queries(store: object) -> dict[str, dict[str, float | int | str]]:
    """Each saved query with its default parameters, as ``ropa query`` runs it (median of 3)."""
    import pyoxigraph as ox

    from ropa_kg.query.queries import catalogue, execute_oxigraph

    assert isinstance(store, ox.Store)
    results: dict[str, dict[str, float | int | str]] = {}
    for query in catalogue():
        bindings = query.bindings(None)
        times: list[float] = []
        rows = 0
        try:
            for _ in range(3):
                t0 = time.perf_counter()
                table = execute_oxigraph(query, store, bindings)
                rows = len(table.rows)
                times.append(time.perf_counter() - t0)
            results[query.path.stem] = {"seconds": statistics.median(times), "rows": rows}
        except Exception as exc:
            results[query.path.stem] = {"seconds": float("nan"), "rows": 0, "error": str(exc)[:80]}
    return results


# --------------------------------------------------------------------------------------------------
# the parent
# --------------------------------------------------------------------------------------------------


def measure(args: list[str], *, timeout: float, python: str | None = None) -> Run:
    """Run a child (``python args...``, this interpreter unless ``python``) and return its wall time, peak
    RSS and JSON output."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([python or sys.executable, *args], stdout=out, stderr=subprocess.DEVNULL)
        deadline = start + timeout
        peak_kb = 0
        while True:
            # the child's own high-water mark: wait4's ru_maxrss would also count the memory the bench
            # process had when it forked the child (Linux records it at exec)
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return Run(time.perf_counter() - start, peak_kb / 1024, False, {"timeout": timeout})
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace").strip().splitlines()
        detail: dict[str, object] = {"exit": proc.returncode}
        if text:
            try:
                detail.update(json.loads(text[-1]))
            except json.JSONDecodeError:
                detail["output"] = text[-1][:200]
        return Run(seconds, peak_kb / 1024, proc.returncode in (0, 1), detail)


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident memory of a running process (``VmHWM`` in /proc), in KiB; 0 once it has ended."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _record(work: Path, size: int) -> Path:
    from ropa_kg.app.generate import generate

    path = work / f"record-{size}.ttl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            generate(handle, activities=size, seed=0)
        tmp.replace(path)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_queries(record: Path, work: Path) -> dict[str, float]:
    """Each saved query through a real ``oxigraph serve``, as ``ropa query --endpoint --format csv`` runs
    it."""
    import pyoxigraph as ox

    from ropa_kg.load.cache import load_files_into
    from ropa_kg.load.graph import ontology_files

    location = work / f"server-{record.stem}"
    if not (location / ".complete").exists():
        store = ox.Store(str(location))
        load_files_into(store, [*ontology_files(), record])
        store.flush()
        del store
        (location / ".complete").write_text("ok")
    from ropa_kg.query.endpoint import Endpoint
    from ropa_kg.query.queries import catalogue

    with serve_read_only(location) as url:
        endpoint = Endpoint(url, default_graphs=(), timeout=600)
        return {query.path.stem: _median_remote(query, endpoint) for query in catalogue()}


@contextlib.contextmanager
def serve_read_only(location: Path) -> Iterator[str]:
    """``oxigraph serve-read-only`` on the store folder ``location``, on a free loopback port; yields its
    query URL once it answers, and stops it on leaving."""
    binary = Path(sys.executable).with_name("oxigraph")
    port = _free_port()
    server = subprocess.Popen(
        [str(binary), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1).read()  # noqa: S310 - our own local server
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


#: The named graph :func:`virtuoso_with_record` loads the record into.
VIRTUOSO_GRAPH = "urn:ropa-kg:bench"


@contextlib.contextmanager
def virtuoso_with_record(record: Path, work: Path) -> Iterator[tuple[str, str]]:
    """A throwaway OpenLink Virtuoso 7.2 holding ``record`` plus the ontology in :data:`VIRTUOSO_GRAPH`;
    yields its SPARQL query URL and that graph's IRI, and stops the server on leaving.

    The server is the tests' ``VirtuosoServer`` (``tests/virtuoso_support.py``: its own ``virtuoso.ini``
    and a fresh database in ``work/virtuoso-<record>``, loopback ports, its process group killed after);
    the record goes in as ``ropa load --user dba`` sends it (:func:`ropa_kg.query.endpoint.upload_record`,
    one PUT with digest auth).

    Raises:
        RuntimeError: ``virtuoso-t`` is not installed (``make system``), or does not start.
        EndpointError: it refuses the record.
    """
    import shutil

    from ropa_kg.query.endpoint import upload_record

    support = _sibling(
        "virtuoso_support", Path(__file__).resolve().parents[1] / "tests" / "virtuoso_support.py"
    )
    binary = shutil.which(support.VIRTUOSO_BINARY)
    if binary is None:
        raise RuntimeError(
            f"{support.VIRTUOSO_BINARY} is not installed (Debian: virtuoso-opensource; make system)"
        )
    folder = work / f"virtuoso-{record.stem}"
    shutil.rmtree(folder, ignore_errors=True)
    with support.VirtuosoServer(folder, binary=binary) as server:
        upload_record(
            server.graph_store_url,
            [record],
            graph_iri=VIRTUOSO_GRAPH,
            credentials=server.credentials,
            timeout=3600.0,  # a large record takes Virtuoso minutes
        )
        yield server.query_url, VIRTUOSO_GRAPH
    shutil.rmtree(folder, ignore_errors=True)


def _virtuoso_queries(record: Path, work: Path) -> dict[str, float]:
    """Each saved query through Virtuoso 7.2 (:func:`virtuoso_with_record`), as ``ropa query --endpoint``
    runs it (median of 3; NaN for a query it refuses, and for all when it is not installed)."""
    from ropa_kg.query.endpoint import Endpoint
    from ropa_kg.query.queries import catalogue

    try:
        with virtuoso_with_record(record, work) as (url, graph):
            endpoint = Endpoint(url, default_graphs=(graph,), timeout=600)
            return {query.path.stem: _median_remote(query, endpoint) for query in catalogue()}
    except RuntimeError as exc:
        print(f"[bench] no Virtuoso column: {exc}", file=sys.stderr, flush=True)
        return {}


def _median_remote(query: Any, endpoint: Any) -> float:
    """What ``ropa query NAME --endpoint URL --format csv`` does (the answer streamed as it arrives,
    :func:`ropa_kg.query.endpoint.stream_remote`), written to a scratch file: median of 3 (NaN if the
    store refuses the query)."""
    import tempfile

    from ropa_kg.query.endpoint import stream_remote

    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(3):
            t0 = time.perf_counter()
            try:
                with (Path(folder) / "answer.csv").open("w", encoding="utf-8", newline="") as out:
                    stream_remote(query, endpoint, query.bindings(None), out=out, fmt="csv", max_rows=10**9)
                times.append(time.perf_counter() - t0)
            except Exception:
                return float("nan")
    return statistics.median(times)


def _validate_run(record: Path | None, engine: str, *, timeout: float, work: Path) -> Run:
    """``ropa validate [record] --engine E --format json`` in a fresh process; the findings counted
    from its report."""
    report = work / f"report-{engine}.json"
    report.unlink(missing_ok=True)
    args = ["-m", "ropa_kg.app.cli", "validate", "--engine", engine, "--format", "json"]
    args += ["--output", str(report)]
    run = measure([*args, *([str(record)] if record else [])], timeout=timeout)
    if run.ok and report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        run.detail["findings"] = len(data.get("findings", [])) + len(data.get("waived", []))
    else:
        run.ok = False
    return run


def run_bench(
    *,
    sizes: list[int],
    repeats: int,
    pyshacl_timeout: float,
    output: Path,
    peer_sizes: list[int] | None = None,
    peer_engines: tuple[str, ...] = PEER_ENGINES,
    peer_timeout: float = 300.0,
) -> str:
    """Run everything and write ``output`` (Markdown) and ``output`` with ``.png`` (plot)."""
    work = Path("benchmarks") / "work"
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ROPA_CACHE_DIR", str((work / "cache").resolve()))
    me = [str(Path(__file__).resolve())]
    fast: dict[int, Run] = {}
    slow: dict[int, Run] = {}
    pyshacl_alive = True
    for size in sizes:
        record = _record(work, size)
        print(f"[bench] {size} activities: ropa validate x{repeats}", file=sys.stderr, flush=True)
        fast[size] = _median_run(
            [_validate_run(record, "fast", timeout=1800, work=work) for _ in range(repeats)]
        )
        if pyshacl_alive:
            runs = repeats if size <= 100 else 1
            print(f"[bench] {size} activities: ropa validate --engine pyshacl x{runs}", file=sys.stderr)
            got = [_validate_run(record, "pyshacl", timeout=pyshacl_timeout, work=work) for _ in range(runs)]
            slow[size] = _median_run(got) if all(r.ok for r in got) else got[-1]
            pyshacl_alive = slow[size].ok
    biggest = _record(work, max(sizes))
    print(f"[bench] saved queries at {max(sizes)} activities", file=sys.stderr, flush=True)
    embedded = measure([*me, "--measure", "queries", str(biggest)], timeout=3600)
    mid = max((n for n in sizes if n <= 10_000), default=min(sizes))
    # through a server at most 10,000 activities: at 100,000 the on-disk server store and the client's
    # parsing of results (millions of terms for record-triples) take tens of minutes per pass
    print(f"[bench] saved queries through oxigraph serve at {mid} activities", file=sys.stderr, flush=True)
    served_embedded = (
        embedded
        if mid == max(sizes)
        else measure([*me, "--measure", "queries", str(_record(work, mid))], timeout=3600)
    )
    served = _server_queries(_record(work, mid), work)
    print(f"[bench] saved queries through Virtuoso at {mid} activities", file=sys.stderr, flush=True)
    virtuoso = _virtuoso_queries(_record(work, mid), work)
    print(f"[bench] in memory against the on-disk cache, {mid} activities", file=sys.stderr, flush=True)
    cache_run = measure([*me, "--measure", "cache", str(_record(work, mid))], timeout=1800)
    print(f"[bench] dashboard at {mid} activities x{repeats}", file=sys.stderr, flush=True)
    dashboard = [
        measure([*me, "--measure", "dashboard", str(_record(work, mid))], timeout=1800)
        for _ in range(repeats)
    ]
    dashboard_alumeco = [measure([*me, "--measure", "dashboard", ""], timeout=600) for _ in range(repeats)]
    print(f"[bench] the editor's live check at {mid} activities", file=sys.stderr, flush=True)
    editor = measure([*me, "--measure", "editor", str(_record(work, mid))], timeout=1800)
    alumeco = {
        engine: _median_run([_validate_run(None, engine, timeout=600, work=work) for _ in range(repeats)])
        for engine in ("fast", "pyshacl")
    }
    print("[bench] the W3C SHACL test suite on both engines", file=sys.stderr, flush=True)
    suite = suite_counts()
    wanted = peer_sizes if peer_sizes is not None else [n for n in sizes if n in (1_000, 10_000)]
    peer_runs = run_peers(work, wanted, engines=peer_engines, timeout=peer_timeout)
    scale_lines = run_scale(sizes=sizes, work=work, served={"oxigraph": served, "virtuoso": virtuoso})
    text = _report(
        Results(
            sizes,
            repeats,
            fast,
            slow,
            embedded,
            served_embedded,
            served,
            cache_run,
            mid,
            dashboard,
            dashboard_alumeco,
            alumeco,
            suite,
            peer_runs,
            editor,
            virtuoso,
            scale_lines,
        ),
        pyshacl_timeout,
        output,
        peer_timeout,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return text


@dataclass
class Results:
    """Everything one run measured."""

    sizes: list[int]
    repeats: int
    fast: dict[int, Run]
    slow: dict[int, Run]
    embedded: Run
    served_embedded: Run
    served: dict[str, float]
    cache: Run
    dashboard_size: int
    dashboard: list[Run]
    dashboard_alumeco: list[Run]
    alumeco: dict[str, Run]
    suite: dict[str, dict[str, dict[str, int]]]
    peers: dict[int, dict[str, Run]] = field(default_factory=dict)
    editor: Run | None = None
    #: saved query -> median seconds through Virtuoso 7.2 at :attr:`dashboard_size` (empty: not installed)
    virtuoso: dict[str, float] = field(default_factory=dict)
    #: the sections of :func:`run_scale` (queries at scale with their targets, push-down against copy)
    scale: list[str] = field(default_factory=list)


def run_peers(
    work: Path, sizes: list[int], *, engines: tuple[str, ...], timeout: float
) -> dict[int, dict[str, Run]]:
    """Every peer of ``benchmarks/peers.py`` on the same record read once and the same rules, a fresh
    process each; an engine that times out at one size is not tried at larger ones."""
    peer_module = _sibling("peers", Path(__file__).resolve().parent / "peers.py")

    script = str(Path(__file__).resolve().parent / "peers.py")
    turbo = peer_module.turbo_python(work) if "pyshacl-turbo" in engines else None
    alive = set(engines) - ({"pyshacl-turbo"} if turbo is None else set())
    out: dict[int, dict[str, Run]] = {}
    for size in sorted(sizes):
        data, shapes = peer_module.prepare(_record(work, size), work)
        out[size] = {}
        for engine in engines:
            if engine not in alive:
                continue
            print(f"[bench] {size} activities: peer {engine}", file=sys.stderr, flush=True)
            python = str(turbo) if engine == "pyshacl-turbo" else None
            run = measure([script, engine, str(data), str(shapes)], timeout=timeout, python=python)
            out[size][engine] = run
            if not run.ok:
                alive.discard(engine)
    return out


def peers_section(peers: dict[int, dict[str, Run]], timeout: float) -> list[str]:
    """The peers' table: wall time, peak memory, the ratio to the fast engine, same results or not."""
    lines = [
        "",
        "## Peers side by side (same record, same rules, a fresh process each)",
        "",
        "`benchmarks/peers.py`: the generated record read once as ropa reads it (ontology, DPV facts, "
        "readings) and written as N-Triples, the bundled rules as one Turtle file; each engine parses both "
        "and validates. *results* is a digest of the sorted (focus node, value, shape, component) keys and "
        f"their number: equal digests are identical findings. Stopped after {timeout:.0f} s.",
        "",
        "| activities | engine | wall | peak MB | time / fast | results |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for size, runs in sorted(peers.items()):
        fast = runs.get("fast")
        for engine, run in runs.items():
            if run.ok:
                ratio = f"{run.seconds / fast.seconds:.0f}x" if fast and fast.ok and engine != "fast" else ""
                lines.append(
                    f"| {size:,} | {engine} | {_fmt_s(run.seconds)} | {run.peak_mb:.0f} | {ratio} "
                    f"| {run.detail.get('digest', '')} |"
                )
            else:
                ratio = f"> {timeout / fast.seconds:.0f}x" if fast and fast.ok else ""
                lines.append(f"| {size:,} | {engine} | > {timeout:.0f} s (stopped) | | {ratio} | - |")
    return lines


def targets_section(res: Results, peer_timeout: float) -> list[str]:
    """The speed targets of issue 14, each with what this run measured and whether it holds."""
    lines = ["", "## Targets", "", "| target | measured | holds |", "|---|---|---|"]
    thousand = res.peers.get(1_000, {})
    fast, reference = thousand.get("fast"), thousand.get("pyshacl")
    if fast and fast.ok and reference:
        ratio = (reference.seconds if reference.ok else peer_timeout) / fast.seconds
        same = reference.ok and reference.detail.get("digest") == fast.detail.get("digest")
        shown = f"{ratio:.0f}x" if reference.ok else f"> {ratio:.0f}x (pySHACL stopped)"
        lines.append(
            f"| 1,000 activities: at least 100x pySHACL, identical findings | {shown}"
            f"{', same digest' if same else ''} | {'yes' if ratio >= 100 else 'no'} |"
        )
    big = res.fast.get(100_000)
    if big is not None:
        holds = big.ok and big.seconds < 30 and big.peak_mb < 2048
        lines.append(
            f"| 100,000 activities under 30 s and 2 GB | {_fmt_s(big.seconds)}, {big.peak_mb:.0f} MB "
            f"| {'yes' if holds else 'no'} |"
        )
    cold = res.alumeco.get("fast")
    if cold is not None:
        verdict = "yes" if cold.seconds < 1 else "no"
        lines.append(f"| the Alumeco record cold under 1 s | {_fmt_s(cold.seconds)} | {verdict} |")
    return lines


def suite_counts() -> dict[str, dict[str, dict[str, int]]]:
    """Outcomes of the W3C SHACL test suite per engine and family (``tests/w3c_suite.py``, the runner the
    test suite uses): compiled (passed on the fast path), fallback (passed, some shape run by pyshacl),
    refused (a clear error where results were expected), wrong, crash."""
    suite = _sibling("w3c_suite", Path(__file__).resolve().parents[1] / "tests" / "w3c_suite.py")
    if not suite.SUITE.is_dir():
        print(f"[bench] {suite.SUITE} is absent: no suite table", file=sys.stderr)
        return {}
    return {engine: suite.table(list(suite.run_suite(engine))) for engine in ("fast", "pyshacl")}


def _sibling(name: str, path: Path) -> Any:
    """A developer script of this repository (not part of the package) loaded from its file, as
    ``tests/test_bench.py`` loads this one: no change to ``sys.path``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"ropa_bench_{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def suite_section(counts: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    """The suite's table: one row per engine and family (nothing without the suite)."""
    if not counts:
        return []
    lines = [
        "",
        "## The W3C SHACL test suite",
        "",
        "`../shared/shacl-test-suite` (98 core and 22 SPARQL tests), run by `tests/w3c_suite.py` on each "
        "engine through `ropa_kg.rules.validation.validate_shacl` (what `ropa validate --no-ontology` runs); "
        "results compared with the expected reports as multisets, blank nodes by content. *compiled*: passed "
        "with every shape compiled to SPARQL; *fallback*: passed, some shape run by pyshacl (a literal "
        "pyoxigraph does not keep as written, a recursive shape, `sh:property` on a property shape); "
        "*refused*: a clear error where results were expected; a test SHACL says must fail passes when "
        "refused.",
        "",
        "| engine | family | compiled | fallback | refused | wrong | crash | passed |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, families in counts.items():
        for family, row in sorted(families.items()):
            passed = row["compiled"] + row["fallback"]
            cells = " | ".join(str(row[k]) for k in ("compiled", "fallback", "refused", "wrong", "crash"))
            lines.append(f"| {engine} | {family} | {cells} | {passed} |")
    return lines


def _median_run(runs: list[Run]) -> Run:
    ok = [r for r in runs if r.ok] or runs
    mid = sorted(ok, key=lambda r: r.seconds)[len(ok) // 2]
    return Run(
        statistics.median(r.seconds for r in ok), statistics.median(r.peak_mb for r in ok), mid.ok, mid.detail
    )


def _fmt_s(value: float) -> str:
    return "n/a" if value != value else (f"{value:.2f} s" if value < 100 else f"{value:.0f} s")


#: One point of the plot: size, fast seconds, fast peak MB, pyshacl seconds and peak MB (None: not run).
_Point = tuple[int, float, float, float | None, float | None]


def _report(res: Results, pyshacl_timeout: float, output: Path, peer_timeout: float = 300.0) -> str:
    """The Markdown page: one section per measurement, and the plot (written beside ``output``)."""
    lines, points = _validate_section(res, pyshacl_timeout)
    lines += _alumeco_section(res)
    lines += _queries_section(res)
    lines += _cache_section(res)
    lines += _dashboard_section(res)
    lines += _editor_section(res)
    lines += res.scale
    lines += suite_section(res.suite)
    if res.peers:
        lines += peers_section(res.peers, peer_timeout)
    lines += targets_section(res, peer_timeout)
    plot = output.with_suffix(".png")
    if _plot(points, plot):
        lines += ["", f"![time and memory against size]({plot.name})"]
    return "\n".join(lines) + "\n"


def _validate_section(res: Results, pyshacl_timeout: float) -> tuple[list[str], list[_Point]]:
    """The page's head and ``ropa validate`` against record size, both engines; the plot's points."""
    import platform

    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python benchmarks/bench.py`) on {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Records from `ropa generate --seed 0` "
        "(fault rate 0.1, one organisation per 25 activities); the full rule set of `shapes/`. "
        "Every run is a fresh process, as a user runs it: `ropa validate FILE --format json --output "
        "report.json`, times wall clock from process start to exit (imports, parsing, the rules, the "
        "report), memory the child's peak RSS.",
        "",
        f"Fast engine (the default): median of {res.repeats} runs. pyshacl (`--engine pyshacl`): "
        f"{res.repeats} runs at 100 activities, 1 run above (it is slow), stopped after "
        f"{pyshacl_timeout:.0f} s and not tried on larger records.",
        "",
        "| activities | triples | `ropa validate` | peak MB | `--engine pyshacl` | pyshacl peak MB "
        "| speed-up | findings (fast / pyshacl) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    points: list[_Point] = []
    for size in res.sizes:
        run = res.fast[size]
        ref = res.slow.get(size)
        triples = _triples(size)
        if ref is not None and ref.ok:
            ref_s, ref_mb = _fmt_s(ref.seconds), f"{ref.peak_mb:.0f}"
            ratio = f"**{ref.seconds / run.seconds:.0f}x**"
            ref_findings = str(ref.detail.get("findings", "?"))
            points.append((size, run.seconds, run.peak_mb, ref.seconds, ref.peak_mb))
        elif ref is not None:
            ref_s, ref_mb = f"> {pyshacl_timeout:.0f} s (stopped)", ""
            ratio, ref_findings = f"> {pyshacl_timeout / run.seconds:.0f}x", "-"
            points.append((size, run.seconds, run.peak_mb, None, None))
        else:
            ref_s, ref_mb, ratio, ref_findings = "not run", "", "", "-"
            points.append((size, run.seconds, run.peak_mb, None, None))
        found = run.detail.get("findings", "?") if run.ok else "failed"
        lines.append(
            f"| {size:,} | {triples} | {_fmt_s(run.seconds)} | {run.peak_mb:.0f} | "
            f"{ref_s} | {ref_mb} | {ratio} | {found} / {ref_findings} |"
        )
    return lines, points


def _alumeco_section(res: Results) -> list[str]:
    """``ropa validate`` on the bundled record, cold, both engines."""
    lines = ["", "## `ropa validate` on the Alumeco record, cold (whole process, median)", ""]
    lines += ["| engine | wall | peak MB |", "|---|---:|---:|"]
    lines += [f"| {e} | {_fmt_s(r.seconds)} | {r.peak_mb:.0f} |" for e, r in res.alumeco.items()]
    return lines


def _queries_section(res: Results) -> list[str]:
    """Each saved query in memory (largest and dashboard sizes) and through a server."""
    biggest = max(res.sizes)
    lines = [
        "",
        "## Saved queries",
        "",
        "Median of 3 runs each, default parameters. In memory = "
        "`ropa_kg.query.queries.execute_oxigraph` (what "
        "`ropa query` runs) on the record loaded in memory (load excluded), rows converted to rdflib terms; "
        "server = `oxigraph serve-read-only` (an on-disk store) through `ropa_kg.query.endpoint.run_remote` "
        "(SPARQLWrapper, results parsed into rdflib terms); Virtuoso = OpenLink Virtuoso 7.2 (Debian's "
        "`virtuoso-opensource`, a fresh database, the record loaded by `ropa load`'s one PUT) through the "
        "same client, the record's named graph as the default graph; n/a: a query Virtuoso refuses, or "
        "no Virtuoso installed. Queries that return a row per activity (or "
        "more) are bounded by their output: turning a result row into Python objects costs microseconds "
        "whatever the engine.",
        "",
        f"| query | rows at {biggest:,} | in memory at {biggest:,} | rows at {res.dashboard_size:,} "
        f"| in memory at {res.dashboard_size:,} | server at {res.dashboard_size:,} "
        f"| Virtuoso at {res.dashboard_size:,} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    queries = res.embedded.detail.get("queries", {})
    small = res.served_embedded.detail.get("queries", {})
    if isinstance(queries, dict) and isinstance(small, dict):
        for name in sorted(queries):
            q, m = queries[name], small.get(name, {})
            lines.append(
                f"| {name} | {q.get('rows', '')} | {_fmt_s(float(q['seconds']))} | {m.get('rows', '')} | "
                f"{_fmt_s(float(m.get('seconds', float('nan'))))} | "
                f"{_fmt_s(res.served.get(name, float('nan')))} | "
                f"{_fmt_s(res.virtuoso.get(name, float('nan')))} |"
            )
    return lines


def _cache_section(res: Results) -> list[str]:
    """The rules in memory against the on-disk cache (nothing when that measurement gave nothing)."""
    cache = res.cache.detail
    if not cache:
        return []
    return [
        "",
        f"## In memory or the on-disk cache? ({res.dashboard_size:,} activities)",
        "",
        "The rules on the record parsed into memory, and on the same record in the on-disk cache of "
        "`ropa_kg.load.cache` (built once, then reopened). Opening the cache saves the parse, but every "
        "query on the disk store is slower, so `ropa validate` and the dashboard load into memory; "
        "`ropa query` and the dashboard's console (a child process per query) use the cache.",
        "",
        "| | load | rules |",
        "|---|---:|---:|",
        f"| in memory | {_fmt_s(_num(cache, 'memory_load_s'))} (parse) | "
        f"{_fmt_s(_num(cache, 'memory_rules_s'))} |",
        f"| on-disk cache | {_fmt_s(_num(cache, 'cache_open_s'))} (open; first "
        f"build {_fmt_s(_num(cache, 'cache_build_s'))}) | "
        f"{_fmt_s(_num(cache, 'cache_rules_s'))} |",
        "",
        f"Same findings both ways: {cache.get('same_findings')}.",
    ]


def _dashboard_section(res: Results) -> list[str]:
    """The dashboard's first load and first visit of each view, and what went wrong."""
    lines: list[str] = []
    errors: list[str] = []
    views = _views(res.dashboard, errors)
    views_alumeco = _views(res.dashboard_alumeco, errors)
    if views:
        lines += [
            "",
            f"## Dashboard (Streamlit AppTest, median of {len(views)})",
            "",
            "The first load reads, validates and indexes the record and renders the overview. The tables the "
            "other views share are then computed in the background (a view opened before they are ready "
            "waits for them); each other view is then opened once (its first visit: what a view switch "
            "costs).",
            "",
            f"| view | {res.dashboard_size:,} activities | Alumeco record |",
            "|---|---:|---:|",
        ]
        for name in views[0]:
            cells = [
                _fmt_s(statistics.median(v[name] for v in runs if name in v)) if runs else ""
                for runs in (views, views_alumeco)
            ]
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    if errors:
        lines += ["", f"Dashboard errors: {errors[:3]}"]
    return lines


def _editor_section(res: Results) -> list[str]:
    """The editor's live check of one activity against re-checking the whole record."""
    run = res.editor
    if run is None:
        return []
    if not run.ok or "check_median_s" not in run.detail:
        return ["", f"## Editor: the live check of one activity\n\nEditor measurement failed: {run.detail}"]
    d = run.detail
    ratio = _num(d, "full_rules_s") / max(_num(d, "check_median_s"), 1e-9)
    target = "met" if _num(d, "check_max_s") < 0.5 else "**missed**"
    return [
        "",
        "## Editor: the live check of one activity",
        "",
        f"The editor re-checks only the edited activity's neighbourhood (`ropa_kg.app.checking`), here "
        f"after a retention period is typed, on {int(_num(d, 'checked'))} activities spread over a record "
        f"of {res.dashboard_size:,}; its peer is the whole rule set on the whole record (what re-checking "
        f"after each change would cost otherwise). Target: under 0.5 s ({target}).",
        "",
        "| first check (reads the files as written) | median check | slowest check | whole record | "
        "ratio | plan of one save |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {_fmt_s(_num(d, 'first_check_s'))} | {_fmt_s(_num(d, 'check_median_s'))} | "
        f"{_fmt_s(_num(d, 'check_max_s'))} | {_fmt_s(_num(d, 'full_rules_s'))} | **{ratio:.0f}x** | "
        f"{_fmt_s(_num(d, 'plan_save_s'))} ({d.get('plan_method', '')}) |",
    ]


def _views(runs: list[Run], errors: list[str]) -> list[dict[str, float]]:
    """The view times of the dashboard runs that finished; what went wrong is added to ``errors``."""
    views: list[dict[str, float]] = []
    for run in runs:
        got, problems = run.detail.get("views"), run.detail.get("errors")
        if isinstance(got, dict):
            views.append({str(k): float(v) for k, v in got.items()})
        if isinstance(problems, list):
            errors += [str(p) for p in problems]
        if not run.ok:
            errors.append(f"the measurement failed: {run.detail}")
    return views


def _num(detail: dict[str, object], key: str) -> float:
    value = detail.get(key)
    return float(value) if isinstance(value, int | float) else float("nan")


def _triples(size: int) -> str:
    """Triples of the generated record of ``size`` activities (counted by parsing it)."""
    import pyoxigraph as ox

    path = Path("benchmarks") / "work" / f"record-{size}.ttl"
    try:
        count = sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError):
        return ""
    return f"{count:,}"


def _plot(points: list[_Point], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, ours, theirs, ylabel, title in (
        (ax1, 1, 3, "seconds (wall)", "Validation time"),
        (ax2, 2, 4, "peak RSS (MB)", "Peak memory"),
    ):
        ours_label = "ropa validate (fast engine)"
        ax.loglog([p[0] for p in points], [p[ours] for p in points], "o-", label=ours_label)
        ref = [(p[0], p[theirs]) for p in points if p[theirs] is not None]
        if ref:
            ax.loglog([r[0] for r in ref], [r[1] for r in ref], "s-", label="pyshacl")
        ax.set(xlabel="activities", ylabel=ylabel, title=title)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("benchmarks/RESULTS.md"))
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="sizes 100 and 1,000 only")
    parser.add_argument("--pyshacl-timeout", type=float, default=300.0)
    parser.add_argument("--peer-sizes", type=int, nargs="*", default=None, help="default: 1,000 and 10,000")
    parser.add_argument("--peer-engines", nargs="+", default=list(PEER_ENGINES), choices=PEER_ENGINES)
    parser.add_argument("--peer-timeout", type=float, default=300.0)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "RECORD"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--sections",
        choices=["all", "scale"],
        default="all",
        help="scale: run only the sections of benchmarks/scale.py (queries at scale, push-down) and splice "
        "them into the existing --output",
    )
    parser.add_argument(
        "--pushdown",
        nargs="+",
        default=None,
        metavar="STORE:SIZE",
        help="with --sections scale: the push-down cases (default: both stores at each size >= 10,000)",
    )
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(_child(args.measure[0], args.measure[1])))
        return 0
    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.sections == "scale":
        work = Path("benchmarks") / "work"
        work.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("ROPA_CACHE_DIR", str((work / "cache").resolve()))
        lines = run_scale(sizes=sorted(sizes), work=work, pushdown=args.pushdown)
        listed = " ".join(map(str, sorted(sizes)))
        note = (
            f"*These sections: `python benchmarks/bench.py --sections scale --sizes {listed}`"
            f" on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores.*"
        )
        lines.insert(lines.index(next(line for line in lines if line.startswith("## "))) + 1, "\n" + note)
        page = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        args.output.write_text(splice_sections(page, lines, SCALE_HEADING), encoding="utf-8")
        print("\n".join(lines))
        return 0
    print(
        run_bench(
            sizes=sorted(sizes),
            repeats=args.repeats,
            pyshacl_timeout=args.pyshacl_timeout,
            output=args.output,
            peer_sizes=args.peer_sizes,
            peer_engines=tuple(args.peer_engines),
            peer_timeout=args.peer_timeout,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
