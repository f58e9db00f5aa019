"""Server use: `ropa serve` and the dashboard listen on 127.0.0.1 only; a store replaces the named graph
atomically (a broken or cut-off upload leaves the previous graph whole); the dashboard never writes to
the record; a broken upload in the dashboard shows an error box and the previous record stays."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hostile_support import HOSTILE, tree_digest
from ropa_kg.core.resources import alumeco_dir, dashboard_dir
from ropa_kg.query.endpoint import EndpointError, OxigraphServer, fetch_graph, free_port, put_graph

APP = str(dashboard_dir() / "app.py")


def listening_addresses(port: int) -> set[str]:
    """The local addresses (IPv4 and IPv6, hex as in /proc/net/tcp*) with a socket listening on ``port``."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
                found.add(address)
    return found


LOOPBACK_V4 = "0100007F"  # 127.0.0.1, little-endian hex


def wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> set[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = listening_addresses(port)
        if found:
            return found
        assert process.poll() is None, "the server stopped"
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port}")


def assert_nothing_listens(port: int, seconds: float = 20) -> None:
    """No server is left listening on ``port`` (a child orphaned by its stopped parent would be)."""
    deadline = time.monotonic() + seconds
    while listening_addresses(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert listening_addresses(port) == set()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.xdist_group("oxigraph-server")
def test_ropa_serve_listens_on_loopback_only(tmp_path: Path) -> None:
    port = free_port()
    ropa = Path(sys.executable).parent / "ropa"
    process = subprocess.Popen(
        [str(ropa), "serve", "--store", str(tmp_path / "store"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_listening(port, process) == {LOOPBACK_V4}
    finally:
        stop(process)
    assert_nothing_listens(port)  # stopping `ropa serve` stops the oxigraph server it started


def test_a_server_stopped_while_starting_is_not_left_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (`ropa serve` turns it into KeyboardInterrupt) or Ctrl-C while `oxigraph serve` starts."""
    server = OxigraphServer(tmp_path / "store", free_port())
    started: list[subprocess.Popen[bytes]] = []

    def interrupted(self: OxigraphServer) -> bool:
        assert self.process is not None
        started.append(self.process)
        raise KeyboardInterrupt

    monkeypatch.setattr(OxigraphServer, "_answers", interrupted)
    with pytest.raises(KeyboardInterrupt):
        server.start()
    assert len(started) == 1
    assert started[0].poll() is not None  # the oxigraph process was stopped, not orphaned


def test_ropa_dashboard_listens_on_loopback_only(tmp_path: Path) -> None:
    port = free_port()
    ropa = Path(sys.executable).parent / "ropa"
    process = subprocess.Popen(
        [str(ropa), "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        assert wait_listening(port, process) == {LOOPBACK_V4}
    finally:
        stop(process)
    assert_nothing_listens(port)  # stopping `ropa dashboard` stops the Streamlit server it started


# --- atomic replacement of the named graph --------------------------------------------------------


@pytest.mark.slow  # a server loaded three times; make check keeps test_ropa_serve_listens_on_loopback_only
@pytest.mark.xdist_group("oxigraph-server")
def test_a_load_that_fails_half_way_leaves_the_previous_graph_whole(tmp_path: Path) -> None:
    graph = "urn:ropa-kg:hostile-atomic"
    good = "".join(f"<urn:s{i}> <urn:p> <urn:o{i}> .\n" for i in range(1000)).encode()
    with OxigraphServer(tmp_path / "store", free_port()) as server:
        put_graph(server.store_url, graph_iri=graph, data=good)
        before = fetch_graph(server.query_url, graph_iri=graph)
        assert len(before) == 1000
        # 1) the store fails half-way through parsing: 50,000 good triples, then a broken one
        half = "".join(f"<urn:n{i}> <urn:p> <urn:o{i}> .\n" for i in range(50_000)).encode()
        with pytest.raises(EndpointError, match="refused the graph"):
            put_graph(server.store_url, graph_iri=graph, data=half + b"<urn:broken> <urn:p> .\n")
        assert set(fetch_graph(server.query_url, graph_iri=graph)) == set(before)
        # 2) the upload is cut off: the client announces 1 MB, sends half and disconnects
        body = half[: len(half) // 2]
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        connection.putrequest("PUT", f"/store?graph={graph}")
        connection.putheader("Content-Type", "application/n-triples")
        connection.putheader("Content-Length", str(len(half)))
        connection.endheaders()
        connection.send(body)
        connection.close()
        time.sleep(1.0)
        assert set(fetch_graph(server.query_url, graph_iri=graph)) == set(before)


# --- the dashboard never writes to the record --------------------------------------------------------


@pytest.fixture
def dashboard_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    record = tmp_path / "record"
    shutil.copytree(alumeco_dir(), record)
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path / "work"))
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(record))
    return record


@pytest.mark.slow  # every view through AppTest; make check keeps the broken-upload walk below
def test_the_dashboard_never_writes_to_the_record(dashboard_env: Path) -> None:
    record_before = tree_digest(dashboard_env)
    bundled_before = tree_digest(alumeco_dir())
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    pages = [
        "views/overview.py",
        "views/activities.py",
        "views/activity.py",
        "views/recipients.py",
        "views/flows.py",
        "views/compliance.py",
        "views/console.py",
        "views/export.py",
    ]
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page("views/console.py").run()
    at.button(key="run_adhoc").click().run()
    assert not at.exception
    assert len(record_before) >= 9
    assert tree_digest(dashboard_env) == record_before
    assert tree_digest(alumeco_dir()) == bundled_before


# --- broken uploads in the dashboard ----------------------------------------------------------------

BROKEN_UPLOADS = [
    ("malformed.ttl", "malformed.ttl, line 46: syntax error"),
    ("undefined-prefix.ttl", "undefined-prefix.ttl, line 35: syntax error"),
    ("empty.ttl", "empty.ttl: the file is empty"),
    ("binary.ttl", "binary.ttl, line 3: not a text file"),
    ("billion-laughs.rdf", "billion-laughs.rdf, line 5: refused: entity 'l1' refers to other entities"),
    ("remote-context.jsonld", "remote-context.jsonld, line 2: refused: @context"),
]


def test_broken_uploads_show_an_error_box_and_keep_the_previous_record(dashboard_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    good_label = at.session_state["source"].label
    activities = "10 activities"
    assert any(activities in str(m.value) for m in at.sidebar.markdown)
    for name, message in BROKEN_UPLOADS:
        at.radio(key="source_choice").set_value("Upload files").run()
        data = (HOSTILE / name).read_bytes()
        at.file_uploader(key="uploads").set_value((name, data, "application/octet-stream")).run()
        at.button(key="load_uploads").click().run()
        assert not at.exception, (name, [e.value for e in at.exception])
        errors = [str(e.value) for e in at.error]
        assert any(message in e and "The previous record stays loaded" in e for e in errors), (name, errors)
        assert at.session_state["source"].label == good_label
        assert any(activities in str(m.value) for m in at.sidebar.markdown)
