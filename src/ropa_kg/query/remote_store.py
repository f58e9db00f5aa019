"""A remote SPARQL 1.1 endpoint seen as a store the rules can run on (push-down validation).

:class:`RemoteStore` gives the fast engine (:class:`ropa_kg.rules.fast_engine.SparqlStore`) what it asks of a
pyoxigraph store, a ``query(text)`` answering SELECT and ASK, by sending each query to the endpoint (SPARQL
1.1 Protocol through SPARQLWrapper, as :func:`ropa_kg.query.endpoint.run_remote` does, with the record's named
graph as the default graph) and reading the JSON results into pyoxigraph terms. So each rule compiled to one
SPARQL query runs inside the store, and only its answers (the findings) travel.

* Read-only: every text passes :func:`ropa_kg.sparql.guard.check_read_only` and must be a SELECT or an ASK;
  anything else is refused before it is sent.
* A query the store answers with an HTTP error (Virtuoso: a SPARQL compiler error), or does not answer in
  time, raises :class:`~ropa_kg.core.errors.QueryRefused`: the caller runs that rule on a copy of the graph.
  A store that cannot be reached at all, or refuses the credentials, raises
  :class:`~ropa_kg.query.endpoint.EndpointError`.
* Literals come back in their canonical form (:func:`ropa_kg.query.endpoint.canonical_lexical`); a store's
  blank node labels become pyoxigraph blank nodes (one per label).
* :attr:`RemoteStore.traffic` counts the queries and the bytes sent and received.

pyoxigraph's own results parser (``parse_query_results``) is not used: its solutions cannot be rebuilt with
canonical literals, and Virtuoso's ``typed-literal`` and ``nodeID://`` labels need reading anyway; the JSON
format is small to read (W3C SPARQL 1.1 Query Results JSON Format).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import urllib.error
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import XSD
from SPARQLWrapper import JSON
from SPARQLWrapper.SPARQLExceptions import EndPointNotFound, SPARQLWrapperException, Unauthorized

from ropa_kg.core.errors import QueryRefused, RopaUsageError
from ropa_kg.query.endpoint import Endpoint, EndpointError, _wrapper, canonical_lexical
from ropa_kg.sparql.dialects import virtuoso_unsafe
from ropa_kg.sparql.guard import QueryForm, check_read_only

__all__ = ["RemoteSolution", "RemoteSolutions", "RemoteStore", "Traffic"]

_BLANK_LABEL = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class Traffic:
    """What went over the wire: queries sent, bytes of query text sent, bytes of results received."""

    queries: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, sent: int, received: int) -> None:
        with self._lock:
            self.queries += 1
            self.bytes_sent += sent
            self.bytes_received += received


@dataclass(frozen=True)
class RemoteSolution:
    """One answer row: terms by variable name (or position); ``None`` where unbound."""

    names: Mapping[str, int]
    terms: tuple[ox.NamedNode | ox.BlankNode | ox.Literal | None, ...]

    def __getitem__(self, key: str | int | ox.Variable) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        if isinstance(key, int):
            return self.terms[key]
        index = self.names.get(key.value if isinstance(key, ox.Variable) else key)
        return None if index is None else self.terms[index]


@dataclass(frozen=True)
class RemoteSolutions:
    """The answer to a SELECT: its ``variables`` and its rows, as pyoxigraph's ``QuerySolutions``."""

    variables: list[ox.Variable]
    rows: tuple[RemoteSolution, ...]

    def __iter__(self) -> Iterator[RemoteSolution]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _term(cell: Mapping[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    kind, value = cell.get("type"), cell.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(_BLANK_LABEL.sub("_", value.removeprefix("nodeID://")) or "b")
    if "xml:lang" in cell:
        return ox.Literal(value, language=cell["xml:lang"])
    datatype = cell.get("datatype")
    if datatype is None:
        return ox.Literal(value)
    return ox.Literal(canonical_lexical(value, datatype), datatype=ox.NamedNode(datatype))


def read_solutions(data: Mapping[str, Any]) -> RemoteSolutions | bool:
    """A SPARQL JSON results document as :class:`RemoteSolutions` (SELECT) or a truth value (ASK).

    Raises:
        ValueError: the document is neither.
    """
    if "boolean" in data:
        return bool(data["boolean"])
    names = [str(v) for v in data["head"]["vars"]]
    index = {name: i for i, name in enumerate(names)}
    rows = tuple(
        RemoteSolution(index, tuple(_term(row[n]) if n in row else None for n in names))
        for row in data["results"]["bindings"]
    )
    return RemoteSolutions([ox.Variable(n) for n in names], rows)


@dataclass
class RemoteStore:
    """A SPARQL endpoint answering the engine's SELECT and ASK queries (see the module docstring)."""

    endpoint: Endpoint
    traffic: Traffic = field(default_factory=Traffic)
    #: how many queries the engine sends at once
    parallel_queries: int = 4
    #: the ``Server`` header of the store's last answer (``Virtuoso/07.20.3237 ...``)
    server: str = ""

    @property
    def lossy_datatypes(self) -> tuple[str, ...]:
        """The datatypes whose literals the store does not keep as written (Virtuoso 7.2: booleans become
        1/0, year-month durations a count of months; :func:`ropa_kg.query.endpoint.canonical_lexical`
        reads them back): the rules that read them run on a copy of the graph."""
        if self.server.startswith("Virtuoso"):
            return (str(XSD.boolean), str(XSD.duration))
        return ()

    def unsafe_query(self, text: str) -> str | None:
        """Why this store may answer ``text`` wrongly (:func:`ropa_kg.sparql.dialects.virtuoso_unsafe` for
        Virtuoso), or None: such a rule runs on a copy of the graph."""
        return virtuoso_unsafe(text) if self.server.startswith("Virtuoso") else None

    @property
    def decorrelate_exists(self) -> bool:
        """Whether the engine should turn correlated ``EXISTS`` into joins for this store: yes, but not for
        Virtuoso, which evaluates ``EXISTS`` as written well and the joins badly (``?x skos:broader* C``
        with ``?x`` unbound enumerates every node; each rule then runs out of time)."""
        return not self.server.startswith("Virtuoso")

    def query(self, query: str) -> RemoteSolutions | bool:
        """The answer of the store to ``query`` (a SELECT or an ASK).

        Raises:
            RopaUsageError: ``query`` is not a SELECT or an ASK, or is not read-only.
            QueryRefused: the store answers the query with an error, or not in time.
            EndpointError: the store cannot be reached, or refuses the credentials.
        """
        checked = check_read_only(query, source=self.endpoint.query_url, strict=False)
        if checked.form not in {QueryForm.SELECT, QueryForm.ASK}:
            raise RopaUsageError(f"only SELECT and ASK are sent to a store, not {checked.form.value}")
        client = _wrapper(self.endpoint, query, checked.form)
        client.setReturnFormat(JSON)
        body = self._send(client)
        self.traffic.add(len(query.encode("utf-8")), len(body))
        try:
            return read_solutions(json.loads(body))
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryRefused(
                f"{self.endpoint.query_url} did not answer with SPARQL JSON results: {exc}"
            ) from exc

    def _send(self, client: Any) -> bytes:
        url = self.endpoint.query_url
        try:
            response = client.query().response
            body: bytes = response.read()
            self.server = str(response.headers.get("Server", "") or "")
        except (EndPointNotFound, Unauthorized) as exc:
            raise EndpointError(f"{url}: {str(exc).splitlines()[0]}") from exc
        except SPARQLWrapperException as exc:
            raise QueryRefused(f"{url} refused the query: {_first_line(exc)}") from exc
        except urllib.error.HTTPError as exc:
            if exc.code in {401, 403, 404}:
                raise EndpointError(f"{url} answered {exc.code}: {exc.reason}") from exc
            raise QueryRefused(f"{url} refused the query ({exc.code} {exc.reason})") from exc
        except TimeoutError as exc:
            raise QueryRefused(f"{url} did not answer within {self.endpoint.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise QueryRefused(f"{url} did not answer within {self.endpoint.timeout:g} s") from exc
            raise EndpointError(f"cannot reach {url}: {exc.reason}") from exc
        except OSError as exc:
            raise EndpointError(f"cannot reach {url}: {exc}") from exc
        return body


def _first_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:300]
