"""``ropa validate --endpoint``: the rules run inside a SPARQL store (push-down), wired to a real endpoint.

:func:`validate_endpoint` gives :func:`ropa_kg.rules.pushdown.validate_in_store` a
:class:`~ropa_kg.query.remote_store.RemoteStore` for the endpoint and, for the rules that must run on a copy,
the graph fetched once with the saved query ``record-triples``. :class:`EndpointRun` says where each rule ran
and what travelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ropa_kg.query.endpoint import DEFAULT_GRAPH_IRI, Endpoint, fetch_store
from ropa_kg.query.http_auth import Credentials
from ropa_kg.query.remote_store import RemoteStore, Traffic
from ropa_kg.rules.pushdown import validate_in_store
from ropa_kg.rules.validation import ValidationResult

__all__ = ["COPY_TIMEOUT", "QUERY_TIMEOUT", "EndpointRun", "copy_timeout", "validate_endpoint"]

#: The default time limit, in seconds, of each query sent to the store.
QUERY_TIMEOUT = 60.0
#: The least time the one query that copies the graph is given (it reads every triple).
COPY_TIMEOUT = 300.0


def copy_timeout(timeout: float | None) -> float:
    """The time limit of the query that copies the graph when each query gets ``timeout`` seconds
    (None: the default): :data:`COPY_TIMEOUT`, or ``timeout`` if longer."""
    return max(timeout or 0.0, COPY_TIMEOUT)


@dataclass(frozen=True)
class EndpointRun:
    """A push-down validation: the result, the rules run in the store and those run on a copy (why)."""

    result: ValidationResult
    pushed: tuple[str, ...]
    copied: dict[str, str]
    traffic: Traffic
    copy_triples: int | None

    def note(self) -> str:
        """One line for stderr: how many rules ran in the store, which on a copy and why."""
        text = f"note: {len(self.pushed)} rules ran inside the store"
        if not self.copied:
            return text + f" ({self.traffic.queries} queries, {self.traffic.bytes_received:,} bytes received)"
        by_cause: dict[str, list[str]] = {}
        for rule, cause in self.copied.items():
            by_cause.setdefault(cause, []).append(rule)
        parts = "; ".join(f"{cause}: {', '.join(rules)}" for cause, rules in sorted(by_cause.items()))
        return (
            f"{text}, {len(self.copied)} on a copy of the graph ({self.copy_triples:,} triples) because the "
            f"store {parts}"
        )


def validate_endpoint(
    query_url: str,
    *,
    graph_iri: str | None = DEFAULT_GRAPH_IRI,
    credentials: Credentials | None = None,
    shapes_dir: Path | str | None = None,
    today: dt.date | None = None,
    timeout: float | None = None,
) -> EndpointRun:
    """Validate the record in ``graph_iri`` (None: the store's default graph) at ``query_url`` with the
    rules running inside the store, each query given ``timeout`` seconds (None: :data:`QUERY_TIMEOUT`; a
    rule whose query is not answered by then runs on the copy, which gets :func:`copy_timeout`).

    Raises:
        OntologyMissing: the graph lacks the project's ontology (load it with ``ropa load``).
        NoActivitiesError: the graph holds no processing activity.
        EndpointError, QueryRefused: the store cannot be reached, or fails a query that has no fallback.
    """
    endpoint = Endpoint(
        query_url,
        default_graphs=(graph_iri,) if graph_iri else (),
        timeout=QUERY_TIMEOUT if timeout is None else timeout,
        credentials=credentials,
    )
    store = RemoteStore(endpoint)
    copied: list[int] = []

    def copy() -> ox.Store:
        graph = fetch_store(
            query_url, graph_iri=graph_iri, credentials=credentials, timeout=copy_timeout(timeout)
        )
        copied.append(len(graph))
        return graph

    run = validate_in_store(store, copy=copy, where=query_url, shapes_dir=shapes_dir, today=today)
    return EndpointRun(
        result=run.result,
        pushed=run.pushed,
        copied=run.copied,
        traffic=store.traffic,
        copy_triples=copied[0] if copied else None,
    )
