"""``ropa validate`` (check a record against the rule set) and ``ropa reason`` (OWL consistency check).

Exit codes: 0 no active finding at or above ``--fail-on``; 1 findings (or an inconsistent ontology);
2 bad input or usage.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rdflib import Graph

from ropa_kg.app.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    input_errors_exit_2,
    main,
    paths_argument,
    timeout_option,
)
from ropa_kg.app.cli.credentials import credential_options
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.findings import Severity
from ropa_kg.load.graph import load_graph
from ropa_kg.query.http_auth import Credentials
from ropa_kg.render.report import FORMATS, render
from ropa_kg.rules.validation import DEFAULT_ENGINE, ENGINES, ValidationResult, validate

if TYPE_CHECKING:
    from ropa_kg.app.diff import Baseline


def _write(text: str, output: Path | None) -> None:
    """Write to ``output`` atomically (a temporary file renamed into place), else to standard output."""
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parse_today(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise RopaUsageError(f"--today must be a date such as 2026-01-31, not {value!r}") from exc


@main.command("validate")
@paths_argument
@click.option(
    "--shapes", "shapes_dir", type=click.Path(path_type=Path), default=None, help="Folder of SHACL rules."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["violation", "warning", "info"]),
    default="violation",
    show_default=True,
    help="Exit 1 when a finding at or above this severity is not waived.",
)
@click.option("--reason", "with_reasoning", is_flag=True, help="Run the OWL reasoner (HermiT) first.")
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here.")
@click.option("--today", default=None, help="Judge waiver expiry as of this date (YYYY-MM-DD).")
@click.option(
    "--endpoint", metavar="URL", help="Validate the record held by this SPARQL 1.1 endpoint instead of files."
)
@click.option(
    "--graph",
    "graph_iri",
    metavar="IRI",
    default=None,
    help="With --endpoint: the named graph holding the record (default: urn:ropa-kg:record).",
)
@click.option(
    "--store-default-graph",
    is_flag=True,
    help="With --endpoint: validate the store's own default graph (no default-graph-uri).",
)
@click.option(
    "--copy",
    "copy_graph",
    is_flag=True,
    help="With --endpoint: copy the whole graph out and validate it here, instead of running the rules "
    "inside the store (the default with the fast engine; a note on stderr says which rules ran on a copy).",
)
@timeout_option(
    default=None,
    help="With --endpoint: the time limit in seconds of each query sent to the store (default 60); a rule "
    "whose query has not answered by then runs on a copy of the graph. The copy is given 300 s, or this "
    "if longer.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A report written earlier by --format json: exit 1 only on findings it does not list "
    "(matched by rule id, focus node and value); the output lists only those and counts the others.",
)
@click.option(
    "--no-ontology",
    is_flag=True,
    help="With --shapes: plain SHACL. The files as they are (nothing added), any shapes (no ropa: metadata), "
    "SHACL's own report (turtle, json or text); exit 1 when a result is at or above --fail-on.",
)
@credential_options
@input_errors_exit_2
def validate_command(
    paths: tuple[str, ...],
    shapes_dir: Path | None,
    fmt: str,
    fail_on: str,
    with_reasoning: bool,
    engine: str,
    output: Path | None,
    today: str | None,
    endpoint: str | None,
    graph_iri: str | None,
    store_default_graph: bool,
    baseline_file: Path | None,
    no_ontology: bool,
    credentials: Credentials | None,
    copy_graph: bool = False,
    timeout: float | None = None,
) -> None:
    """Check a record (default: the bundled Alumeco record) against the GDPR rule set.

    PATHS are Turtle (or other RDF) files or folders; waivers (ropa:Waiver) among them are applied.
    Findings are reported by family (the record, the notice, lawfulness); a notice's or controller's
    duty is one finding naming the activities it affects. With --endpoint, the rules run inside the
    SPARQL store (read-only SELECT and ASK queries; only the findings and what the report names come
    back); a rule the store cannot run, or may answer wrongly, runs on a copy of the graph, and stderr says
    which. A graph without the project's ontology (not written by `ropa load`), --copy, --reason and
    --engine pyshacl copy the whole graph (saved query record-triples) and add the ontology. With
    --baseline, only the findings the baseline report does not list are reported and can fail.
    """
    threshold = Severity.parse(fail_on)
    baseline = _read_baseline(baseline_file, no_ontology=no_ontology)
    if no_ontology:
        _validate_plain(paths, shapes_dir, fmt=fmt, engine=engine, threshold=threshold, output=output)
    day = _parse_today(today)
    pushed = None
    if copy_graph and endpoint is None:
        raise RopaUsageError("--copy needs --endpoint")
    if endpoint is not None and not (copy_graph or with_reasoning or engine != "fast"):
        pushed = _in_store(
            endpoint,
            graph_iri,
            paths,
            store_default_graph=store_default_graph,
            credentials=credentials,
            shapes_dir=shapes_dir,
            today=day,
            timeout=timeout,
        )
    remote = (
        None
        if pushed is not None
        else _fetch(
            endpoint,
            graph_iri,
            paths,
            store_default_graph=store_default_graph,
            credentials=credentials,
            timeout=timeout,
        )
    )
    if pushed is not None:
        result = pushed
    elif with_reasoning:
        from ropa_kg.rules.reasoning import reason

        graph = remote if remote is not None else load_graph(list(paths) or None)
        outcome = reason(graph, explain=False)
        if not outcome.consistent:
            click.echo(
                "error: the record is inconsistent with the ontology (HermiT); "
                "run `ropa reason` on the same paths for the facts behind it",
                err=True,
            )
            raise SystemExit(EXIT_FINDINGS)
        graph += outcome.inferred
        result = validate(graph, shapes_dir=shapes_dir, engine=engine, today=day)
        result.files = _files(paths) if remote is None else []
    elif remote is not None:
        result = validate(remote, shapes_dir=shapes_dir, engine=engine, today=day)
    else:
        result = validate(*paths, shapes_dir=shapes_dir, engine=engine, today=day)
    summary = None
    if baseline is not None:
        from ropa_kg.app.diff import apply_baseline

        result, summary = apply_baseline(result, baseline)
    _write(render(result, fmt, fail_on=threshold, baseline=summary), output)
    raise SystemExit(EXIT_FINDINGS if result.failing(threshold) else EXIT_OK)


def _read_baseline(path: Path | None, *, no_ontology: bool) -> Baseline | None:
    """The baseline report at ``path`` (None without one), read before validating.

    Raises:
        RopaUsageError: --baseline with --no-ontology. RopaInputError: not a json report.
    """
    if path is None:
        return None
    if no_ontology:
        raise RopaUsageError("--baseline needs the project's rules; it does not apply with --no-ontology")
    from ropa_kg.app.diff import read_baseline

    return read_baseline(path)


def _validate_plain(
    paths: tuple[str, ...],
    shapes_dir: Path | None,
    *,
    fmt: str,
    engine: str,
    threshold: Severity,
    output: Path | None,
) -> None:
    """``ropa validate --no-ontology``: any data against any shapes, SHACL's report; exits.

    Raises:
        RopaUsageError: no --shapes or no PATHS, or a format that needs the project's rules.
        RopaInputError: a file cannot be read or parsed, a shape's query is one SHACL forbids.
    """
    from ropa_kg.load.graph import collect_files, parse_into, relabel_blank_nodes
    from ropa_kg.render.report import render_shacl
    from ropa_kg.rules.validation import validate_shacl

    if shapes_dir is None or not paths:
        raise RopaUsageError("--no-ontology needs --shapes and the data's PATHS")
    if fmt not in ("turtle", "json", "text"):
        raise RopaUsageError(
            f"--format {fmt} needs the project's rules; with --no-ontology use turtle, json or text"
        )
    data = Graph()
    for path in collect_files(list(paths)):
        parse_into(data, path)
    shapes = Graph()
    for path in collect_files([shapes_dir]):
        parse_into(shapes, path)
    for graph in (data, shapes):
        relabel_blank_nodes(graph)  # blank nodes named by content: the same input gives the same bytes
    report = validate_shacl(data_graph=data, shapes_graph=shapes, engine=engine)
    _write(render_shacl(report, fmt), output)
    failing = [r for r in report.results if _severity(str(r.severity)) >= threshold]
    raise SystemExit(EXIT_FINDINGS if failing else EXIT_OK)


def _severity(iri: str) -> Severity:
    """A result's severity; a custom severity (any other IRI) counts as a violation."""
    try:
        return Severity.from_iri(iri)
    except ValueError:
        return Severity.VIOLATION


def _in_store(
    endpoint: str,
    graph_iri: str | None,
    paths: tuple[str, ...],
    *,
    store_default_graph: bool,
    credentials: Credentials | None,
    shapes_dir: Path | None,
    today: dt.date | None,
    timeout: float | None,
) -> ValidationResult | None:
    """The rules run inside the store at ``endpoint`` (:func:`ropa_kg.app.remote.validate_endpoint`), a
    note on stderr saying where each ran; None when the graph lacks the project's ontology (a note says
    the graph is copied instead).

    Raises:
        RopaUsageError: PATHS given too, --graph with --store-default-graph, or the store fails.
        NoActivitiesError: the graph holds no processing activity.
    """
    if paths:
        raise RopaUsageError("give PATHS or --endpoint, not both")
    if graph_iri is not None and store_default_graph:
        raise RopaUsageError("--graph and --store-default-graph exclude each other")
    from ropa_kg.app.remote import validate_endpoint
    from ropa_kg.query.endpoint import DEFAULT_GRAPH_IRI
    from ropa_kg.rules.pushdown import OntologyMissing

    chosen = None if store_default_graph else graph_iri or DEFAULT_GRAPH_IRI
    try:
        run = validate_endpoint(
            endpoint,
            graph_iri=chosen,
            credentials=credentials,
            shapes_dir=shapes_dir,
            today=today,
            timeout=timeout,
        )
    except OntologyMissing as exc:
        click.echo(f"note: {exc}; copying the graph and adding the ontology instead", err=True)
        return None
    click.echo(run.note(), err=True)
    return run.result


def _fetch(
    endpoint: str | None,
    graph_iri: str | None,
    paths: tuple[str, ...],
    *,
    store_default_graph: bool,
    credentials: Credentials | None = None,
    timeout: float | None = None,
) -> Graph | None:
    """The record on ``endpoint`` with the project's ontology added, or None without an endpoint.

    Raises:
        RopaUsageError: PATHS given too, --graph without --endpoint, the chosen graph is empty, or the
            endpoint fails.
    """
    if endpoint is None:
        if graph_iri is not None or store_default_graph or credentials or timeout is not None:
            raise RopaUsageError("--graph, --store-default-graph, --timeout and --user need --endpoint")
        return None
    if paths:
        raise RopaUsageError("give PATHS or --endpoint, not both")
    if graph_iri is not None and store_default_graph:
        raise RopaUsageError("--graph and --store-default-graph exclude each other")
    from ropa_kg.app.remote import copy_timeout
    from ropa_kg.load.graph import ontology_files, parse_into
    from ropa_kg.query.endpoint import DEFAULT_GRAPH_IRI, Endpoint, empty_graph_note, fetch_graph

    chosen = None if store_default_graph else graph_iri or DEFAULT_GRAPH_IRI
    graph = fetch_graph(endpoint, graph_iri=chosen, credentials=credentials, timeout=copy_timeout(timeout))
    if len(graph) == 0:
        target = Endpoint(endpoint, default_graphs=(chosen,) if chosen else (), credentials=credentials)
        raise RopaUsageError(empty_graph_note(target).removeprefix("note: "))
    for path in ontology_files():
        parse_into(graph, path)
    return graph


def _files(paths: tuple[str, ...]) -> list[Path]:
    from ropa_kg.core.resources import alumeco_dir
    from ropa_kg.load.graph import collect_files

    return collect_files(list(paths) or [alumeco_dir()])


@main.command("reason")
@paths_argument
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here.")
@input_errors_exit_2
def reason_command(paths: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Check ontology + record for consistency with HermiT and list what it infers.

    Exit 0 when consistent, 1 when inconsistent (with an explanation), 2 on bad input.
    """
    from ropa_kg.rules.reasoning import reason, render_reasoning

    outcome = reason(load_graph(list(paths) or None))
    _write(render_reasoning(outcome, fmt), output)
    raise SystemExit(EXIT_OK if outcome.consistent else EXIT_FINDINGS)


__all__ = [
    "reason_command",
    "validate_command",
]
