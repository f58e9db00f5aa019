"""Run by test_same_bytes.py in a fresh interpreter: every output of ropa on each record, as sha256 digests.

Usage: python tests/same_bytes_probe.py RECORD_PATH... > digests.json (``{record: {output: digest}}``; the
records one after the other in the order given, in the same process).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from ropa_kg.app.cli import main
from ropa_kg.load.graph import load_graph
from ropa_kg.load.store import load_store
from ropa_kg.query.queries import catalogue, execute_oxigraph, execute_rdflib
from ropa_kg.sparql.results import render

FORMATS = ("csv", "xlsx", "html", "turtle", "jsonld")
REPORTS = ("text", "json", "sarif", "junit", "turtle")


def outputs(record: str) -> dict[str, bytes]:
    runner = CliRunner()
    found: dict[str, bytes] = {}

    def run(name: str, *args: str) -> None:
        result = runner.invoke(main, list(args))
        assert result.exit_code in (0, 1), (name, result.output)
        found[name] = result.stdout_bytes

    store, graph = load_store([record]), load_graph([record])
    for query in catalogue():  # in-process, both engines (the CLI's worker is timed below for two)
        bindings = query.bindings()
        found[f"query {query.name} oxigraph"] = render(
            execute_oxigraph(query, store, bindings), "csv"
        ).encode()
        found[f"query {query.name} rdflib"] = render(execute_rdflib(query, graph, bindings), "csv").encode()
    for name in ("art30-register", "record-triples"):
        for engine in ("oxigraph", "rdflib"):
            run(
                f"cli {name} {engine}", "query", name, "--data", record, "--engine", engine, "--format", "csv"
            )
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            target = Path(folder) / f"export.{fmt}"
            run(f"export {fmt}", "export", record, "--format", fmt, "--output", str(target))
            found[f"export {fmt}"] = target.read_bytes()
    for fmt in REPORTS:
        run(f"validate {fmt}", "validate", record, "--format", fmt, "--today", "2026-06-01")
    run(
        "validate json pyshacl",
        "validate",
        record,
        "--format",
        "json",
        "--engine",
        "pyshacl",
        "--today",
        "2026-06-01",
    )
    return found


if __name__ == "__main__":
    digests = {
        record: {name: hashlib.sha256(data).hexdigest() for name, data in outputs(record).items()}
        for record in sys.argv[1:]
    }
    json.dump(digests, sys.stdout, indent=1, sort_keys=True)
