"""Run the W3C SHACL test suite (``../shared/shacl-test-suite``) on an engine and compare with the expected
reports: results as multisets of (focus node, path, value, source shape, component, severity), blank nodes
compared by their content, plus ``sh:conforms``; a test whose expected result is ``sht:Failure`` passes when
the engine refuses the shapes with a clear error (exit 2 in the CLI).

Used by ``tests/test_w3c_suite.py`` and by ``make bench`` (the table of outcomes per engine).
"""

from __future__ import annotations

import collections
import functools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.load.graph import literals_as_written
from ropa_kg.rules.results import ShaclResult
from ropa_kg.rules.shapes import read_path
from ropa_kg.rules.validation import validate_shacl

logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literals are what some tests test
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
#: ``../shared/shacl-test-suite`` beside the repository, or under ``$ROPA_SHARED_DIR`` (as conftest's).
SUITE = (
    Path(os.environ.get("ROPA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
    / "shacl-test-suite"
)

#: The outcomes, in the order tables show them.
OUTCOMES = ("compiled", "fallback", "refused", "wrong", "crash")


@dataclass(frozen=True)
class SuiteTest:
    """One ``sht:Validate`` entry."""

    name: str
    family: str  # "core" or "sparql"
    manifest: Path
    data: Path
    shapes: Path
    expects_failure: bool


def suite_tests(root: Path = SUITE) -> list[SuiteTest]:
    """Every test reachable from ``root/manifest.ttl`` through ``mf:include``, sorted by name."""
    found: list[SuiteTest] = []
    todo = [root / "manifest.ttl"]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        graph = _parse(path)
        for include in graph.objects(None, MF.include):
            todo.append(_local(include))
        for entry in graph.subjects(RDF.type, SHT.Validate):
            action = graph.value(entry, MF.action)
            data, shapes = graph.value(action, SHT.dataGraph), graph.value(action, SHT.shapesGraph)
            relative = path.relative_to(root)
            found.append(
                SuiteTest(
                    name=f"{relative.parent}/{_local(entry).name}",
                    family=relative.parts[0],
                    manifest=path,
                    data=_local(data),
                    shapes=_local(shapes),
                    expects_failure=graph.value(entry, MF.result) == SHT.Failure,
                )
            )
    return sorted(found, key=lambda t: t.name)


def _local(iri: Node | None) -> Path:
    assert isinstance(iri, URIRef), iri
    return Path(str(iri).removeprefix("file://").split("#")[0])


def _parse(path: Path) -> Graph:
    """The file as written (no literal rewritten: what ``ropa validate`` reads, see
    :func:`ropa_kg.load.graph.literals_as_written`)."""
    graph = Graph()
    with literals_as_written():
        graph.parse(path, format="turtle", publicID=path.as_uri())
    return graph


@dataclass(frozen=True)
class Outcome:
    """What an engine did on one test."""

    test: SuiteTest
    outcome: str  # one of OUTCOMES
    detail: str = ""


def run_test(test: SuiteTest, engine: str) -> Outcome:
    """Run one test on ``engine`` ("fast" or "pyshacl") and judge it."""
    manifest = _parse(test.manifest)
    data = manifest if test.data == test.manifest else _parse(test.data)
    shapes = (
        data
        if test.shapes == test.data
        else (manifest if test.shapes == test.manifest else _parse(test.shapes))
    )
    try:
        report = validate_shacl(data_graph=data, shapes_graph=shapes, engine=engine)
    except (RopaInputError, RopaUsageError) as exc:
        if test.expects_failure:
            return Outcome(test, "compiled", f"refused as expected: {exc}")
        return Outcome(test, "refused", str(exc))
    except Exception as exc:
        return Outcome(test, "crash", f"{type(exc).__name__}: {exc}")
    if test.expects_failure:
        return Outcome(test, "wrong", "ran where SHACL demands a failure")
    expected_conforms, expected = _expected(manifest, test)
    actual = collections.Counter(_key(r, data, shapes) for r in report.results)
    if expected_conforms != report.conforms or actual != expected:
        missing = expected - actual
        extra = actual - expected
        return Outcome(
            test,
            "wrong",
            f"missing {sorted(map(repr, missing.elements()))}; extra {sorted(map(repr, extra.elements()))}",
        )
    fell_back = any(engine_name == "pyshacl" for engine_name in report.engines.values())
    return Outcome(test, "fallback" if fell_back and engine == "fast" else "compiled")


def _expected(manifest: Graph, test: SuiteTest) -> tuple[bool, collections.Counter[tuple[object, ...]]]:
    entry = next(
        e for e in manifest.subjects(RDF.type, SHT.Validate) if _local(e).name == test.name.rsplit("/", 1)[1]
    )
    report = manifest.value(entry, MF.result)
    conforms = manifest.value(report, SH.conforms)
    keys: collections.Counter[tuple[object, ...]] = collections.Counter()
    for node in manifest.objects(report, SH.result):
        path = manifest.value(node, SH.resultPath)
        value = manifest.value(node, SH.value)
        keys[
            (
                _canon(manifest.value(node, SH.focusNode), manifest),
                read_path(manifest, path) if path is not None else None,
                _canon(value, manifest) if value is not None else None,
                _canon(manifest.value(node, SH.sourceShape), manifest),
                manifest.value(node, SH.sourceConstraintComponent),
                manifest.value(node, SH.resultSeverity),
            )
        ] += 1
    return bool(isinstance(conforms, Literal) and conforms.toPython()), keys


def _key(result: ShaclResult, data: Graph, shapes: Graph) -> tuple[object, ...]:
    return (
        _canon(result.focus, data),
        result.path,
        _canon(result.value, data) if result.value is not None else None,
        _canon(result.source_shape, shapes),
        result.component,
        result.severity,
    )


def _canon(node: Node | None, graph: Graph, depth: int = 0) -> object:
    """A term as a comparable value: IRIs and literals by their N-Triples text, a blank node by what it
    says (its outgoing triples, lists as tuples), to a few levels."""
    if node is None:
        return None
    if not isinstance(node, BNode):
        return node.n3()
    if depth > 4:
        return "_:"
    if (node, RDF.first, None) in graph:
        return ("list", tuple(_canon(item, graph, depth + 1) for item in Collection(graph, node)))
    return (
        "_",
        tuple(sorted((str(p), repr(_canon(o, graph, depth + 1))) for p, o in graph.predicate_objects(node))),
    )


def run_suite(engine: str, tests: list[SuiteTest] | None = None) -> Iterator[Outcome]:
    """Every test of ``tests`` on ``engine``; without ``tests``, the whole suite, run once per process
    (``tests/test_w3c_suite.py`` and the bench's table, which ``tests/test_bench.py`` checks, share it)."""
    yield from (_whole_suite(engine) if tests is None else (run_test(test, engine) for test in tests))


@functools.cache
def _whole_suite(engine: str) -> tuple[Outcome, ...]:
    return tuple(run_test(test, engine) for test in suite_tests())


def table(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Counts per family and outcome."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        row = counts.setdefault(outcome.test.family, dict.fromkeys(OUTCOMES, 0))
        row[outcome.outcome] += 1
    return counts


if __name__ == "__main__":
    import sys

    for engine_name in sys.argv[1:] or ["fast", "pyshacl"]:
        results = list(run_suite(engine_name))
        print(engine_name, table(results))
        for o in results:
            if o.outcome not in ("compiled",):
                print(f"  {o.outcome:8} {o.test.name}: {o.detail[:300]}")
