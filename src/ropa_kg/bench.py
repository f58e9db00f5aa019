"""The benchmark behind ``make bench``: time and peak memory of validation against record size.

``python -m ropa_kg.bench --output benchmarks/RESULTS.md [--sizes 100 1000 ...] [--repeats 3] [--quick]``

Every measurement runs in a fresh child process (``python -m ropa_kg.bench --measure ...``); the parent
reads the child's wall time and its peak resident memory from ``os.wait4`` (``ru_maxrss``), so numbers
include imports, parsing and everything a user waits for. Records come from ``ropa generate`` (seed 0).

Measured: the fast engine (load with pyoxigraph + compile + run; medians of ``--repeats``), pyshacl through
``ropa_kg.validation.run_pyshacl`` (once per size above 100, stopped at ``--pyshacl-timeout`` and not tried
on larger sizes after a timeout), each saved query embedded (pyoxigraph) and through an ``oxigraph serve``
endpoint on the largest size, and ``ropa validate`` cold on the Alumeco record. Writes a Markdown table
and a PNG plot beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SIZES = (100, 1_000, 10_000, 100_000)
QUICK_SIZES = (100, 1_000)


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
    start = time.perf_counter()
    if kind == "fast":
        from ropa_kg.cache import load_store
        from ropa_kg.fast_engine import run_fast
        from ropa_kg.shapes import load_shapes

        loaded = load_store([record], use_cache=False)
        loaded_at = time.perf_counter()
        findings = run_fast(store=loaded.store, shapes_graph=load_shapes())
        return {
            "findings": len(findings),
            "load_s": loaded_at - start,
            "validate_s": time.perf_counter() - loaded_at,
            "triples": len(loaded.store),
        }
    if kind == "pyshacl":
        from ropa_kg.graph import load_graph
        from ropa_kg.shapes import load_shapes, rule_catalogue
        from ropa_kg.validation import run_pyshacl

        graph = load_graph([record])
        loaded_at = time.perf_counter()
        shapes = load_shapes()
        findings = run_pyshacl(data_graph=graph, shapes_graph=shapes, rules=rule_catalogue(shapes))
        return {
            "findings": len(findings),
            "load_s": loaded_at - start,
            "validate_s": time.perf_counter() - loaded_at,
        }
    if kind == "queries":
        from ropa_kg.cache import load_store

        loaded = load_store([record], use_cache=False)
        return {"queries": _embedded_queries(loaded.store)}
    raise SystemExit(f"unknown measurement {kind}")


def _saved_queries() -> list[tuple[str, str, dict[str, object]]]:
    """(name, text, bindings) of every saved query, via ropa_kg.queries when it exists."""
    try:
        from ropa_kg.queries import catalogue
    except ImportError:  # pragma: no cover - the queries module is another helper's
        from ropa_kg.resources import queries_dir

        return [(p.stem, p.read_text(encoding="utf-8"), {}) for p in sorted(queries_dir().glob("*.rq"))]
    found: list[tuple[str, str, dict[str, object]]] = []
    for query in catalogue():
        bindings: dict[str, object] = {}
        for param in getattr(query, "parameters", ()):
            if getattr(param, "default", ""):
                bindings[param.name] = param.term(param.default)
        found.append((query.path.stem, query.text, bindings))
    return found


def _embedded_queries(store: object) -> dict[str, dict[str, float | int | str]]:
    import pyoxigraph as ox

    from ropa_kg.store import to_oxigraph

    assert isinstance(store, ox.Store)
    results: dict[str, dict[str, float | int | str]] = {}
    for name, text, bindings in _saved_queries():
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_oxigraph(v)  # type: ignore[arg-type]  # bindings hold rdflib terms
            for k, v in bindings.items()
        }
        times: list[float] = []
        rows = 0
        try:
            for _ in range(3):
                t0 = time.perf_counter()
                result = store.query(text, substitutions=subs or None)
                rows = sum(1 for _ in result) if not isinstance(result, ox.QueryBoolean) else 1
                times.append(time.perf_counter() - t0)
            results[name] = {"seconds": statistics.median(times), "rows": rows}
        except Exception as exc:
            results[name] = {"seconds": float("nan"), "rows": 0, "error": str(exc)[:80]}
    return results


# --------------------------------------------------------------------------------------------------
# the parent
# --------------------------------------------------------------------------------------------------


def measure(args: list[str], *, timeout: float) -> Run:
    """Run a child (``python args...``) and return its wall time, peak RSS and JSON output."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=subprocess.DEVNULL)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _pid, status, usage = os.wait4(proc.pid, 0)
                return Run(time.perf_counter() - start, usage.ru_maxrss / 1024, False, {"timeout": timeout})
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
        return Run(seconds, usage.ru_maxrss / 1024, proc.returncode in (0, 1), detail)


def _record(work: Path, size: int) -> Path:
    from ropa_kg.generate import generate

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
    """Each saved query through a real ``oxigraph serve`` (HTTP, JSON results parsed by the client)."""
    import pyoxigraph as ox

    from ropa_kg.cache import load_files_into
    from ropa_kg.graph import ontology_files

    location = work / f"server-{record.stem}"
    if not (location / ".complete").exists():
        store = ox.Store(str(location))
        load_files_into(store, [*ontology_files(), record])
        store.flush()
        del store
        (location / ".complete").write_text("ok")
    binary = Path(sys.executable).with_name("oxigraph")
    port = _free_port()
    server = subprocess.Popen(
        [str(binary), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1).read()  # noqa: S310 - our own local server
                break
            except OSError:
                time.sleep(0.05)
        results: dict[str, float] = {}
        for name, text, _bindings in _saved_queries():
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                req = urllib.request.Request(
                    url,
                    data=urllib.parse.urlencode({"query": text}).encode(),
                    headers={"Accept": "application/sparql-results+json, application/n-triples"},
                )
                try:
                    with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310 - our own local server
                        body = resp.read()
                    if body.startswith(b"{"):
                        json.loads(body)
                    times.append(time.perf_counter() - t0)
                except OSError:
                    times.append(float("nan"))
            results[name] = statistics.median(times)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_bench(*, sizes: list[int], repeats: int, pyshacl_timeout: float, output: Path) -> str:
    """Run everything and write ``output`` (Markdown) and ``output`` with ``.png`` (plot)."""
    work = Path("benchmarks") / "work"
    work.mkdir(parents=True, exist_ok=True)
    me = ["-m", "ropa_kg.bench"]
    fast: dict[int, list[Run]] = {}
    slow: dict[int, Run] = {}
    pyshacl_alive = True
    for size in sizes:
        record = _record(work, size)
        print(f"[bench] {size} activities: fast engine x{repeats}", file=sys.stderr, flush=True)
        fast[size] = [measure([*me, "--measure", "fast", str(record)], timeout=1800) for _ in range(repeats)]
        if pyshacl_alive:
            runs = repeats if size <= 100 else 1
            print(f"[bench] {size} activities: pyshacl x{runs}", file=sys.stderr, flush=True)
            got = [
                measure([*me, "--measure", "pyshacl", str(record)], timeout=pyshacl_timeout)
                for _ in range(runs)
            ]
            if all(r.ok for r in got):
                slow[size] = _median_run(got)
            else:
                slow[size] = got[-1]
                pyshacl_alive = False
    biggest = _record(work, max(sizes))
    print(f"[bench] saved queries at {max(sizes)} activities", file=sys.stderr, flush=True)
    embedded = measure([*me, "--measure", "queries", str(biggest)], timeout=1800)
    served = _server_queries(biggest, work)
    alumeco = {}
    for engine in ("fast", "pyshacl"):
        cmd = [
            str(Path(sys.executable).with_name("ropa")),
            "validate",
            "--engine",
            engine,
            "--format",
            "json",
        ]
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times.append(time.perf_counter() - t0)
        alumeco[engine] = statistics.median(times)
    text = _report(sizes, repeats, fast, slow, embedded, served, alumeco, pyshacl_timeout, output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return text


def _median_run(runs: list[Run]) -> Run:
    ok = [r for r in runs if r.ok] or runs
    mid = sorted(ok, key=lambda r: r.seconds)[len(ok) // 2]
    return Run(
        statistics.median(r.seconds for r in ok), statistics.median(r.peak_mb for r in ok), mid.ok, mid.detail
    )


def _fmt_s(value: float) -> str:
    return "n/a" if value != value else (f"{value:.2f} s" if value < 100 else f"{value:.0f} s")


def _report(
    sizes: list[int],
    repeats: int,
    fast: dict[int, list[Run]],
    slow: dict[int, Run],
    embedded: Run,
    served: dict[str, float],
    alumeco: dict[str, float],
    pyshacl_timeout: float,
    output: Path,
) -> str:
    import platform

    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m ropa_kg.bench`) on {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Records from `ropa generate --seed 0` "
        "(fault rate 0.1, one organisation per 25 activities); the full rule set of `shapes/`. "
        "Every run is a fresh process: times are wall clock including imports and parsing, "
        "memory is the child's peak RSS.",
        "",
        f"Fast engine: median of {repeats} runs. pyshacl (`ropa_kg.validation.run_pyshacl`, its SPARQL "
        f"queries prepared once): {repeats} runs at 100 activities, 1 run above (it is slow), stopped after "
        f"{pyshacl_timeout:.0f} s and not tried on larger records.",
        "",
        "| activities | triples | fast engine | of which load | fast peak MB | pyshacl | pyshacl peak MB "
        "| speed-up | findings (fast / pyshacl) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    points: list[tuple[int, float, float, float | None, float | None]] = []
    for size in sizes:
        run = _median_run(fast[size])
        ref = slow.get(size)
        triples = run.detail.get("triples", "")
        load = run.detail.get("load_s")
        if ref is not None and ref.ok:
            ref_s, ref_mb, ratio = (
                _fmt_s(ref.seconds),
                f"{ref.peak_mb:.0f}",
                f"**{ref.seconds / run.seconds:.0f}x**",
            )
            ref_findings = str(ref.detail.get("findings", "?"))
            points.append((size, run.seconds, run.peak_mb, ref.seconds, ref.peak_mb))
        elif ref is not None:
            ref_s, ref_mb, ratio, ref_findings = (
                f"> {pyshacl_timeout:.0f} s (stopped)",
                "",
                f"> {pyshacl_timeout / run.seconds:.0f}x",
                "-",
            )
            points.append((size, run.seconds, run.peak_mb, None, None))
        else:
            ref_s, ref_mb, ratio, ref_findings = "not run", "", "", "-"
            points.append((size, run.seconds, run.peak_mb, None, None))
        load_text = _fmt_s(float(load)) if isinstance(load, float) else ""
        triples_text = f"{triples:,}" if isinstance(triples, int) else ""
        found = run.detail.get("findings", "?")
        lines.append(
            f"| {size:,} | {triples_text} | {_fmt_s(run.seconds)} | {load_text} | {run.peak_mb:.0f} | "
            f"{ref_s} | {ref_mb} | {ratio} | {found} / {ref_findings} |"
        )
    lines += [
        "",
        f"## Saved queries at {max(sizes):,} activities",
        "",
        "Median of 3 runs each; embedded = pyoxigraph in-process (load excluded); server = `oxigraph "
        "serve-read-only` over HTTP, JSON results parsed by the client. Parameters take their defaults "
        "embedded; the server gets the query text as it is.",
        "",
        "| query | rows | embedded | server |",
        "|---|---:|---:|---:|",
    ]
    queries = embedded.detail.get("queries", {})
    if isinstance(queries, dict):
        for name in sorted(queries):
            q = queries[name]
            lines.append(
                f"| {name} | {q.get('rows', '')} | {_fmt_s(float(q['seconds']))} | "
                f"{_fmt_s(served.get(name, float('nan')))} |"
            )
    lines += [
        "",
        "## `ropa validate` on the Alumeco record, cold (whole process, median)",
        "",
        "| engine | wall |",
        "|---|---:|",
    ]
    lines += [f"| {engine} | {_fmt_s(sec)} |" for engine, sec in alumeco.items()]
    plot = output.with_suffix(".png")
    if _plot(points, plot):
        lines += ["", f"![time and memory against size]({plot.name})"]
    return "\n".join(lines) + "\n"


def _plot(points: list[tuple[int, float, float, float | None, float | None]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    xs = [p[0] for p in points]
    ax1.loglog(xs, [p[1] for p in points], "o-", label="fast engine")
    ref = [(p[0], p[3]) for p in points if p[3] is not None]
    if ref:
        ax1.loglog([r[0] for r in ref], [r[1] for r in ref], "s-", label="pyshacl")
    ax1.set(xlabel="activities", ylabel="seconds (wall)", title="Validation time")
    ax1.legend()
    ax2.loglog(xs, [p[2] for p in points], "o-", label="fast engine")
    refm = [(p[0], p[4]) for p in points if p[4] is not None]
    if refm:
        ax2.loglog([r[0] for r in refm], [r[1] for r in refm], "s-", label="pyshacl")
    ax2.set(xlabel="activities", ylabel="peak RSS (MB)", title="Peak memory")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m ropa_kg.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("benchmarks/RESULTS.md"))
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="sizes 100 and 1,000 only")
    parser.add_argument("--pyshacl-timeout", type=float, default=300.0)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "RECORD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(_child(args.measure[0], args.measure[1])))
        return 0
    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    print(
        run_bench(
            sizes=sorted(sizes),
            repeats=args.repeats,
            pyshacl_timeout=args.pyshacl_timeout,
            output=args.output,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
