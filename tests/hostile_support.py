"""Shared by the hostile-input tests: a recording HTTP server on 127.0.0.1, fixture files, CLI doors."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner, Result

from ropa_kg.app.cli import main

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


@dataclass
class Recorder:
    """A local HTTP server that answers every request (200, a small JSON-LD context / DTD / Turtle) and
    records it, so that a test can assert that nothing asked it for anything."""

    server: ThreadingHTTPServer
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


def recording_server() -> Iterator[Recorder]:
    """Start a :class:`Recorder` on a free loopback port; stop it afterwards (use as a fixture body)."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            requests.append(f"{self.command} {self.path}")
            body = b'{"@context": {"ex": "https://example.org/"}}'
            if self.path.endswith(".dtd"):
                body = b'<!ENTITY leak "leaked">'
            elif self.path.endswith(".ttl") or self.path.endswith(".txt"):
                body = b"<urn:leak> <urn:leak> <urn:leak> .\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Recorder(server, requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def hostile_copy(name: str, target: Path, server_url: str = "http://127.0.0.1:9") -> Path:
    """Copy the fixture ``name`` into ``target`` (a folder), with ``SERVER`` replaced by ``server_url``."""
    text = (HOSTILE / name).read_text(encoding="utf-8").replace("SERVER", server_url)
    path = target / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str) -> Result:
    """``ropa ARGS`` in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(main, list(args))


def door_args(door: str, path: Path) -> list[str]:
    """The command line that makes ``door`` (validate, stats, query, query-rdflib) load ``path``."""
    if door == "validate":
        return ["validate", str(path)]
    if door == "stats":
        return ["stats", str(path)]
    if door == "query":
        return ["query", "controller-and-dpo", "--data", str(path)]
    if door == "query-rdflib":
        return ["query", "controller-and-dpo", "--data", str(path), "--engine", "rdflib"]
    raise ValueError(door)


CLI_DOORS = ("validate", "stats", "query", "query-rdflib")


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file below ``folder``."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
