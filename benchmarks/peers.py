"""Peers side by side for ``make bench``: the same record, the same rules, each engine in a fresh process.

The record is the one ``ropa validate`` checks (``ropa generate --seed 0``), read once the way ropa reads it
(the project's ontology, the DPV facts it uses, the readings of ``queries/reading``) and written as
N-Triples; the rules are the bundled ``shapes/`` written as one Turtle file. Each engine then parses those
two files and validates, in its own process (time and peak memory include the parse):

* ``fast``: this project's engine (:func:`ropa_kg.rules.fast_engine.validate_fast` on a pyoxigraph store);
* ``pyshacl``: pySHACL 0.40 on an rdflib graph (no inference), as its README shows;
* ``pyshacl-oxigraph``: pySHACL 0.40 given a ``pyoxigraph.Store`` (its optional Oxigraph backend);
* ``pyshacl-turbo``: pyshacl-turbo from PyPI (a Rust re-implementation with pySHACL's API), installed in its
  own virtual environment under ``benchmarks/work`` from the configured package index.

Each reports its results as a digest of the sorted (focus node, path, source shape, constraint component)
keys, so "identical findings" is a comparison of digests. Hand-written: no benchmark harness compares
SHACL engines on one input.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ENGINES = ("fast", "pyshacl", "pyshacl-oxigraph", "pyshacl-turbo")


def prepare(record: Path, work: Path) -> tuple[Path, Path]:
    """The record as ropa reads it (N-Triples) and the rules (Turtle), written once into ``work``."""
    from ropa_kg.load.store import dump_ntriples, load_store
    from ropa_kg.rules.shapes import load_shapes

    data = work / f"{record.stem}.read.nt"
    shapes = work / "shapes.ttl"
    if not data.exists():
        tmp = data.with_suffix(".tmp")
        tmp.write_bytes(dump_ntriples(load_store([record])))
        tmp.replace(data)
    if not shapes.exists():
        shapes.write_text(load_shapes().serialize(format="turtle"), encoding="utf-8")
    return data, shapes


def turbo_python(work: Path) -> Path | None:
    """The interpreter of a virtual environment holding pyshacl-turbo (made on first use), or None when it
    cannot be installed here."""
    venv = work / "peers-turbo"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "pyshacl-turbo", "rdflib"],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return python


def _keys(report: object, rules: object) -> str:
    """The digest of the sorted (focus node, value, source shape, constraint component) keys of a W3C
    report graph's results, and their number; a blank-node shape is named by its ``ropa:ruleId``."""
    from rdflib import BNode, Graph, URIRef
    from rdflib.namespace import SH

    assert isinstance(report, Graph) and isinstance(rules, Graph)
    rule_id = URIRef("https://w3id.org/ropa-kg/ontology#ruleId")

    def shape(node: object) -> str:
        return str(rules.value(node, rule_id) or "_") if isinstance(node, BNode) else str(node)

    keys = sorted(
        "|".join(
            (
                str(report.value(r, SH.focusNode)),
                str(report.value(r, SH.value)),
                shape(report.value(r, SH.sourceShape)),
                str(report.value(r, SH.sourceConstraintComponent)),
            )
        )
        for r in report.objects(None, SH.result)
    )
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16] + f" ({len(keys)} results)"


def run_engine(engine: str, data: Path, shapes: Path) -> dict[str, object]:
    """Validate ``data`` against ``shapes`` with ``engine`` in this process; results and a digest."""
    from rdflib import Graph

    rules = Graph().parse(shapes, format="turtle")
    started = time.perf_counter()
    if engine == "fast":
        import pyoxigraph as ox

        from ropa_kg.render.report import shacl_report_graph
        from ropa_kg.rules.fast_engine import validate_fast

        store = ox.Store()
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        report = shacl_report_graph(validate_fast(store=store, shapes_graph=rules))
    elif engine in ("pyshacl", "pyshacl-turbo"):
        validate = _validator(engine)
        graph = Graph().parse(data, format="nt")
        _conforms, report, _text = validate(graph, shacl_graph=rules, inference="none", advanced=False)
    elif engine == "pyshacl-oxigraph":
        import pyoxigraph as ox
        from pyshacl import validate as pyshacl_validate

        store = ox.Store()
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        # pySHACL 0.40 takes a pyoxigraph.Store (its typing does not say so yet)
        _conforms, report, _text = pyshacl_validate(
            store,  # type: ignore[arg-type]  # see above
            shacl_graph=rules,
            inference="none",
            advanced=False,
        )
    else:
        raise SystemExit(f"unknown engine {engine}")
    return {"engine": engine, "seconds_in": time.perf_counter() - started, "digest": _keys(report, rules)}


def _validator(engine: str) -> Any:
    if engine == "pyshacl-turbo":
        from pyshacl_turbo import validate  # type: ignore[import-not-found]  # in its own environment

        return validate
    from pyshacl import validate as pyshacl_validate

    return pyshacl_validate


if __name__ == "__main__":
    print(json.dumps(run_engine(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))
