"""The dashboard in a real Chromium: ``streamlit run`` on a free loopback port, every view opened, a
filter, a saved query and a download exercised, a screenshot of each view saved, no request leaving
127.0.0.1. Set ``ROPA_SCREENSHOT_DIR`` to also write the README screenshots there."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ropa_kg.cli.dashboard import streamlit_command

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (make test installs it)")
    port = _free_port()
    work = tmp_path_factory.mktemp("streamlit")
    env = {**os.environ, "ROPA_CACHE_DIR": str(work / "cache"), "ROPA_DASHBOARD_WORK": str(work / "uploads")}
    env.pop("ROPA_DASHBOARD_PATHS", None)
    log = (work / "streamlit.log").open("wb")
    process = subprocess.Popen(
        streamlit_command(port=port, bind="127.0.0.1"),
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "screenshots"
    out.mkdir()
    return out


def test_every_view_in_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    out = _out_dir(tmp_path)
    outside: list[str] = []
    timings: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        page.on(
            "request",
            lambda r: None if r.url.startswith((server, "data:", "blob:")) else outside.append(r.url),
        )
        page.set_default_timeout(60_000)

        def shot(name: str) -> None:
            page.wait_for_timeout(600)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)

        def view(path: str, title: str) -> None:
            page.goto(f"{server}/{path}")
            expect(page.get_by_role("heading", name=title).first).to_be_visible()

        start = time.perf_counter()
        page.goto(server)
        expect(page.get_by_text("Processing activities", exact=True).first).to_be_visible()
        expect(page.get_by_text("Third countries", exact=True)).to_be_visible()
        timings["first_load_s"] = time.perf_counter() - start
        expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("10")
        shot("overview")

        # a view switch through the navigation, in the same session
        start = time.perf_counter()
        page.get_by_role("link", name="Compliance").click()
        expect(page.get_by_role("heading", name="Compliance").first).to_be_visible()
        expect(page.get_by_text("ROPA-TRANSFER-MECHANISM").first).to_be_visible()
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
        expect(page.get_by_text("Transfers to third countries (2)")).to_be_visible()
        shot("recipients")

        view("flows", "Data flows")
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        expect(page.locator(".js-plotly-plot text", has_text="United States").first).to_be_attached()
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
        browser.close()

    assert outside == [], f"requests left the machine: {outside}"
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=2))
    print(f"dashboard timings: {timings}")
    assert len(list(out.glob("*.png"))) == 8
    target = os.environ.get("ROPA_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in ("overview", "activity"):
            shutil.copy(out / f"{name}.png", Path(target) / f"{name}.png")
