"""A real Oxigraph server on a free loopback port: `ropa load`, every saved query through --endpoint
(same rows as embedded), atomic replacement of the named graph, fetch_graph, and `ropa serve` itself."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from rdflib import XSD

from query_cases import all_cases, case_id, is_ordered, normalise, parse_csv
from ropa_kg.app.cli import main
from ropa_kg.app.cli.credentials import credentials_from
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.load.store import load_store
from ropa_kg.query.endpoint import (
    DEFAULT_GRAPH_IRI,
    Credentials,
    Endpoint,
    EndpointError,
    OxigraphServer,
    fetch_graph,
    fetch_store,
    free_port,
    graph_store_url_for,
    put_graph,
)
from ropa_kg.query.queries import resolve, run_query

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("oxigraph-server")]
CASES = all_cases()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-store"), free_port()) as running:
        result = CliRunner().invoke(main, ["load", "--endpoint", running.query_url, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert f'"graph": "{DEFAULT_GRAPH_IRI}"' in result.output
        yield running


def _csv(args: list[str]) -> str:
    result = CliRunner().invoke(main, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("name", "params"), CASES, ids=[case_id(n, p) for n, p in CASES])
def test_every_saved_query_gives_the_same_rows_through_the_server(
    server: OxigraphServer, name: str, params: dict[str, str]
) -> None:
    param_args = [arg for k, v in params.items() for arg in ("--param", f"{k}={v}")]
    embedded_header, embedded = parse_csv(_csv(["query", name, *param_args]))
    remote_header, remote = parse_csv(_csv(["query", name, *param_args, "--endpoint", server.query_url]))
    assert remote_header == embedded_header
    ordered = is_ordered(resolve(name).text) and name != "record-triples"
    if name == "record-triples":  # blank node labels differ between stores
        embedded = [tuple("_:b" if c.startswith("_:") else c for c in r) for r in embedded]
        remote = [tuple("_:b" if c.startswith("_:") else c for c in r) for r in remote]
    assert normalise(remote, ordered=ordered) == normalise(embedded, ordered=ordered)
    if name != "record-triples":  # the same bytes through the server as embedded
        assert remote == embedded


def test_the_union_default_graph_also_sees_the_record(server: OxigraphServer) -> None:
    union = _csv(
        ["query", "third-country-transfers", "--endpoint", server.query_url, "--store-default-graph"]
    )
    assert union == _csv(["query", "third-country-transfers"])
    other = _csv(
        ["query", "third-country-transfers", "--endpoint", server.query_url, "--graph", "urn:ropa-kg:empty"]
    )
    assert parse_csv(other)[1] == []


def test_fetch_graph_returns_the_loaded_triples(server: OxigraphServer) -> None:
    graph = fetch_graph(server.query_url)
    assert len(graph) == len(load_store())
    assert fetch_graph(server.query_url, graph_iri="urn:ropa-kg:nothing-here").__len__() == 0


def test_a_construct_through_run_query_gives_the_embedded_triples(server: OxigraphServer) -> None:
    """`run_query(..., endpoint=...)` (the dashboard's and the API's path) reads a CONSTRUCT's Turtle into
    the same table as embedded: every triple, literals as written (blank node labels are the store's)."""

    def rows(table: object) -> list[tuple[str, ...]]:
        return sorted(
            tuple("_:b" if c.startswith("_:") else c for c in row)
            for row in table.text_rows(compact=False)  # type: ignore[attr-defined]  # a ResultTable
        )

    remote = run_query(resolve("record-triples"), endpoint=Endpoint(server.query_url))
    embedded = run_query(resolve("record-triples"))
    assert remote.form is embedded.form and len(remote.rows) == len(embedded.rows) > 1000
    assert rows(remote) == rows(embedded)


def test_fetch_store_copies_the_loaded_triples_into_pyoxigraph(server: OxigraphServer) -> None:
    """The copy `validate --endpoint` runs refused rules on: every triple the record loads to, none else
    (blank nodes relabelled by the parse, so counted apart)."""
    copied = fetch_store(server.query_url)
    loaded = load_store()

    def named(store: object) -> set[tuple[str, str, str]]:
        return {
            (str(q.subject), str(q.predicate), str(q.object))
            for q in store  # type: ignore[attr-defined]  # a pyoxigraph store iterates its quads
            if "_:" not in str(q.subject) + str(q.object)
        }

    assert len(copied) == len(loaded)
    assert named(copied) == named(loaded)
    assert len(fetch_store(server.query_url, graph_iri="urn:ropa-kg:nothing-here")) == 0


class _FakeStore(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that counts :attr:`count` triples and answers every CONSTRUCT with :attr:`body`."""

    count: ClassVar[int] = 5
    body: ClassVar[bytes] = b'<urn:s> <urn:p> <urn:o> .\n<urn:s> <urn:p> "unterminated .\n'

    def do_POST(self) -> None:  # the http.server name
        asked = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        counting = "COUNT(*)" in asked["query"][0]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json" if counting else "text/turtle")
        self.end_headers()
        if counting:
            cell = {"type": "literal", "datatype": str(XSD.integer), "value": str(self.count)}
            self.wfile.write(
                json.dumps(
                    {"head": {"vars": ["triples"]}, "results": {"bindings": [{"triples": cell}]}}
                ).encode()
            )
        else:
            self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


class _NotTurtle(_FakeStore):
    pass


class _CapsAnswers(_FakeStore):
    """Counts 5 triples, answers 2 (as a store with a cap on an answer's rows does)."""

    body: ClassVar[bytes] = b"<urn:s> <urn:p> <urn:o> .\n<urn:s> <urn:p> <urn:o2> .\n"


def test_fetch_store_in_pages_gives_the_whole_copy_blank_nodes_included(server: OxigraphServer) -> None:
    """A copy in pages of 500 triples (``LIMIT`` / ``OFFSET``, over 15 requests) holds exactly the
    triples of the copy in one page: blank nodes keep the store's labels across pages."""
    whole = fetch_store(server.query_url)
    paged = fetch_store(server.query_url, page_size=500)
    assert len(whole) > 15 * 500
    assert set(paged) == set(whole)


@contextlib.contextmanager
def _serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` serving on a free loopback port, for the block; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    ("store", "message"),
    [
        # a cap on an answer's rows, or a graph changing while copied: an error, not a partial copy
        (_CapsAnswers, "{url} counted 5 triples in the graph but answered 2 "),
        (_NotTurtle, "{url} did not answer with Turtle"),
    ],
    ids=["cut-short", "not-turtle"],
)
def test_fetch_store_refuses_a_bad_copy_and_names_the_endpoint(
    store: type[http.server.BaseHTTPRequestHandler], message: str
) -> None:
    with _serving(store) as base, pytest.raises(EndpointError, match=message.format(url=f"{base}/sparql")):
        fetch_store(f"{base}/sparql")


def test_validate_copy_from_a_store_that_cut_the_copy_short_is_exit_2() -> None:
    """`ropa validate --endpoint URL --copy` on a store that answers fewer triples than it counts: exit 2
    with the reason, no report (as the README's store table says)."""
    with _serving(_CapsAnswers) as base:
        result = CliRunner().invoke(main, ["validate", "--endpoint", f"{base}/sparql", "--copy"])
    assert result.exit_code == 2, result.output
    assert f"{base}/sparql counted 5 triples in the graph but answered 2 " in result.output
    assert "ResultSetMaxRows" in result.output and "conforms" not in result.output.lower()


class _SlowStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store that reads the whole body, then takes 3 s to answer."""

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(3)
        try:
            self.send_response(204)
            self.end_headers()
        except (BrokenPipeError, ConnectionError):  # the client stopped waiting
            pass

    def log_message(self, *args: object) -> None:
        pass


def test_load_waits_timeout_seconds_for_the_store_and_says_so() -> None:
    """`ropa load --timeout`: a store slower than the limit is an exit 2 naming the limit and the remedy
    (not "cannot reach"); a limit long enough loads."""
    with _serving(_SlowStore) as base:
        args = ["load", "--endpoint", f"{base}/query", "--graph-store", f"{base}/store", "--format", "json"]
        hasty = CliRunner().invoke(main, [*args, "--timeout", "1"])
        patient = CliRunner().invoke(main, [*args, "--timeout", "30"])
    assert hasty.exit_code == 2, hasty.output
    assert f"{base}/store did not answer within 1 s after the" in hasty.output
    assert "raise the limit with --timeout SECONDS" in hasty.output and "cannot reach" not in hasty.output
    assert patient.exit_code == 0, patient.output
    assert json.loads(patient.stdout)["triples"] == len(load_store())


def test_validate_through_the_endpoint_reports_the_embedded_findings(server: OxigraphServer) -> None:
    """`ropa validate --endpoint` finds exactly what `ropa validate` finds on the same files."""
    embedded = CliRunner().invoke(main, ["validate", "--format", "json", "--today", "2026-06-01"])
    remote = CliRunner().invoke(
        main, ["validate", "--endpoint", server.query_url, "--format", "json", "--today", "2026-06-01"]
    )
    assert embedded.exit_code == remote.exit_code == 1, remote.output

    def keys(text: str) -> list[tuple[str, ...]]:
        def node(value: str | None) -> str:  # blank node labels differ between stores
            return "_:b" if value and value.startswith("_:") else value or ""

        findings = json.loads(text)["findings"]
        return sorted((f["rule_id"], node(f["focus_node"]), node(f.get("value"))) for f in findings)

    assert keys(remote.stdout) == keys(embedded.stdout)
    assert any(k[0] == "ROPA-A30-RETENTION" for k in keys(remote.stdout))
    # the rules ran inside the store (push-down), none on a copy: stderr says so
    assert "rules ran inside the store (" in remote.stderr
    assert "on a copy" not in remote.stderr


def test_validate_endpoint_usage_errors(server: OxigraphServer, tmp_path: Path) -> None:
    both = CliRunner().invoke(main, ["validate", "data/alumeco", "--endpoint", server.query_url])
    assert both.exit_code == 2 and "not both" in both.output
    lonely = CliRunner().invoke(main, ["validate", "--graph", "urn:x"])
    assert (
        lonely.exit_code == 2
        and "--graph, --store-default-graph, --timeout and --user need --endpoint" in lonely.output
    )


def test_an_empty_named_graph_is_said_not_answered_silently(server: OxigraphServer) -> None:
    """Data in the store's default graph, the query on an empty named graph: stderr says so (query,
    exit 0) or refuses (validate, exit 2: an empty record is never a pass), naming both remedies."""
    url = server.query_url
    query = CliRunner().invoke(
        main, ["query", "third-country-transfers", "--endpoint", url, "--graph", "urn:ropa-kg:nothing-here"]
    )
    assert query.exit_code == 0, query.output
    note = f"note: the named graph <urn:ropa-kg:nothing-here> on {url} holds no triples"
    assert note in query.stderr
    assert "--store-default-graph" in query.stderr and "--graph IRI" in query.stderr
    assert query.stdout.endswith("(0 rows)\n")
    validate = CliRunner().invoke(
        main, ["validate", "--endpoint", url, "--graph", "urn:ropa-kg:nothing-here"]
    )
    assert validate.exit_code == 2, validate.output
    assert "the named graph <urn:ropa-kg:nothing-here>" in validate.stderr and "PASSED" not in validate.output
    union = CliRunner().invoke(
        main, ["validate", "--endpoint", url, "--store-default-graph", "--format", "json"]
    )
    assert union.exit_code == 1, union.output  # the union default graph holds the record


def test_an_empty_answer_from_a_graph_with_data_has_no_note(server: OxigraphServer) -> None:
    result = CliRunner().invoke(
        main,
        ["query", "breach-impact-recipient", "-p", "recipient=urn:nobody", "--endpoint", server.query_url],
    )
    assert result.exit_code == 0, result.output
    assert "holds no triples" not in result.stderr


def test_load_replaces_the_graph_atomically(server: OxigraphServer, tmp_path: Path) -> None:
    graph = "urn:ropa-kg:atomic-test"
    endpoint = Endpoint(server.query_url, default_graphs=(graph,))
    count = resolve("controller-and-dpo")
    one = tmp_path / "one.ttl"
    one.write_text(
        '@prefix dpv: <https://w3id.org/dpv#> .\n<urn:c1> a dpv:DataController ; dpv:hasName "One" .\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["load", str(one), "--endpoint", server.query_url, "--graph", graph])
    assert result.exit_code == 0, result.output
    first = run_query(count, endpoint=endpoint)
    # loading again replaces, it does not add
    result = CliRunner().invoke(main, ["load", str(one), "--endpoint", server.query_url, "--graph", graph])
    assert result.exit_code == 0, result.output
    assert run_query(count, endpoint=endpoint) == first
    assert len(fetch_graph(server.query_url, graph_iri=graph)) == len(load_store([one]))
    # a broken upload is refused whole and leaves the previous graph as it was
    with pytest.raises(EndpointError, match="refused the graph"):
        put_graph(
            server.store_url,
            graph_iri=graph,
            data=b"<urn:a> <urn:b> <urn:c> .\n<urn:broken",
            content_type="application/n-triples",
        )
    assert run_query(count, endpoint=endpoint) == first
    # a broken local file is reported before anything is sent
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["load", str(bad), "--endpoint", server.query_url, "--graph", graph])
    assert result.exit_code == 2 and f"{bad}, line 1" in result.output
    assert run_query(count, endpoint=endpoint) == first


def test_refusals_happen_before_anything_is_sent(server: OxigraphServer, tmp_path: Path) -> None:
    path = tmp_path / "service.rq"
    path.write_text(f"SELECT * WHERE {{ SERVICE <{server.query_url}> {{ ?s ?p ?o }} }}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--endpoint", server.query_url])
    assert result.exit_code == 2 and "SERVICE is not allowed" in result.output


def test_unreachable_endpoint_is_a_clear_error() -> None:
    port = free_port()
    result = CliRunner().invoke(
        main, ["query", "art30-register", "--endpoint", f"http://127.0.0.1:{port}/query"]
    )
    assert result.exit_code == 2
    assert f"cannot reach http://127.0.0.1:{port}/query" in result.output


def test_graph_store_address_is_derived_for_oxigraph_and_fuseki() -> None:
    assert graph_store_url_for("http://127.0.0.1:7878/query") == "http://127.0.0.1:7878/store"
    assert graph_store_url_for("http://localhost:3030/ropa/sparql") == "http://localhost:3030/ropa/data"
    with pytest.raises(RopaUsageError, match="--graph-store"):
        graph_store_url_for("http://localhost:7200/repositories/ropa")
    with pytest.raises(RopaUsageError, match="not an http"):
        Endpoint("file:///etc/passwd")


def test_ropa_serve_binds_loopback_loads_and_stops(tmp_path: Path) -> None:
    port = free_port()
    ropa = Path(sys.executable).parent / "ropa"
    process = subprocess.Popen(
        [str(ropa), "serve", "--store", str(tmp_path / "store"), "--port", str(port), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once the record is loaded
        assert f'"query_url": "http://127.0.0.1:{port}/query"' in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        remote = run_query(
            resolve("third-country-transfers"), endpoint=Endpoint(f"http://127.0.0.1:{port}/query")
        )
        assert remote.text_rows() == run_query(resolve("third-country-transfers")).text_rows()
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)  # waits, and closes the pipes
    # the oxigraph child is gone with it: the port no longer answers
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _listening(port):
        time.sleep(0.1)
    assert not _listening(port)
    assert any((tmp_path / "store").iterdir()), "the store folder persists"


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(
    os.environ.get("ROPA_BENCH") != "1", reason="timing table, not a test: ROPA_BENCH=1 pytest -s"
)
def test_print_query_times(server: OxigraphServer) -> None:
    """Print each saved query's time on Alumeco: embedded (pyoxigraph, rdflib) and through the server."""
    from ropa_kg.load.graph import load_graph
    from ropa_kg.query.queries import catalogue, execute_oxigraph, execute_rdflib

    store, graph = load_store(), load_graph()
    endpoint = Endpoint(server.query_url)

    def median(run: object) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            run()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        return sorted(times)[2] * 1000

    print("\n| query | pyoxigraph ms | rdflib ms | Oxigraph server ms |\n|---|---:|---:|---:|")
    for query in catalogue():
        b = query.bindings()
        ox_ms = median(lambda q=query, b=b: execute_oxigraph(q, store, b))
        rl_ms = median(lambda q=query, b=b: execute_rdflib(q, graph, b))
        sv_ms = median(lambda q=query: run_query(q, endpoint=endpoint))
        print(f"| {query.name} | {ox_ms:.1f} | {rl_ms:.1f} | {sv_ms:.1f} |")


# --- credentials: basic auth against a stub store (Virtuoso's digest: tests/test_virtuoso.py) ----------


class _BasicStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store that wants ``Basic ops:s3cret`` and records what it was sent."""

    seen: ClassVar[list[tuple[str, str | None, bytes]]] = []

    def _allowed(self) -> bool:
        expected = "Basic " + base64.b64encode(b"ops:s3cret").decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_HEAD(self) -> None:
        if self._allowed():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).seen.append(("PUT", self.headers.get("Authorization"), body))
        if self._allowed():
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def basic_store() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BasicStore)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/store"
    httpd.shutdown()
    httpd.server_close()


def test_basic_auth_goes_with_the_one_put(basic_store: str) -> None:
    """The store asks for basic: the PUT carries it from the start (the body is sent once)."""
    _BasicStore.seen.clear()
    status = put_graph(
        basic_store,
        graph_iri="urn:g",
        data=b"<urn:a> <urn:b> <urn:c> .\n",
        credentials=Credentials("ops", "s3cret"),
    )
    assert status == 201
    assert _BasicStore.seen == [("PUT", "Basic b3BzOnMzY3JldA==", b"<urn:a> <urn:b> <urn:c> .\n")]


def test_wrong_or_no_credentials_send_no_body(basic_store: str) -> None:
    _BasicStore.seen.clear()
    with pytest.raises(RopaUsageError, match=r"refused the credentials of user 'ops' \(401\)"):
        put_graph(basic_store, graph_iri="urn:g", data=b"x", credentials=Credentials("ops", "wrong"))
    assert _BasicStore.seen == []  # refused at the checking HEAD
    with pytest.raises(EndpointError, match=r"asks for credentials \(401\): give --user NAME"):
        put_graph(basic_store, graph_iri="urn:g", data=b"x")
    assert repr(Credentials("ops", "s3cret")) == "Credentials(user='ops')"


def test_ropa_load_reads_the_password_from_the_environment_or_a_file(
    basic_store: str, tmp_path: Path
) -> None:
    record = tmp_path / "r.ttl"
    record.write_text("<urn:x> a <https://w3id.org/dpv#Process> .\n", encoding="utf-8")
    args = [
        "load",
        "--endpoint",
        "http://127.0.0.1:9/query",
        "--graph-store",
        basic_store,
        str(record),
        "--user",
        "ops",
    ]
    ok = CliRunner().invoke(main, args, env={"ROPA_ENDPOINT_PASSWORD": "s3cret"})
    assert ok.exit_code == 0 and ok.output.startswith("loaded "), ok.output
    secret = tmp_path / "password"
    secret.write_text("s3cret\nignored second line\n", encoding="utf-8")
    from_file = CliRunner().invoke(
        main, [*args, "--password-file", str(secret)], env={"ROPA_ENDPOINT_PASSWORD": ""}
    )
    assert from_file.exit_code == 0, from_file.output
    wrong = CliRunner().invoke(main, args, env={"ROPA_ENDPOINT_PASSWORD": "nope"})
    assert wrong.exit_code == 2 and "refused the credentials of user 'ops' (401)" in wrong.output


def test_credentials_come_from_a_file_or_the_environment_never_the_command_line(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-file\n", encoding="utf-8")
    assert credentials_from("u", secret, environ={"ROPA_ENDPOINT_PASSWORD": "env"}) == Credentials(
        "u", "from-file"
    )
    assert credentials_from("u", None, environ={"ROPA_ENDPOINT_PASSWORD": "env"}) == Credentials("u", "env")
    assert credentials_from(None, None, environ={"ROPA_ENDPOINT_PASSWORD": "env"}) is None
    with pytest.raises(
        RopaUsageError, match="--user u needs a password: set the environment variable ROPA_ENDPOINT_PASSWORD"
    ):
        credentials_from("u", None, environ={})
    with pytest.raises(RopaUsageError, match="--password-file needs --user NAME"):
        credentials_from(None, secret, environ={})
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(RopaInputError, match="empty: the password file's first line is empty"):
        credentials_from("u", empty, environ={})
    with pytest.raises(RopaInputError, match="cannot read the password file"):
        credentials_from("u", tmp_path / "missing", environ={})
    assert "--password" not in [p.opts[0] for p in main.commands["load"].params]
    missing = CliRunner().invoke(
        main,
        ["query", "controller-and-dpo", "--endpoint", "http://127.0.0.1:9/q", "--user", "u"],
        env={"ROPA_ENDPOINT_PASSWORD": ""},
    )
    assert missing.exit_code == 2 and "--user u needs a password" in missing.output
