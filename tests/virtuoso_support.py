"""A throwaway OpenLink Virtuoso 7 (Debian's ``virtuoso-opensource``) for the tests: its own
``virtuoso.ini`` and database folder under a temporary directory, HTTP and ISQL on free loopback ports,
started with ``virtuoso-t +foreground`` in its own process group and killed with that group after.

The record goes into a named graph through Virtuoso's authenticated Graph Store endpoint
(``/sparql-graph-crud-auth``, HTTP digest auth as ``dba``/``dba``, the password of a fresh database) with the
project's own ``put_graph``, as ``ropa load --user dba`` does; queries go to the public ``/sparql`` endpoint
(or, with credentials, to ``/sparql-auth``), like any SPARQL 1.1 store.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import pytest

from ropa_kg.query.endpoint import Credentials, free_port, put_graph

__all__ = ["VIRTUOSO_BINARY", "VirtuosoServer", "require_virtuoso"]

VIRTUOSO_BINARY = "virtuoso-t"
#: What a fresh database's administrator is called and logs in with.
DBA_USER, DBA_PASSWORD = "dba", "dba"

# A minimal configuration: everything in the database folder, loopback ports only, no plugins, no
# outgoing connections; SPARQL answers up to a million rows (the default 10,000 would cut long answers
# silently) and runs each query up to a minute.
_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = {db}
AllowOSCalls = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def require_virtuoso() -> str:
    """The path of ``virtuoso-t``; skips the test when it is absent, but fails when ROPA_REQUIRE_DPV=1
    (set by .ci/run: CI has run ``make system``, which installs it)."""
    found = shutil.which(VIRTUOSO_BINARY)
    if found is None:
        message = f"{VIRTUOSO_BINARY} is not installed (Debian: virtuoso-opensource; `make system`)"
        if os.environ.get("ROPA_REQUIRE_DPV") == "1":
            pytest.fail(message + "; ROPA_REQUIRE_DPV=1 makes this a failure")
        pytest.skip(message)
    return found


@dataclass
class VirtuosoServer:
    """``virtuoso-t`` with a fresh database in ``folder``, HTTP on ``127.0.0.1:http_port``.

    Use as a context manager: entering starts it and waits until ``/sparql`` answers; leaving kills
    its process group (nothing outlives the test session).
    """

    folder: Path
    binary: str = VIRTUOSO_BINARY
    http_port: int = field(default_factory=free_port)
    isql_port: int = field(default_factory=free_port)
    startup_timeout: float = 60.0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def auth_query_url(self) -> str:
        """The SPARQL endpoint that asks for credentials (digest), for the ``--user`` tests."""
        return f"{self.base_url}/sparql-auth"

    @property
    def graph_store_url(self) -> str:
        return f"{self.base_url}/sparql-graph-crud-auth"

    def write_config(self) -> Path:
        """Write ``virtuoso.ini`` into :attr:`folder` (created; made absolute: the server runs in it) and
        return its path."""
        self.folder = self.folder.resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        text = _INI.format(db=self.folder, isql_port=self.isql_port, http_port=self.http_port)
        ini.write_text(text, encoding="utf-8")
        return ini

    def start(self) -> VirtuosoServer:
        """Start the server and wait until its SPARQL endpoint answers.

        Raises:
            RuntimeError: it exits at once or does not answer in ``startup_timeout`` seconds (its log
                is quoted; it is stopped).
        """
        ini = self.write_config()
        log = (self.folder / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [self.binary, "+configfile", str(ini), "+foreground"],
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed whole by stop()
        )
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"virtuoso-t stopped at start:\n{self._log_tail()}")
                if self._answers():
                    return self
                time.sleep(0.1)
            raise RuntimeError(f"virtuoso-t did not answer on {self.query_url}:\n{self._log_tail()}")
        except BaseException:
            self.stop()
            raise

    def _log_tail(self) -> str:
        path = self.folder / "stdout.log"
        return path.read_text(encoding="utf-8", errors="replace")[-2000:] if path.exists() else ""

    def _answers(self) -> bool:
        url = self.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    @property
    def credentials(self) -> Credentials:
        """The administrator of a fresh database (what the authenticated endpoints accept)."""
        return Credentials(DBA_USER, DBA_PASSWORD)

    def put_graph(self, graph_iri: str, data: bytes, *, content_type: str = "application/n-triples") -> int:
        """Replace the named graph ``graph_iri`` with ``data`` as ``dba``, through the project's own
        :func:`ropa_kg.query.endpoint.put_graph` (one ``PUT``, digest sent with it). Returns the HTTP
        status; raises EndpointError when refused."""
        return put_graph(
            self.graph_store_url,
            graph_iri=graph_iri,
            data=data,
            content_type=content_type,
            credentials=self.credentials,
        )

    def stop(self) -> None:
        """Kill the server's process group (TERM, then KILL after 10 s) and wait for it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
