"""``ropa dashboard``: start the Streamlit dashboard on the loopback interface."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import click

from ropa_kg.app.cli.app import input_errors_exit_2, main, paths_argument
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.resources import dashboard_dir, resource_root
from ropa_kg.load.graph import collect_files

#: The environment variable that tells the dashboard which files to open first (os.pathsep-separated).
PATHS_ENV = "ROPA_DASHBOARD_PATHS"


#: signals ``ropa dashboard`` passes on to the Streamlit server it runs
_FORWARDED = (signal.SIGTERM, signal.SIGHUP)


def streamlit_config_file() -> Path:
    """The dashboard's Streamlit settings: ``.streamlit/config.toml`` at the repository root, which
    ``streamlit run dashboard/app.py`` reads there; the wheel carries it under ``ropa_kg/_resources``."""
    return resource_root() / ".streamlit" / "config.toml"


def streamlit_settings() -> dict[str, str]:
    """The options of :func:`streamlit_config_file` as ``{"section.option": value}``, values spelled as
    ``streamlit run`` flags take them.

    Raises:
        RopaUsageError: the file is missing or unreadable, or holds a value no flag can carry.
    """
    path = streamlit_config_file()
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RopaUsageError(f"the dashboard's Streamlit settings are missing: {path} not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RopaUsageError(f"the dashboard's Streamlit settings cannot be read: {path}: {exc}") from None
    settings: dict[str, str] = {}
    for section, options in tables.items():
        if not isinstance(options, dict):
            raise RopaUsageError(f"{path}: {section} is not a [section] of options")
        for name, value in options.items():
            if isinstance(value, bool):
                settings[f"{section}.{name}"] = "true" if value else "false"
            elif isinstance(value, str | int | float):
                settings[f"{section}.{name}"] = str(value)
            else:
                raise RopaUsageError(f"{path}: {section}.{name} is not a string, number or boolean")
    return settings


def streamlit_command(*, port: int, bind: str) -> list[str]:
    """The ``streamlit run`` command line for the bundled dashboard: every setting of
    :func:`streamlit_config_file` as a flag (flags outrank config files and environment variables, so
    they hold from any folder), then the address, the port and headless mode (no browser opened).

    Raises:
        RopaUsageError: the dashboard's ``app.py`` or its Streamlit settings are not where the package
            expects them.
    """
    app = dashboard_dir() / "app.py"
    if not app.is_file():
        raise RopaUsageError(f"the dashboard is missing: {app} not found")
    settings = streamlit_settings()
    settings.update({"server.address": bind, "server.port": str(port), "server.headless": "true"})
    command = [sys.executable, "-m", "streamlit", "run", str(app)]
    for name, value in settings.items():
        command += [f"--{name}", value]
    return command


@main.command()
@paths_argument
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback exposes the record: put authentication in front.",
)
@click.option("--format", "fmt", type=click.Choice(["text"]), default="text", show_default=True, hidden=True)
@input_errors_exit_2
def dashboard(paths: tuple[str, ...], port: int, bind: str, fmt: str) -> None:
    """Open the dashboard on the record in PATHS (default: the bundled Alumeco record).

    Runs ``streamlit run`` on http://BIND:PORT until interrupted (Ctrl-C).
    """
    del fmt  # the dashboard has one output: the web page
    env = dict(os.environ)
    if paths:
        files = collect_files(paths)  # fails early, with exit 2, on a missing path
        env[PATHS_ENV] = os.pathsep.join(str(Path(p).resolve()) for p in paths)
        click.echo(f"dashboard on {len(files)} file(s)", err=True)
    else:
        env.pop(PATHS_ENV, None)
    click.echo(f"ropa dashboard: http://{bind}:{port}  (Ctrl-C stops it)", err=True)
    process = subprocess.Popen(streamlit_command(port=port, bind=bind), env=env)
    # `kill`/a service manager stops ropa with SIGTERM (or SIGHUP): pass it on, so that the server
    # does not outlive it; Ctrl-C reaches both already (same process group)
    handlers = {sig: signal.signal(sig, lambda signum, _f: process.send_signal(signum)) for sig in _FORWARDED}
    try:
        returncode = process.wait()
    except KeyboardInterrupt:
        process.wait()
        return
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if returncode not in (0, -2, -15, 130):
        raise SystemExit(returncode)


__all__ = [
    "PATHS_ENV",
    "dashboard",
    "streamlit_command",
    "streamlit_config_file",
    "streamlit_settings",
]
