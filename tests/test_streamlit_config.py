"""The dashboard's Streamlit settings live in one file, ``.streamlit/config.toml`` at the root: Streamlit
reads it there, ``ropa dashboard`` passes each of its settings as a flag, and the wheel carries it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ropa_kg.app.cli import dashboard as cli_dashboard
from ropa_kg.app.cli import main
from ropa_kg.app.cli.dashboard import streamlit_command, streamlit_config_file, streamlit_settings
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.resources import resource_root

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / ".streamlit" / "config.toml"

#: what keeps the dashboard to itself: option -> value, as Streamlit reads them from the file
PRIVATE = {
    "browser.gatherUsageStats": False,  # no usage statistics sent from the browser
    "server.address": "127.0.0.1",  # loopback only; and no public-IP lookup at start
    "server.showEmailPrompt": False,  # no e-mail prompt (an answer is posted to Streamlit)
    "client.toolbarMode": "viewer",  # no Deploy button, no developer options
    "client.showErrorLinks": False,  # no "Ask Google" / "Ask ChatGPT" under an exception
    "global.developmentMode": False,  # the installed frontend
}


def _options(path: Path) -> dict[str, object]:
    tables = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        f"{section}.{name}": value for section, options in tables.items() for name, value in options.items()
    }


def _flag(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_the_config_keeps_the_dashboard_to_itself() -> None:
    options = _options(CONFIG)
    assert {name: options.get(name) for name in PRIVATE} == PRIVATE
    # error details stay as Streamlit shows them by default; a browser still opens for `streamlit run`
    assert "client.showErrorDetails" not in options and "server.headless" not in options


def test_every_option_is_one_streamlit_knows() -> None:
    from streamlit import config

    for name in _options(CONFIG):
        section, option = name.split(".", 1)
        assert option in config.get_options_for_section(section), name


def test_streamlit_reads_it_at_the_root() -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("STREAMLIT_")}
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = shown.splitlines()
    for name, value in PRIVATE.items():
        if name == "global.developmentMode":
            continue  # a hidden option: `config show` leaves it out
        expected = f"{name.split('.', 1)[1]} = " + ("false" if value is False else f'"{value}"')
        where = lines.index(expected)
        assert lines[where - 1] == f"# The value below was set in {CONFIG}", (name, lines[where - 1])


def test_ropa_dashboard_passes_every_setting_as_a_flag() -> None:
    assert streamlit_config_file() == CONFIG  # a source checkout: the root's file
    command = streamlit_command(port=8765, bind="0.0.0.0")  # noqa: S104  (only built, never run)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"] and Path(command[4]).name == "app.py"
    flags = command[5:]
    names, values = flags[0::2], flags[1::2]
    assert all(n.startswith("--") for n in names) and len(set(names)) == len(names) == len(values)
    passed = dict(zip((n[2:] for n in names), values, strict=True))
    expected = {name: _flag(value) for name, value in _options(CONFIG).items()}
    expected |= {"server.address": "0.0.0.0", "server.port": "8765", "server.headless": "true"}  # noqa: S104
    assert passed == expected


def test_the_wheel_and_the_sdist_carry_it() -> None:
    build = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    packed = build["targets"]["wheel"]["force-include"][".streamlit/config.toml"]
    # in the wheel, resource_root() is ropa_kg/_resources: the file sits where streamlit_config_file() looks
    assert packed == "ropa_kg/_resources/" + streamlit_config_file().relative_to(resource_root()).as_posix()
    assert ".streamlit" in build["targets"]["sdist"]["include"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing"),
        ("[browser\ngatherUsageStats = false\n", "cannot be read"),
        ('[server]\nfolderWatchList = ["a"]\n', "server.folderWatchList is not"),
        ("gatherUsageStats = false\n", "not a [section]"),
    ],
)
def test_ropa_dashboard_does_not_start_without_its_settings(
    content: str | None, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    if content is not None:
        config.write_text(content, encoding="utf-8")
    monkeypatch.setattr(cli_dashboard, "streamlit_config_file", lambda: config)
    with pytest.raises(RopaUsageError, match=message.replace("[", r"\[")):
        streamlit_settings()
    started: list[object] = []
    monkeypatch.setattr(cli_dashboard.subprocess, "Popen", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(main, ["dashboard", "--port", "8765"])
    assert result.exit_code == 2 and message in result.output
    assert started == []  # no server started without the settings
