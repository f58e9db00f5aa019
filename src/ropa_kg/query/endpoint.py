"""Talking to a SPARQL 1.1 triple store, and running one: Oxigraph, Fuseki, GraphDB, Virtuoso...

* queries go through SPARQLWrapper (SPARQL 1.1 Protocol, POST, JSON results); the record's named graph
  is chosen with the protocol's ``default-graph-uri`` parameter, so the saved queries run unchanged;
* ``ropa load`` replaces a named graph with one HTTP ``PUT`` of the Graph Store Protocol. Oxigraph applies
  it atomically (a failed upload leaves the previous graph whole); Virtuoso 7.2 does not: it empties the
  graph, then loads the body in order, so a body it refuses halfway (a parse error at line N) leaves the
  graph holding the triples before line N, and a 500 answer names the line (:func:`put_graph`);
* a store that asks for credentials gets them with the first request, basic or digest as it asks
  (:mod:`ropa_kg.query.http_auth`, an :class:`Endpoint`'s ``credentials``);
* :class:`OxigraphServer` starts and stops ``oxigraph serve`` on a loopback address with a persistent
  store folder;
* what one store does differently is handled here, once, for every store (tested on Oxigraph and
  Virtuoso 7.2): the list markers are sent as ASCII ``\\u`` escapes (:func:`portable_lists`), and the
  literals Virtuoso rewrites come back in their canonical form (:func:`canonical_lexical`).

The default named graph is :data:`DEFAULT_GRAPH_IRI`.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import XSD, Graph, Literal
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import Unauthorized

from ropa_kg.core.errors import RopaUsageError
from ropa_kg.query.catalogue import SavedQuery, check_query, resolve
from ropa_kg.query.http_auth import Credentials, asks_for_credentials, authorization, refused_credentials
from ropa_kg.sparql.bind import bind_values
from ropa_kg.sparql.exists import optimise_query
from ropa_kg.sparql.guard import QueryForm, check_read_only
from ropa_kg.sparql.lists import ListRewrite, ordered_lists
from ropa_kg.sparql.paging import Window, page_query
from ropa_kg.sparql.results import ResultTable, StreamWriter, Term, TextSink, from_sparql_json, render

if TYPE_CHECKING:
    from ropa_kg.query.limits import StreamedResult

#: The named graph ``ropa load`` writes and ``ropa query --endpoint`` reads unless told otherwise.
DEFAULT_GRAPH_IRI = "urn:ropa-kg:record"
#: The saved query that returns every triple (used by :func:`fetch_graph`).
EXPORT_QUERY = "record-triples"
#: How many triples one request of a copy (:func:`fetch_store`) asks for: under Virtuoso 7.2's 1,000,000.
COPY_PAGE = 500_000
#: How long, in seconds, a Graph Store ``PUT`` waits for the store's answer by default.
PUT_TIMEOUT = 120.0


class EndpointError(RopaUsageError):
    """The endpoint cannot be reached, or it answered with an error (the CLI exits with code 2)."""


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL 1.1 query endpoint and the named graphs that form the queries' default graph.

    ``default_graphs`` are sent as ``default-graph-uri``; empty means the store's own default graph
    (for Oxigraph started by ``ropa serve``: the union of all graphs). ``credentials`` are sent when the
    endpoint asks for them (:func:`ropa_kg.query.http_auth.authorization`).
    """

    query_url: str
    default_graphs: tuple[str, ...] = (DEFAULT_GRAPH_IRI,)
    timeout: float = 60.0
    credentials: Credentials | None = None

    def __post_init__(self) -> None:
        check_http_url(self.query_url)


def check_http_url(url: str) -> str:
    """Return ``url`` if it is an ``http(s)://host...`` address; raises RopaUsageError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RopaUsageError(f"not an http(s) endpoint address: {url!r}")
    return url


def graph_store_url_for(query_url: str) -> str:
    """The Graph Store Protocol address next to a query endpoint, for the layouts that have a fixed one:
    Oxigraph (``/query`` -> ``/store``) and Fuseki (``/DATASET/query`` or ``/DATASET/sparql`` ->
    ``/DATASET/data``).

    Raises:
        RopaUsageError: the layout is not one of these; give ``--graph-store`` explicitly.
    """
    parts = urllib.parse.urlsplit(check_http_url(query_url))
    path = parts.path.rstrip("/")
    if path == "/query":
        new_path = "/store"
    elif path.endswith(("/query", "/sparql")) and path.count("/") == 2:
        new_path = path.rsplit("/", 1)[0] + "/data"
    else:
        raise RopaUsageError(
            f"cannot tell the Graph Store address of {query_url}; give it with --graph-store "
            "(GraphDB: .../repositories/REPO/rdf-graphs/service, Virtuoso: .../sparql-graph-crud-auth)"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))


def _wrapper(endpoint: Endpoint, text: str, form: QueryForm) -> SPARQLWrapper:
    # the text as sent, after binding and rewriting, passes the guard once more (nothing else is sent)
    check_read_only(text, source=endpoint.query_url, strict=False)
    client = SPARQLWrapper(endpoint.query_url)
    client.setMethod(POST)
    client.setTimeout(int(endpoint.timeout))
    for graph in endpoint.default_graphs:
        client.addDefaultGraph(graph)
    client.setQuery(text)
    # one HEAD first when there are credentials: SPARQLWrapper's digest support installs a process-wide
    # urllib opener; a header computed here is this request's own
    for name, value in authorization(
        endpoint.query_url, "POST", endpoint.credentials, timeout=endpoint.timeout
    ).items():
        client.addCustomHttpHeader(name, value)
    # SPARQLWrapper guesses the form with a pattern that words in comments can fool ("address" -> ADD,
    # sent as an update); the guard has established the form already.
    client.queryType = form.value
    return client


def run_remote(query: SavedQuery, endpoint: Endpoint, bindings: Mapping[str, Term]) -> ResultTable:
    """Run a saved query (:class:`ropa_kg.query.catalogue.SavedQuery`) on ``endpoint`` with ``bindings``
    (a ``VALUES`` block, see :mod:`ropa_kg.sparql.bind`).

    Raises:
        EndpointError: the endpoint cannot be reached or answers with an error.
        RopaUsageError: the query is not read-only, or cannot take parameters.
    """
    checked = query.check()
    text, lists = _prepared(query, bindings)
    client = _wrapper(endpoint, text, checked.form)
    if checked.form in {QueryForm.CONSTRUCT, QueryForm.DESCRIBE}:
        from ropa_kg.load.store import rdflib_copy

        client.setReturnFormat(TURTLE)
        graph = rdflib_copy(_turtle_into(ox.Store(), client, endpoint))
        return ResultTable.triples(checked.form, graph)  # type: ignore[arg-type]  # graph triples are terms
    client.setReturnFormat(JSON)
    body = _fetch(client, endpoint)
    try:
        data = json.loads(body)
        for row in data.get("results", {}).get("bindings", []):
            for cell in row.values():
                if cell.get("type") in {"literal", "typed-literal"}:
                    value = canonical_lexical(cell["value"], cell.get("datatype"))
                    cell["value"] = lists.fix(value)
        return from_sparql_json(checked.form, data)
    except ValueError as exc:
        raise EndpointError(f"{endpoint.query_url} did not answer with SPARQL JSON results: {exc}") from exc


def stream_remote(
    query: SavedQuery,
    endpoint: Endpoint,
    bindings: Mapping[str, Term],
    *,
    out: TextSink,
    fmt: str,
    max_rows: int,
    window: Window | None = None,
) -> StreamedResult:
    """:func:`run_remote`, with the answer read and written to ``out`` in ``fmt`` (a format of
    :data:`~ropa_kg.sparql.results.STREAM_FORMATS`) as it arrives: the SPARQL JSON results (or the
    Turtle of a CONSTRUCT) are parsed incrementally by pyoxigraph, never whole, and a SELECT is paged by
    the endpoint (``window`` as its ``LIMIT`` / ``OFFSET``, see :mod:`ropa_kg.sparql.paging`); triples are
    sorted in runs on disk (:func:`ropa_kg.query.stream.sorted_texts`), then paged. The same text as
    ``render(run_remote(...), fmt)`` (cut at ``max_rows``).

    Raises:
        EndpointError: the endpoint cannot be reached, answers with an error or with a body that is
            not SPARQL results.
        RopaUsageError: the query is not read-only, cannot take parameters, or is an ASK with a window.
    """
    from ropa_kg.query.limits import StreamedResult
    from ropa_kg.query.stream import sorted_texts, take, triple_key

    page = window or Window()
    checked = query.check()
    if page != Window() and checked.form is QueryForm.ASK:
        raise RopaUsageError("--limit and --offset page SELECT, CONSTRUCT and DESCRIBE results, not ASK")
    paged = checked.form is QueryForm.SELECT and page != Window()
    text, lists = _prepared(query, bindings, window=page if paged else None)
    client = _wrapper(endpoint, text, checked.form)
    start = time.perf_counter()
    triples = checked.form in {QueryForm.CONSTRUCT, QueryForm.DESCRIBE}
    client.setReturnFormat(TURTLE if triples else JSON)
    response = _response(client, endpoint)
    try:
        if triples:
            writer = StreamWriter(out, fmt, ("subject", "predicate", "object"))
            pairs = (
                (triple_key(*cells), writer.text(cells))
                for cells in ((q.subject, q.predicate, q.object) for q in _canonical_quads(response))
            )
            count, truncated = take(
                sorted_texts(pairs, unique=True),
                writer.write_text,
                offset=page.offset,
                limit=page.limit,
                max_rows=max_rows,
            )
        else:
            solutions = ox.parse_query_results(response, format=ox.QueryResultsFormat.JSON)
            if isinstance(solutions, ox.QueryBoolean):
                out.write(render(ResultTable.ask(bool(solutions)), fmt))
                return StreamedResult(QueryForm.ASK, 1, False, time.perf_counter() - start)
            columns = [v.value for v in solutions.variables]
            writer = StreamWriter(out, fmt, columns)
            rows = ([_remote_cell(s[c], lists) for c in columns] for s in solutions)
            count, truncated = take(rows, writer.write, max_rows=max_rows)
        writer.close()
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"{endpoint.query_url} did not answer with SPARQL results: {exc}") from exc
    finally:
        response.close()
    return StreamedResult(checked.form, count, truncated, time.perf_counter() - start)


def _prepared(
    query: SavedQuery, bindings: Mapping[str, Term], *, window: Window | None = None
) -> tuple[str, ListRewrite]:
    """The text sent to an endpoint for ``query`` with ``bindings`` (and ``window`` as its ``LIMIT`` /
    ``OFFSET``, for a SELECT or CONSTRUCT), and the list rewrite its answers are read back with:
    GROUP_CONCAT items in one order with ASCII list markers (:func:`portable_lists`), and the same
    decorrelation as in-process (plain SPARQL 1.1: every engine evaluates a correlated EXISTS once per
    row)."""
    lists = portable_lists(ordered_lists(query.text))
    text = lists.text if window is None else page_query(lists.text, window, source=str(query.path))
    return optimise_query(bind_values(text, bindings), bound=frozenset(bindings)), lists


def _canonical_quads(response: IO[bytes]) -> Iterator[ox.Quad]:
    """The triples of a Turtle answer (a CONSTRUCT's), parsed as they arrive, each literal object in the
    lexical form the record wrote (:func:`canonical_lexical`; a subject or predicate is never a literal).

    Raises:
        SyntaxError: the body is not Turtle.
    """
    literal = ox.Literal
    for quad in ox.parse(response, format=ox.RdfFormat.TURTLE):
        obj = quad.object
        yield quad if type(obj) is not literal else ox.Quad(quad.subject, quad.predicate, _canonical(obj))


def _canonical(term: Any) -> Any:
    """A pyoxigraph literal with :func:`canonical_lexical` applied; any other term as it is."""
    if isinstance(term, ox.Literal) and not term.language:
        fixed = canonical_lexical(term.value, term.datatype.value)
        if fixed != term.value:
            return ox.Literal(fixed, datatype=term.datatype)
    return term


def _remote_cell(term: Any, lists: ListRewrite) -> Any:
    """A cell of an endpoint's answer as :func:`run_remote` makes it: canonical lexical form, lists
    sorted."""
    if not isinstance(term, ox.Literal):
        return term
    value = lists.fix(canonical_lexical(term.value, term.datatype.value))
    if value == term.value:
        return term
    if term.language:
        return ox.Literal(value, language=term.language)
    return ox.Literal(value, datatype=term.datatype)


def _response(client: SPARQLWrapper, endpoint: Endpoint) -> IO[bytes]:
    """The endpoint's open HTTP response (read as it arrives); the errors of :func:`_fetch`."""
    try:
        response: IO[bytes] = client.query().response
    except urllib.error.HTTPError as exc:  # pragma: no cover - SPARQLWrapper wraps most of these
        raise EndpointError(f"{endpoint.query_url} answered {exc.code}: {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise EndpointError(f"cannot reach {endpoint.query_url}: {exc}") from exc
    except Unauthorized as exc:
        raise _refused(endpoint, exc) from exc
    except Exception as exc:
        raise EndpointError(f"{endpoint.query_url} refused the query: {exc}") from exc
    return response


#: The characters :func:`portable_lists` marks lists with: ASCII controls but tab, newline and return.
_PORTABLE_MARKERS = tuple(chr(c) for c in range(0x01, 0x20) if chr(c) not in "\t\n\r")


def portable_lists(lists: ListRewrite) -> ListRewrite:
    """``lists`` with its list markers (private-use characters) replaced by ASCII control characters,
    written in the query as SPARQL ``\\uXXXX`` escapes.

    Virtuoso 7.2 narrows a ``GROUP_CONCAT`` separator written in the query to an 8-bit string, so a
    private-use (or any non-Latin-1) separator comes back as ``?`` and the lists could not be split;
    an escaped ASCII control character survives every store, and record text holds none.

    Raises:
        RopaUsageError: the query has more lists than there are such characters (28).
    """
    if len(lists.markers) > len(_PORTABLE_MARKERS):
        raise RopaUsageError(
            f"a query sent to an endpoint can have at most {len(_PORTABLE_MARKERS)} GROUP_CONCAT lists"
        )
    text, markers = lists.text, []
    for (marker, separator), portable in zip(lists.markers, _PORTABLE_MARKERS, strict=False):
        text = text.replace(marker, f"\\u{ord(portable):04X}")
        markers.append((portable, separator))
    return ListRewrite(text, tuple(markers))


def canonical_lexical(value: str, datatype: str | None) -> str:
    """The lexical form of a literal as the record wrote it, where a store answers with its own:

    * ``xsd:boolean`` ``1``/``0`` (Virtuoso 7.2 keeps booleans as integers) -> ``true``/``false``;
    * ``xsd:duration`` as a bare number (Virtuoso 7.2 converts year-month durations to months on
      loading, openlink/virtuoso-opensource#936) -> the canonical ``PnYnM`` form (``60`` -> ``P5Y``,
      ``18`` -> ``P1Y6M``; so a record that writes ``P12M`` reads ``P1Y`` from Virtuoso).

    * ``xsd:duration`` as a floating-point number (Virtuoso 7.2 converts day-time durations to seconds,
      ``P90D`` -> ``7.776e+06``) -> the canonical ``PnDTnHnMnS`` form (``P90D``; ``PT36H`` reads ``P1DT12H``).

    Any other value comes back as it is.
    """
    if datatype == str(XSD.boolean) and value in {"1", "0"}:
        return "true" if value == "1" else "false"
    if datatype == str(XSD.duration) and _SECONDS.fullmatch(value):
        return _day_time(float(value))
    if datatype == str(XSD.duration) and value.lstrip("-").isdigit():
        sign, months = ("-", -int(value)) if value.startswith("-") else ("", int(value))
        years, rest = divmod(months, 12)
        parts = (f"{years}Y" if years else "") + (f"{rest}M" if rest or not years else "")
        return f"{sign}P{parts}"
    return value


#: A day-time duration as Virtuoso 7.2 answers it: seconds, written as a double (``7.776e+06``, ``3600.0``).
#: (An integer is a year-month duration in months: see :func:`canonical_lexical`.)
_SECONDS = re.compile(r"-?\d+(\.\d*([eE][-+]?\d+)?|[eE][-+]?\d+)")


def _day_time(seconds: float) -> str:
    """``seconds`` as the canonical ``xsd:dayTimeDuration`` (``P90D``, ``P1DT12H``, ``PT0.5S``, ``PT0S``)."""
    sign, rest = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time_part = "".join(f"{int(n)}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n) + (
        f"{secs:g}S" if secs else ""
    )
    text = (f"{int(days)}D" if days else "") + (f"T{time_part}" if time_part else "")
    return f"{sign}P{text or 'T0S'}"


def _fetch(client: SPARQLWrapper, endpoint: Endpoint) -> bytes:
    """The endpoint's whole answer; the errors of :func:`_response` (a read cut short: cannot reach)."""
    response = _response(client, endpoint)
    try:
        body: bytes = response.read()
    except OSError as exc:
        raise EndpointError(f"cannot reach {endpoint.query_url}: {exc}") from exc
    return body


def _refused(endpoint: Endpoint, exc: Unauthorized) -> EndpointError:
    """The error for a 401 answer (SPARQLWrapper read it but left its socket open: closed here)."""
    if isinstance(exc.__context__, urllib.error.HTTPError):
        exc.__context__.close()
    return EndpointError(refused_credentials(endpoint.query_url, endpoint.credentials))


def fetch_store(
    endpoint: str,
    *,
    graph_iri: str | None = DEFAULT_GRAPH_IRI,
    timeout: float = 60.0,
    credentials: Credentials | None = None,
    page_size: int = COPY_PAGE,
) -> ox.Store:
    """Every triple of ``graph_iri`` (``None``: the store's default graph) on the SPARQL endpoint
    ``endpoint`` (as ``credentials`` when it asks), in a new in-memory pyoxigraph store.

    The check query ``triple-count`` tells how many triples there are; the saved CONSTRUCT query
    ``record-triples`` then fetches them in pages of ``page_size`` (``LIMIT`` / ``OFFSET`` without
    ``ORDER BY``: Virtuoso 7.2 answers no CONSTRUCT of more than 1,000,000 triples, and sorts at most
    10,000 rows for a page). Each Turtle answer is parsed by pyoxigraph as it arrives, blank node labels
    kept across pages, each typed literal put back in the lexical form the record wrote
    (:func:`canonical_lexical`). (Through rdflib, at 10,000 activities on Virtuoso, the same copy took
    31 s instead of 5.5.) Unordered pages are exact only if the store enumerates the graph the same way
    each time, so the copy is checked, not trusted: it holds only the graph's triples, each once, so it
    is whole exactly when it holds as many as were counted.

    This is the copy ``ropa validate --endpoint URL`` validates where the store cannot run a rule.

    Raises:
        EndpointError: the endpoint cannot be reached, answers with an error or with a body that is
            not Turtle, or the copy holds fewer triples than the store counted (the store caps its
            answers, or the graph changed while it was copied).
    """
    target = Endpoint(
        endpoint, default_graphs=(graph_iri,) if graph_iri else (), timeout=timeout, credentials=credentials
    )
    expected = _triple_count(target)
    query = resolve(EXPORT_QUERY)
    store = ox.Store()
    for offset in range(0, expected, page_size):
        client = _wrapper(
            target, _prepared(query, {}, window=Window(page_size, offset))[0], query.check().form
        )
        client.setReturnFormat(TURTLE)
        _turtle_into(store, client, target)
    if len(store) != expected:
        raise EndpointError(
            f"{endpoint} counted {expected} triples in the graph but answered {len(store)} different ones "
            f"in pages of {page_size}: the store caps its answers (Virtuoso: ResultSetMaxRows in "
            "virtuoso.ini), or the graph changed while it was copied"
        )
    return store


def _triple_count(endpoint: Endpoint) -> int:
    """How many triples the graphs ``endpoint`` reads hold (the check query ``triple-count``).

    Raises:
        EndpointError: the endpoint cannot be reached, answers with an error or without a count.
    """
    table = run_remote(check_query("triple-count"), endpoint, {})
    cell = table.rows[0][0] if table.rows else None
    value = cell.toPython() if isinstance(cell, Literal) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EndpointError(f"{endpoint.query_url} did not answer how many triples the graph holds: {cell}")
    return value


def _turtle_into(store: ox.Store, client: SPARQLWrapper, endpoint: Endpoint) -> ox.Store:
    """``store``, with the triples ``endpoint`` answers ``client``'s CONSTRUCT or DESCRIBE with (Turtle)
    added as they arrive (:func:`_canonical_quads`).

    Raises:
        EndpointError: the endpoint cannot be reached, answers with an error or with a body that is not
            Turtle.
    """
    response = _response(client, endpoint)
    try:
        store.bulk_extend(_canonical_quads(response))
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"{endpoint.query_url} did not answer with Turtle: {exc}") from exc
    except OSError as exc:
        raise EndpointError(f"cannot reach {endpoint.query_url}: {exc}") from exc
    finally:
        response.close()
    return store


def fetch_graph(
    endpoint: str,
    *,
    graph_iri: str | None = DEFAULT_GRAPH_IRI,
    timeout: float = 60.0,
    credentials: Credentials | None = None,
) -> Graph:
    """:func:`fetch_store`'s triples as an rdflib graph (the project's prefixes bound).

    This is what ``ropa validate --endpoint URL --copy`` validates and the dashboard's endpoint source
    shows.

    Raises:
        EndpointError: as :func:`fetch_store`.
    """
    from ropa_kg.core.namespaces import bind_prefixes
    from ropa_kg.load.store import rdflib_copy

    store = fetch_store(endpoint, graph_iri=graph_iri, timeout=timeout, credentials=credentials)
    return bind_prefixes(rdflib_copy(store))


def graph_is_empty(endpoint: Endpoint) -> bool:
    """True when the graphs ``endpoint`` reads (its ``default_graphs``, or the store's default graph)
    hold no triple (the check query ``graph-has-triples``).

    Raises:
        EndpointError: the endpoint cannot be reached or answers with an error.
    """

    table = run_remote(check_query("graph-has-triples"), endpoint, {})
    answer = table.rows[0][0]
    return not (isinstance(answer, Literal) and answer.toPython() is True)


def empty_graph_note(endpoint: Endpoint) -> str:
    """What to tell a user whose chosen graph on ``endpoint`` is empty, with the remedies."""
    if endpoint.default_graphs:
        graphs = ", ".join(f"<{g}>" for g in endpoint.default_graphs)
        return (
            f"note: the named graph {graphs} on {endpoint.query_url} holds no triples, so every answer "
            "is empty; if the data was loaded into the store's default graph (e.g. with `oxigraph load`), "
            "add --store-default-graph; if it is in another named graph, name it with --graph IRI; "
            "`ropa load --endpoint URL` loads a record into the named graph"
        )
    return (
        f"note: the default graph of {endpoint.query_url} holds no triples, so every answer is empty; "
        "if the data is in a named graph, name it with --graph IRI"
    )


def put_graph(
    graph_store_url: str,
    *,
    graph_iri: str,
    data: bytes,
    content_type: str = "application/n-triples",
    timeout: float = PUT_TIMEOUT,
    credentials: Credentials | None = None,
) -> int:
    """Replace the named graph ``graph_iri`` with ``data`` (SPARQL 1.1 Graph Store Protocol ``PUT``, one
    request), authenticated as ``credentials`` when the store asks (basic or digest, sent with the body:
    :func:`ropa_kg.query.http_auth.authorization`).

    Returns the HTTP status (200, 201 or 204). Oxigraph applies the request as one transaction: if it
    fails, the previous content of the graph is left as it was. Virtuoso 7.2 empties the graph first and
    loads the body in order: a body it refuses at line N leaves the triples before line N (see the module
    docstring); sending the same body again replaces the graph whole.

    Raises:
        EndpointError: the store cannot be reached, refuses the credentials (or wants some and has none),
            or refuses the data.
    """
    url = check_http_url(graph_store_url)
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    target = f"{url}{separator}{urllib.parse.urlencode({'graph': graph_iri})}"
    login = authorization(target, "PUT", credentials, timeout=timeout, verify=True)
    headers = {"Content-Type": content_type, **login}
    request = urllib.request.Request(  # noqa: S310 - the scheme was checked to be http(s)
        target, data=data, method="PUT", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            status: int = response.status
    except urllib.error.HTTPError as exc:
        with exc:
            detail = exc.read().decode("utf-8", "replace").strip()[:500]
        if exc.code == 401:
            raise EndpointError(refused_credentials(graph_store_url, credentials)) from exc
        raise EndpointError(
            f"{graph_store_url} refused the graph ({exc.code} {exc.reason}): {detail}"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
            raise EndpointError(
                f"{graph_store_url} did not answer within {timeout:g} s after the {len(data):,} bytes were "
                "sent (a large record takes a store longer to load: raise the limit with --timeout "
                "SECONDS; the store may still be loading, and loading again replaces the graph whole)"
            ) from exc
        # a store that answers 401 before reading the body breaks the pipe of a large one (Virtuoso)
        if not login and asks_for_credentials(target, timeout=timeout):
            raise EndpointError(refused_credentials(graph_store_url, credentials)) from exc
        raise EndpointError(f"cannot reach {graph_store_url}: {exc}") from exc
    return status


# --- running an Oxigraph server ----------------------------------------------------------------------


def oxigraph_executable() -> Path:
    """The ``oxigraph`` command of the ``oxigraph`` PyPI package (next to this Python, else on PATH).

    Raises:
        RopaUsageError: it is not installed.
    """
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return beside
    found = shutil.which("oxigraph")
    if found is None:
        raise RopaUsageError("the oxigraph server is not installed: pip install oxigraph")
    return Path(found)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class OxigraphServer:
    """``oxigraph serve`` on ``host:port`` with its data in ``location`` (kept between runs).

    The server answers SPARQL on :attr:`query_url` and the Graph Store Protocol on :attr:`store_url`;
    with ``union_default_graph`` a query without ``default-graph-uri`` sees every named graph. Use as a
    context manager, or call :meth:`start` and :meth:`stop`.
    """

    location: Path
    port: int
    host: str = "127.0.0.1"
    union_default_graph: bool = True
    startup_timeout: float = 30.0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def store_url(self) -> str:
        return f"{self.base_url}/store"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        bind = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        cmd = [str(oxigraph_executable()), "serve", "--location", str(self.location), "--bind", bind]
        return cmd + (["--union-default-graph"] if self.union_default_graph else [])

    def start(self) -> OxigraphServer:
        """Start the server and wait until it answers.

        Raises:
            RopaUsageError: the server exits at once (port in use, store folder locked...) or does not
                answer within ``startup_timeout`` seconds; it is stopped and its error output quoted.
        """
        self.location.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.startup_timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    error = (self.process.stderr.read() if self.process.stderr else b"").decode(
                        "utf-8", "replace"
                    )
                    self.process = None
                    raise RopaUsageError(f"oxigraph serve stopped at start: {error.strip()[:500]}")
                if self._answers():
                    return self
                time.sleep(0.05)
        except BaseException:  # Ctrl-C or SIGTERM while waiting: the server does not outlive us
            self.stop()
            raise
        self.stop()
        raise RopaUsageError(
            f"oxigraph serve did not answer on {self.base_url} in {self.startup_timeout:.0f} s"
        )

    def _answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server this object started (terminate, then kill after 10 s)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def upload_record(
    graph_store_url: str,
    paths: Sequence[Path | str] | None = None,
    *,
    graph_iri: str = DEFAULT_GRAPH_IRI,
    with_ontology: bool = True,
    credentials: Credentials | None = None,
    timeout: float = PUT_TIMEOUT,
) -> int:
    """Parse the record (and the ontology) locally, then replace ``graph_iri`` at ``graph_store_url``
    with it in one :func:`put_graph` (as ``credentials`` when the store asks; the store's answer awaited
    ``timeout`` seconds). Returns the number of triples sent.

    Raises:
        RopaInputError: a file cannot be parsed (nothing is sent then).
        EndpointError: the store cannot be reached or refuses the data.
    """
    from ropa_kg.load.store import dump_ntriples, load_store

    store = load_store(list(paths) if paths else None, with_ontology=with_ontology)
    put_graph(
        graph_store_url,
        graph_iri=graph_iri,
        data=dump_ntriples(store),
        credentials=credentials,
        timeout=timeout,
    )
    return len(store)


__all__ = [
    "DEFAULT_GRAPH_IRI",
    "EXPORT_QUERY",
    "PUT_TIMEOUT",
    "Credentials",
    "Endpoint",
    "EndpointError",
    "OxigraphServer",
    "canonical_lexical",
    "check_http_url",
    "empty_graph_note",
    "fetch_graph",
    "fetch_store",
    "free_port",
    "graph_is_empty",
    "graph_store_url_for",
    "oxigraph_executable",
    "portable_lists",
    "put_graph",
    "run_remote",
    "stream_remote",
    "upload_record",
]
