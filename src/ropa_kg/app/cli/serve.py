"""``ropa serve`` (run an Oxigraph SPARQL server holding the record) and ``ropa load`` (push the record
to any SPARQL 1.1 Graph Store, replacing a named graph atomically)."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from types import FrameType

import click

from ropa_kg.app.cli.app import input_errors_exit_2, main, paths_argument, timeout_option
from ropa_kg.app.cli.credentials import credential_options
from ropa_kg.query.endpoint import (
    DEFAULT_GRAPH_IRI,
    PUT_TIMEOUT,
    Credentials,
    OxigraphServer,
    check_http_url,
    graph_store_url_for,
    upload_record,
)


def _say(fmt: str, text: str, **fields: object) -> None:
    click.echo(json.dumps(fields) if fmt == "json" else text)


@main.command("load")
@paths_argument
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL query endpoint.")
@click.option(
    "--graph-store",
    metavar="URL",
    help="The store's Graph Store Protocol address (default: derived for Oxigraph and Fuseki).",
)
@click.option("--graph", "graph_iri", default=DEFAULT_GRAPH_IRI, show_default=True, metavar="IRI")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@timeout_option(
    default=PUT_TIMEOUT,
    help="Seconds to wait for the store's answer to the PUT (Virtuoso 7.2 took 70 s for a record of "
    "100,000 activities on an idle machine, over 120 s on a busy one).",
)
@credential_options
@input_errors_exit_2
def load_command(
    paths: tuple[str, ...],
    endpoint: str,
    graph_store: str | None,
    graph_iri: str,
    fmt: str,
    credentials: Credentials | None,
    timeout: float = PUT_TIMEOUT,
) -> None:
    """Replace the named graph IRI in a triple store with the record in PATHS (default: the bundled
    Alumeco record) plus the project's ontology, in one HTTP PUT of the Graph Store Protocol.

    With --user, the store gets the user and password (from $ROPA_ENDPOINT_PASSWORD or --password-file)
    with the PUT, basic or digest as it asks. Oxigraph applies the PUT all or nothing; Virtuoso 7.2
    empties the graph first, so a load it refuses halfway leaves part of the record (exit 2; load again).
    Exit 2 when the store cannot be reached, refuses the credentials, refuses the data or has not
    answered within --timeout seconds.
    """
    store_url = check_http_url(graph_store) if graph_store else graph_store_url_for(endpoint)
    count = upload_record(
        store_url, list(paths) or None, graph_iri=graph_iri, credentials=credentials, timeout=timeout
    )
    _say(
        fmt,
        f"loaded {count} triples into graph <{graph_iri}> at {store_url}",
        triples=count,
        graph=graph_iri,
        graph_store=store_url,
        endpoint=endpoint,
    )


@main.command("serve")
@paths_argument
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".ropa-store"),
    show_default=True,
    help="Folder where Oxigraph keeps its data between runs.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True)
@click.option("--bind", "host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--graph", "graph_iri", default=DEFAULT_GRAPH_IRI, show_default=True, metavar="IRI")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@input_errors_exit_2
def serve_command(
    paths: tuple[str, ...], store_dir: Path, port: int, host: str, graph_iri: str, fmt: str
) -> None:
    """Start an Oxigraph SPARQL server with the record in PATHS (default: the bundled Alumeco record)
    loaded into the named graph IRI of a persistent store folder; serve until Ctrl-C.

    Listens on 127.0.0.1 unless --bind says otherwise: put authentication in front before exposing it.
    """

    def stop_on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # leave through the finally clause, which stops the server

    previous = signal.signal(signal.SIGTERM, stop_on_term)
    server = OxigraphServer(store_dir, port, host=host)
    try:
        server.start()
        count = upload_record(server.store_url, list(paths) or None, graph_iri=graph_iri)
        _say(
            fmt,
            f"serving {count} triples (graph <{graph_iri}>) from {store_dir}\n"
            f"  SPARQL query endpoint: {server.query_url}\n"
            f"  Graph Store:           {server.store_url}\n"
            f"  try: ropa query art30-register --endpoint {server.query_url}\n"
            "Press Ctrl-C to stop.",
            triples=count,
            graph=graph_iri,
            query_url=server.query_url,
            graph_store=server.store_url,
            store=str(store_dir),
        )
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


__all__ = [
    "load_command",
    "serve_command",
]
