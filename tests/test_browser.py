"""The dashboard in a real Chromium, started both ways a user starts it: ``streamlit run dashboard/app.py``
from the repository root (the project's ``.streamlit/config.toml`` applies) and ``ropa dashboard`` from
another folder. Every view opened, a filter, a saved query and a download exercised, a screenshot of each
view saved, no developer toolbar, and no request leaving 127.0.0.1: neither from the page (every request
and WebSocket recorded, any to another host aborted) nor from the server (its HTTP(S) proxy is a local
recorder). Set ``ROPA_SCREENSHOT_DIR`` to also write the README screenshots there."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update"]
REPO = Path(__file__).resolve().parents[1]
LOOPBACK = ("127.0.0.1", "localhost")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _RecordingProxy:
    """An HTTP(S) proxy on 127.0.0.1 that forwards nothing: it records each request line (``CONNECT
    host:443`` or ``GET http://host/``) and answers 403. The server's ``requests`` calls go through it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            with conn:
                conn.settimeout(5)
                try:
                    line = conn.makefile("rb").readline().decode("latin-1").strip()
                    self.requests.append(line)
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._sock.close()


def _environment(work: Path, proxy: _RecordingProxy) -> dict[str, str]:
    env = {**os.environ, "ROPA_CACHE_DIR": str(work / "cache"), "ROPA_DASHBOARD_WORK": str(work / "uploads")}
    env.pop("ROPA_DASHBOARD_PATHS", None)
    for name in [n for n in env if n.upper().startswith("STREAMLIT_")]:
        del env[name]  # only the project's settings, as on a newcomer's machine
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = proxy.url
    env["NO_PROXY"] = env["no_proxy"] = ",".join(LOOPBACK)
    return env


def _ropa() -> list[str]:
    """The installed ``ropa`` console script, else the same command through the interpreter."""
    script = Path(sys.executable).with_name("ropa")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ropa_kg.app.cli"]


def _streamlit_run(port: int) -> list[str]:
    """What a newcomer types at the root (headless only so that no browser window opens)."""
    return [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", *_port_headless(port)]


def _port_headless(port: int) -> list[str]:
    return ["--server.port", str(port), "--server.headless", "true"]


def _ropa_dashboard(port: int) -> list[str]:
    return [*_ropa(), "dashboard", "--port", str(port)]


#: how each way starts the dashboard: (working directory, None for a new empty folder; the command)
WAYS = {
    "streamlit-run-from-root": (REPO, _streamlit_run),
    "ropa-dashboard-elsewhere": (None, _ropa_dashboard),
}


@dataclass
class Dashboard:
    url: str
    work: Path
    #: requests the server process tried to send (through the recording proxy)
    server_requests: list[str] = field(default_factory=list)


def _start(
    command: list[str], cwd: Path, work: Path, proxy: _RecordingProxy, url: str
) -> subprocess.Popen[bytes]:
    """Run ``command`` in ``cwd`` until ``url`` answers; its output goes to ``work/streamlit.log``."""
    log_path = work / "streamlit.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=_environment(work, proxy), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(log_path.read_text(errors="replace"))
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # ropa passes SIGTERM on to the Streamlit server
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module", params=list(WAYS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (make test installs it)")
    cwd, make_command = WAYS[request.param]
    work = tmp_path_factory.mktemp(request.param)
    if cwd is None:
        cwd = work / "elsewhere"
        cwd.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proxy = _RecordingProxy()
    process = _start(make_command(port), cwd, work, proxy, url)
    try:
        yield Dashboard(url, work, proxy.requests)
    finally:
        _stop(process)
        proxy.close()


@pytest.fixture(autouse=True)
def _patient_expect() -> Iterator[None]:
    """expect() waits 5 s by default, less than a first load on a busy machine."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    yield
    expect.set_options(timeout=5_000)


class _Traffic:
    """Every request and WebSocket of a browser context; any to another origin than the dashboard's is
    recorded, and aborted unless it is to the loopback interface."""

    def __init__(self, context: BrowserContext, url: str) -> None:
        self.origins = (url, url.replace("http://", "ws://", 1))
        self.outside: list[str] = []
        context.route("**/*", self._route)
        context.on("request", lambda r: self._note(f"{r.method} {r.url}", r.url))

    def _local(self, url: str) -> bool:
        return url.startswith(self.origins) or url.startswith(("data:", "blob:"))

    def _note(self, what: str, url: str) -> None:
        if not self._local(url) and what not in self.outside:
            self.outside.append(what)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            self._note(f"{route.request.method} {url}", url)
            route.abort()

    def watch(self, page: Page) -> None:
        page.on("websocket", lambda ws: self._note(f"WebSocket {ws.url}", ws.url))


def _assert_nothing_left(server: Dashboard, traffic: _Traffic) -> None:
    assert traffic.outside == [], f"the page sent requests off {server.url}: {traffic.outside}"
    assert server.server_requests == [], f"the server sent requests off the machine: {server.server_requests}"


def _out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "screenshots"
    out.mkdir()
    return out


@pytest.mark.parametrize("server", ["ropa-dashboard-elsewhere"], indirect=True)
def test_every_view_in_chromium(server: Dashboard, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    out = _out_dir(tmp_path)
    timings: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        traffic = _Traffic(context, server.url)
        page = context.new_page()
        traffic.watch(page)
        page.set_default_timeout(60_000)

        def shot(name: str) -> None:
            page.wait_for_timeout(600)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)

        def view(path: str, title: str) -> None:
            page.goto(f"{server.url}/{path}")
            expect(page.get_by_role("heading", name=title).first).to_be_visible()

        start = time.perf_counter()
        page.goto(server.url)
        expect(page.get_by_text("Processing activities", exact=True).first).to_be_visible()
        expect(page.get_by_text("Third countries", exact=True)).to_be_visible()
        timings["first_load_s"] = time.perf_counter() - start
        expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("10")
        expect(page.locator(".js-plotly-plot text", has_text="Findings per family").first).to_be_attached()
        shot("overview")

        # a view switch through the navigation, in the same session
        start = time.perf_counter()
        page.get_by_role("link", name="Compliance").click()
        expect(page.get_by_role("heading", name="Compliance").first).to_be_visible()
        # a section per family of findings, in report order, each with its counts
        for family in (r"The record \(Art\. 30\)", r"The notice \(Art\. 12-14\)", "Lawfulness"):
            heading = page.get_by_role("heading", name=re.compile(rf"^{family}: \d+ findings \("))
            expect(heading).to_be_visible()
        expect(page.get_by_text(re.compile(r"ROPA-[A-Z0-9-]+ — ")).first).to_be_visible()  # a rule's findings
        timings["view_switch_s"] = time.perf_counter() - start
        shot("compliance")

        view("activities", "Processing activities")
        expect(page.get_by_text("10 of 10 activities")).to_be_visible()
        page.get_by_label("Search activity names").fill("chat")
        page.get_by_label("Search activity names").press("Enter")
        expect(page.get_by_text("1 of 10 activities")).to_be_visible()
        shot("activities")

        view("activity?id=alu:Chat", "Activity detail")
        expect(page.get_by_text("Tiedot siirretään Netop Business Solutions A/S:lle.").first).to_be_visible()
        shot("activity")

        view("recipients", "Recipients and transfers")
        # Google's EEA party is Google Ireland Limited (the US leg is Google's own onward transfer)
        expect(page.get_by_text("Transfers to third countries (0)")).to_be_visible()
        expect(page.get_by_text("No recipient of any activity is recorded outside the EEA.")).to_be_visible()
        shot("recipients")

        view("flows", "Data flows")
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        expect(page.locator(".js-plotly-plot text", has_text=re.compile(r"^Ireland$")).first).to_be_attached()
        shot("flows")

        view("console", "Query console")
        page.get_by_role("button", name="Run saved query").click()
        expect(page.get_by_text("Download CSV")).to_be_visible()
        expect(page.get_by_text("rows").first).to_be_visible()
        shot("console")

        view("export", "Export")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download .csv").click()
        saved = tmp_path / "register.csv"
        download.value.save_as(saved)
        assert saved.read_text(encoding="utf-8-sig").startswith("Activity ID,Processing activity")
        shot("export")
        page.wait_for_timeout(1000)  # time for a late beacon (usage statistics go after the first render)
        browser.close()

    _assert_nothing_left(server, traffic)
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=2))
    print(f"dashboard timings: {timings}")
    assert len(list(out.glob("*.png"))) == 8
    target = os.environ.get("ROPA_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in ("overview", "activity"):
            shutil.copy(out / f"{name}.png", Path(target) / f"{name}.png")


#: every view's heading, by its file in dashboard/views
HEADINGS = {
    "overview": "Record of processing activities",
    "activities": "Processing activities",
    "activity": "Activity detail",
    "edit": "Edit an activity",
    "parties": "Parties",
    "recipients": "Recipients and transfers",
    "flows": "Data flows",
    "compliance": "Compliance",
    "console": "Query console",
    "export": "Export",
    "importer": "Import a spreadsheet",
    "history": "History",
}


def _pages() -> list[tuple[str, str]]:
    """The views dashboard/app.py lists: (file stem, navigation title), in order."""
    app = (REPO / "dashboard" / "app.py").read_text(encoding="utf-8")
    return re.findall(r'st\.Page\(\s*"views/(\w+)\.py",\s*title="([^"]+)"', app)


def test_headings_cover_every_view() -> None:
    assert [stem for stem, _ in _pages()] == list(HEADINGS)


@contextmanager
def _overview(server: Dashboard) -> Iterator[tuple[Any, _Traffic]]:
    """A real Chromium on the dashboard's overview, every request of the page watched."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        traffic = _Traffic(context, server.url)
        page = context.new_page()
        traffic.watch(page)
        page.set_default_timeout(60_000)
        page.goto(server.url)
        expect(page.get_by_text("Third countries", exact=True)).to_be_visible()
        yield page, traffic
        browser.close()


def test_every_view_sends_nothing_off_the_machine(server: Dashboard) -> None:
    """Both ways of starting the dashboard: no Deploy button, no developer options in the main menu,
    every view renders (reached through the navigation), and nothing but the dashboard's own origin is
    asked for anything."""
    from playwright.sync_api import expect

    with _overview(server) as (page, traffic):
        # the toolbar is there, without Deploy
        expect(page.locator('[data-testid="stToolbar"]')).to_be_attached()
        expect(page.locator('[data-testid="stAppDeployButton"]')).to_have_count(0, timeout=2_000)
        page.locator('[data-testid="stMainMenuButton"]').click()
        menu = page.locator('[data-testid="stMainMenuList"]')
        expect(menu.get_by_text("Print")).to_be_visible()  # the viewer's options stay
        labels = menu.locator('[data-testid="stMainMenuItemLabel"]').all_inner_texts()
        items = {label.strip() for label in labels}
        assert not items & {"Rerun", "Clear cache", "Deploy this app", "Developer options"}, items
        page.keyboard.press("Escape")
        navigation = page.locator('[data-testid="stSidebarNav"]')
        for stem, title in _pages():
            navigation.get_by_role("link", name=title, exact=True).click()
            expect(page.get_by_role("heading", name=HEADINGS[stem]).first).to_be_visible()
            expect(page.locator('[data-testid="stSidebar"]').get_by_text("activities ·")).to_be_visible()
            expect(page.locator('[data-testid="stException"]')).to_have_count(0, timeout=2_000)
        page.wait_for_timeout(1000)  # time for a late beacon (usage statistics go after the first render)
    _assert_nothing_left(server, traffic)


@pytest.mark.parametrize("server", ["streamlit-run-from-root"], indirect=True)
def test_an_upload_error_names_the_chosen_file(server: Dashboard, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    chosen = tmp_path / "chosen-by-user.ttl"
    chosen.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b\n", encoding="utf-8")
    with _overview(server) as (page, traffic):
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Change source").click()
        sidebar.get_by_text("Upload files").click()
        sidebar.locator('input[type="file"]').set_input_files(str(chosen))
        sidebar.get_by_role("button", name="Load these files").click()
        error = sidebar.locator('[data-testid="stAlertContentError"]')
        expect(error).to_contain_text("chosen-by-user.ttl")
        message = error.inner_text()
        assert str(server.work) not in message and "/uploads/" not in message, message
        expect(page.get_by_role("link", name="Ask Google")).to_have_count(0, timeout=2_000)
    _assert_nothing_left(server, traffic)


def test_an_exception_keeps_its_details_but_no_search_links(tmp_path: Path) -> None:
    """``client.showErrorLinks``: Streamlit shows "Ask Google" / "Ask ChatGPT" under an exception on
    localhost unless told not to. The dashboard catches its own errors, so a one-line app that raises
    stands in for it, started from the root like the dashboard (the root's config applies)."""
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (make test installs it)")
    app = tmp_path / "raises.py"
    app.write_text('raise RuntimeError("the details stay visible")\n', encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proxy = _RecordingProxy()
    command = [sys.executable, "-m", "streamlit", "run", str(app), *_port_headless(port)]
    process = _start(command, REPO, tmp_path, proxy, url)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context()
            traffic = _Traffic(context, url)
            page = context.new_page()
            traffic.watch(page)
            page.set_default_timeout(60_000)
            page.goto(url)
            exception = page.locator('[data-testid="stException"]')
            expect(exception).to_contain_text("the details stay visible")
            expect(exception).to_contain_text("RuntimeError")
            expect(page.get_by_role("link", name="Ask Google")).to_have_count(0, timeout=2_000)
            expect(page.get_by_role("link", name="Ask ChatGPT")).to_have_count(0, timeout=2_000)
            browser.close()
    finally:
        _stop(process)
        proxy.close()
    _assert_nothing_left(Dashboard(url, tmp_path, proxy.requests), traffic)
