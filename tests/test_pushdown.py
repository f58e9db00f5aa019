"""Push-down validation (``ropa validate --endpoint``): the rules run inside a real SPARQL store and give the
findings local validation gives, on Oxigraph (``oxigraph serve``) and on Virtuoso 7.2, both started here on
127.0.0.1.

Differential: for the bundled Alumeco record, a generated record (every fault kind) and an official DPV
example (blank nodes, someone else's modelling), the findings (rule id, focus node, value; blank node labels
differ between stores, so they are compared as "a blank node") of push-down equal those of ``ropa validate``
on the same files, and the rendered text report is the same bytes. Also: nothing but SELECT and ASK is sent;
a rule whose query the store refuses runs on a copy, named in the result; a graph without the ontology is
copied, as before push-down.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph

from ropa_kg.app.cli import main
from ropa_kg.app.generate import generate
from ropa_kg.app.remote import validate_endpoint
from ropa_kg.core.errors import QueryRefused
from ropa_kg.core.findings import Finding
from ropa_kg.core.terms import store_from_graph
from ropa_kg.load.graph import ontology_files, parse_into
from ropa_kg.load.store import dump_ntriples, load_store
from ropa_kg.query.endpoint import Endpoint, OxigraphServer, fetch_graph, free_port, put_graph
from ropa_kg.query.remote_store import RemoteStore
from ropa_kg.render.report import render
from ropa_kg.rules.fast_engine import compile_plans, run_fast
from ropa_kg.rules.pushdown import OntologyMissing, validate_in_store
from ropa_kg.rules.shapes import load_shapes
from ropa_kg.rules.validation import validate
from ropa_kg.rules.waivers import WAIVER_RULES
from ropa_kg.sparql.dialects import virtuoso_unsafe
from ropa_kg.sparql.guard import QueryForm, check_read_only
from virtuoso_support import VirtuosoServer, require_virtuoso

TODAY = dt.date(2026, 6, 1)
DPV_EXAMPLE = "E0023"  # blank-node transfers, retention as dpv:hasDuration, someone else's modelling


def keys(findings: list[Finding]) -> list[tuple[str, str, str]]:
    def node(value: str | None) -> str:  # a store's blank node labels are its own
        return "_:b" if value and value.startswith("_:") else value or ""

    return sorted((f.rule_id, node(f.focus_node), node(f.value)) for f in findings)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory, dpv_examples_dir: Path) -> dict[str, list[Path]]:
    """The records compared: name -> files (empty: the bundled Alumeco record)."""
    folder = tmp_path_factory.mktemp("records")
    out = io.StringIO()
    generate(out, activities=40, seed=3, fault_rate=0.3)
    generated = folder / "generated.ttl"
    generated.write_text(out.getvalue(), encoding="utf-8")
    example = sorted(dpv_examples_dir.glob(f"{DPV_EXAMPLE}*"))
    assert example, f"no DPV example {DPV_EXAMPLE} in {dpv_examples_dir}"
    return {"alumeco": [], "generated": [generated], "dpv-example": example}


def graph_of(name: str) -> str:
    return f"urn:ropa-kg:test:{name}"


@pytest.fixture(scope="module")
def oxigraph(
    tmp_path_factory: pytest.TempPathFactory, records: dict[str, list[Path]]
) -> Iterator[OxigraphServer]:
    with OxigraphServer(tmp_path_factory.mktemp("pushdown-oxigraph"), free_port()) as server:
        for name, files in records.items():
            data = dump_ntriples(load_store(files or None))
            assert put_graph(server.store_url, graph_iri=graph_of(name), data=data) in {200, 201, 204}
        yield server


@pytest.fixture(scope="module")
def local(records: dict[str, list[Path]]) -> dict[str, object]:
    return {name: validate(*files, today=TODAY) for name, files in records.items()}


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
@pytest.mark.parametrize("name", ["alumeco", "generated", "dpv-example"])
def test_pushdown_on_oxigraph_finds_what_local_validation_finds(
    oxigraph: OxigraphServer, local: dict[str, object], name: str
) -> None:
    run = validate_endpoint(oxigraph.query_url, graph_iri=graph_of(name), today=TODAY)
    expected = local[name]
    assert keys(run.result.active) == keys(expected.active)  # type: ignore[attr-defined]
    assert run.result.active, "a record with findings"
    assert not run.copied, run.copied  # Oxigraph runs every rule inside the store
    assert run.copy_triples is None  # and the graph was never copied
    if name == "alumeco":  # no blank node in a finding, and every prefix is the project's: same bytes
        assert render(run.result, "json") == render(expected, "json")  # type: ignore[arg-type]
        assert render(run.result, "text") == render(expected, "text")  # type: ignore[arg-type]
    elif name == "generated":  # a graph keeps no prefixes: a node without a label is named by its IRI
        assert _unlabelled(render(run.result, "json")) == _unlabelled(render(expected, "json"))  # type: ignore[arg-type]


def _unlabelled(report: str) -> object:
    """The json report without the ``*_label`` fields (compact names follow the files' prefixes)."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.endswith("_label")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(report))


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
def test_only_select_and_ask_are_sent_and_less_than_the_graph_comes_back(oxigraph: OxigraphServer) -> None:
    sent: list[str] = []

    class Recording(RemoteStore):
        def query(self, query: str) -> object:
            sent.append(query)
            return super().query(query)

    store = Recording(Endpoint(oxigraph.query_url, default_graphs=(graph_of("generated"),)))
    copies: list[int] = []

    def copy() -> ox.Store:
        copies.append(1)
        raise AssertionError("no copy needed on Oxigraph")

    run = validate_in_store(store, copy=copy, where=oxigraph.query_url, today=TODAY)
    assert run.result.active and not copies
    forms = {check_read_only(text, strict=False).form for text in sent}
    assert forms <= {QueryForm.SELECT, QueryForm.ASK}
    assert QueryForm.SELECT in forms and QueryForm.ASK in forms
    assert len(sent) == store.traffic.queries
    assert any("?node" in text for text in sent)  # the report's context (its queries bind ?node)
    whole = fetch_graph(oxigraph.query_url, graph_iri=graph_of("generated"))
    assert len(whole) > 1000
    assert store.traffic.bytes_received > 0
    # what came back about the record (the report's context, the ontology aside) is a part of the graph
    ontology = Graph()
    for path in ontology_files():
        parse_into(ontology, path)
    context = {t for t in run.result.graph if t not in ontology}
    assert 0 < len(context) < len(whole) / 2, (len(context), len(whole))


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
def test_a_rule_the_store_refuses_runs_on_a_copy(oxigraph: OxigraphServer, local: dict[str, object]) -> None:
    """A store that refuses the queries of one rule (here every query naming dpv:hasStorageCondition):
    those rules run on a copy, are named with the store's reason, and the findings are the same; the
    report's context is then read from the copy, not asked of the store again."""
    sent: list[str] = []

    class Refusing(RemoteStore):
        def query(self, query: str) -> object:
            sent.append(query)
            if "hasStorageCondition" in query and "?this" in query:  # a rule's query, not the context's
                raise QueryRefused("test store: no storage conditions today")
            return super().query(query)

    store = Refusing(Endpoint(oxigraph.query_url, default_graphs=(graph_of("alumeco"),)))

    def copy() -> ox.Store:
        return store_from_graph(fetch_graph(oxigraph.query_url, graph_iri=graph_of("alumeco")))

    run = validate_in_store(store, copy=copy, where=oxigraph.query_url, today=TODAY)
    assert keys(run.result.active) == keys(local["alumeco"].active)  # type: ignore[attr-defined]
    assert "ROPA-A30-RETENTION" in run.copied
    assert set(run.copied.values()) == {"test store: no storage conditions today"}
    assert "ROPA-A30-RETENTION" not in run.pushed
    assert len(run.pushed) + len(run.copied) == len(run.result.rules) - len(WAIVER_RULES)
    assert sent and not any("?node" in text for text in sent)


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
def test_the_cli_runs_the_rules_in_the_store_or_copies_when_told(oxigraph: OxigraphServer) -> None:
    args = [
        "validate",
        "--endpoint",
        oxigraph.query_url,
        "--graph",
        graph_of("alumeco"),
        "--today",
        "2026-06-01",
    ]
    pushed = CliRunner().invoke(main, [*args, "--format", "json"])
    copied = CliRunner().invoke(main, [*args, "--format", "json", "--copy"])
    embedded = CliRunner().invoke(main, ["validate", "--format", "json", "--today", "2026-06-01"])
    assert pushed.exit_code == copied.exit_code == embedded.exit_code == 1, pushed.output
    assert "rules ran inside the store" in pushed.stderr
    assert "rules ran inside the store" not in copied.stderr

    def ids(text: str) -> list[tuple[str, str]]:
        return sorted((f["rule_id"], f["focus_node"]) for f in json.loads(text)["findings"])

    assert ids(pushed.stdout) == ids(copied.stdout) == ids(embedded.stdout)
    assert CliRunner().invoke(main, ["validate", "--copy"]).exit_code == 2  # --copy needs --endpoint


class _SlowOnRetention(http.server.BaseHTTPRequestHandler):
    """A proxy in front of the Oxigraph server that answers one rule's queries (those naming
    dpv:hasStorageCondition and $this) 1.5 s late, every other request at once."""

    target = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        text = " ".join(urllib.parse.parse_qs(body.decode()).get("query", [""]))
        if "hasStorageCondition" in text and "?this" in text:
            time.sleep(1.5)
        request = urllib.request.Request(self.target, data=body, headers=dict(self.headers))
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                data, status, kind = answer.read(), answer.status, answer.headers["Content-Type"]
        except (BrokenPipeError, ConnectionError):  # pragma: no cover - the client gave up
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionError):  # the client gave up waiting (its --timeout)
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
def test_timeout_sends_a_rule_the_store_answers_too_late_to_the_copy(oxigraph: OxigraphServer) -> None:
    """`validate --endpoint --timeout 1`: the rule whose queries come 1.5 s late runs on the copy,
    stderr says why, and the findings are the same; with the default limit (60 s) it runs in the store."""
    handler = type("Slow", (_SlowOnRetention,), {"target": oxigraph.query_url})
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}/query"
    args = ["validate", "--endpoint", url, "--graph", graph_of("alumeco"), "--today", "2026-06-01"]
    try:
        quick = CliRunner().invoke(main, [*args, "--format", "json", "--timeout", "1"])
        patient = CliRunner().invoke(main, [*args, "--format", "json"])
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert quick.exit_code == patient.exit_code == 1, quick.output
    # (on a loaded machine another rule may be late too: the note lists the rules by cause)
    assert re.search(r"did not answer within 1 s: [^;]*\bROPA-A30-RETENTION\b", quick.stderr), quick.stderr
    assert "on a copy" not in patient.stderr

    def ids(text: str) -> list[tuple[str, str]]:
        return sorted((f["rule_id"], f["focus_node"]) for f in json.loads(text)["findings"])

    assert ids(quick.stdout) == ids(patient.stdout)
    lonely = CliRunner().invoke(main, ["validate", "--timeout", "5"])
    assert lonely.exit_code == 2 and "--timeout and --user need --endpoint" in lonely.output


@pytest.mark.server
@pytest.mark.xdist_group("oxigraph-server")
def test_a_graph_without_the_ontology_is_copied_not_judged_wrongly(
    oxigraph: OxigraphServer, tmp_path: Path
) -> None:
    graph = "urn:ropa-kg:test:no-ontology"
    data = dump_ntriples(load_store(None, with_ontology=False))
    put_graph(oxigraph.store_url, graph_iri=graph, data=data)
    with pytest.raises(OntologyMissing, match="does not hold version"):
        validate_endpoint(oxigraph.query_url, graph_iri=graph, today=TODAY)
    result = CliRunner().invoke(
        main, ["validate", "--endpoint", oxigraph.query_url, "--graph", graph, "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    assert "copying the graph and adding the ontology instead" in result.stderr
    assert json.loads(result.stdout)["findings"]


# --- Virtuoso ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    server = VirtuosoServer(tmp_path_factory.mktemp("pushdown-virtuoso"), binary=require_virtuoso())
    with server:
        assert server.put_graph(graph_of("alumeco"), dump_ntriples(load_store())) in {200, 201, 204}
        yield server


@pytest.mark.server
@pytest.mark.xdist_group("virtuoso-server")
def test_pushdown_on_virtuoso_finds_what_local_validation_finds(
    virtuoso: VirtuosoServer, local: dict[str, object]
) -> None:
    """Virtuoso 7.2 runs the rules it answers as SPARQL 1.1 does; the others (booleans and durations it
    rewrites, EXISTS in expressions, transitive paths between variables) run on one copy of the graph.
    Same findings, same report."""
    run = validate_endpoint(virtuoso.query_url, graph_iri=graph_of("alumeco"), today=TODAY)
    expected = local["alumeco"]
    assert keys(run.result.active) == keys(expected.active)  # type: ignore[attr-defined]
    assert render(run.result, "text") == render(expected, "text")  # type: ignore[arg-type]
    assert len(run.pushed) >= 20, run.pushed
    assert run.copied and run.copy_triples and run.copy_triples > 1000
    causes = {cause.split(",")[0].split("(")[0].strip() for cause in run.copied.values()}
    assert causes <= {
        "reads literals",
        "uses EXISTS inside an expression",
        "has a transitive path between two variables",
    }, causes
    assert "ROPA-RETENTION-FORMAT" in run.copied  # reads xsd:duration, which Virtuoso rewrites
    assert "ROPA-A30-RETENTION" in run.pushed


# --- the dialect ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unsafe"),
    [
        ("SELECT ?x { ?x ?p ?o FILTER (EXISTS { ?x a ?c } || ?o = 1) }", True),
        ("SELECT ?x { BIND (EXISTS { ?x a ?c } AS ?b) }", True),
        ("SELECT ?x { ?x ?p ?o FILTER EXISTS { ?x a ?c } FILTER NOT EXISTS { ?x ?q ?o } }", False),
        ("SELECT ?r { ?r <http://x/b>+ ?a }", True),
        ("SELECT ?r { ?r (<http://x/b>|<http://x/c>)* ?a }", True),
        ("SELECT ?r { ?r (<http://x/b>|<http://x/c>)* <http://x/C> }", False),
        ("SELECT ?r { ?r <http://x/b>/<http://x/c> ?a }", False),
        ("SELECT ?r { ?r <http://x/b> ?a FILTER (?a + 1 > 2) }", False),
    ],
)
def test_what_virtuoso_answers_differently_is_found_on_the_tokens(text: str, unsafe: bool) -> None:
    assert (virtuoso_unsafe(text) is not None) is unsafe


class _KeepsExists:
    """A store that asks for correlated EXISTS as written (as Virtuoso does) and may answer every rule
    wrongly, over a pyoxigraph store: every rule runs on the copy."""

    decorrelate_exists = False

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, text: str) -> object:
        return self.store.query(text)

    def unsafe_query(self, text: str) -> str:
        return "test store: may answer this wrongly"


class _Recording:
    """A copy that records the queries it is sent."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.sent: list[str] = []

    def query(self, text: str) -> object:
        self.sent.append(text)
        return self.store.query(text)


def test_rules_on_the_copy_are_compiled_for_the_copy_not_for_the_store() -> None:
    """A rule sent to the local copy is the query compiled for pyoxigraph (correlated EXISTS as joins),
    not the one written for the store (Oxigraph ran those once per candidate: Virtuoso's push-down at
    10,000 activities took over 19 minutes); and the findings are local validation's."""
    shapes = load_shapes()
    plain = load_store(None)
    copy = _Recording(plain)

    def queries(store: object) -> set[str]:
        plans = compile_plans(shapes, store, all_shapes=True)  # type: ignore[arg-type]
        return {check.query for plan in plans if plan.engine == "fast" for check in plan.checks}

    for_copy, as_written = queries(plain), queries(_KeepsExists(plain))
    only_as_written = as_written - for_copy
    assert only_as_written, "no rule keeps a correlated EXISTS: the test proves nothing"
    found = run_fast(store=_KeepsExists(plain), shapes_graph=shapes, copy=lambda: copy)  # type: ignore[arg-type,return-value]
    assert copy.sent, "no rule ran on the copy"
    assert not set(copy.sent) & only_as_written
    assert set(copy.sent) & (for_copy - as_written)
    assert keys(found) == keys(run_fast(store=plain, shapes_graph=shapes))
