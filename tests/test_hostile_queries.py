"""Hostile queries through ``ropa query`` (both engines) and the dashboard console: updates, LOAD and
SERVICE are refused and send nothing; a runaway query is stopped at the time limit; a result of millions
of rows is cut at the row limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from hostile_support import Recorder, recording_server, run_cli
from ropa_kg.load.safe_input import no_network
from ropa_kg.query.limits import QueryTimeout, run_limited

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n"
#: The Alumeco record with the ontology holds about 4,300 triples: this is over 18 million rows.
MILLIONS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }\n"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    yield from recording_server()


def hostile_texts(url: str) -> list[tuple[str, str]]:
    return [
        ("DELETE WHERE { ?s ?p ?o }\n", "SPARQL Update (DELETE) is not allowed"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }\n", "SPARQL Update (INSERT) is not allowed"),
        (f"LOAD <{url}/load.ttl>\n", "SPARQL Update (LOAD) is not allowed"),
        (f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}\n", "SERVICE is not allowed"),
        (
            f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}/x> {{ ?s ?q ?r }} }} }}\n",
            "SERVICE is not allowed",
        ),
    ]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_updates_load_and_service_are_refused_and_send_nothing(
    engine: str, recorder: Recorder, tmp_path: Path
) -> None:
    for i, (text, message) in enumerate(hostile_texts(recorder.url)):
        path = tmp_path / f"hostile-{i}.rq"
        path.write_text(text, encoding="utf-8")
        result = run_cli("query", str(path), "--engine", engine)
        assert result.exit_code == 2, result.output
        assert message in result.stderr and str(path) in result.stderr
    assert recorder.requests == []


def test_service_with_the_guard_bypassed_still_sends_nothing(recorder: Recorder) -> None:
    """rdflib's engine runs SERVICE over HTTP: no_network() (used by the query worker) stops it."""
    graph = Graph()
    text = f"SELECT * WHERE {{ SERVICE <{recorder.url}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(Exception), no_network() as attempts:  # noqa: B017 - rdflib may wrap it
        list(graph.query(text))
    assert attempts and recorder.requests == []


@pytest.mark.slow  # 2 s of a runaway query; make check keeps the library runner's time limit below
def test_a_cartesian_product_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "cartesian.rq"
    path.write_text(CARTESIAN, encoding="utf-8")
    result = run_cli("query", str(path), "--timeout", "2")
    assert result.exit_code == 2
    assert "the query ran longer than the time limit (2 s) and was stopped" in result.stderr
    assert "--timeout" in result.stderr


def test_millions_of_rows_are_cut_at_the_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "millions.rq"
    path.write_text(MILLIONS, encoding="utf-8")
    result = run_cli("query", str(path), "--max-rows", "250", "--format", "csv", "--timeout", "60")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 251  # header + 250 rows
    assert "note: the result was cut at 250 rows (--max-rows)" in result.stderr


def test_a_result_within_the_limit_has_no_note() -> None:
    result = run_cli("query", "controller-and-dpo", "--max-rows", "5")
    assert result.exit_code == 0 and result.stderr == ""


def test_the_library_runner_raises_query_timeout() -> None:
    with pytest.raises(QueryTimeout, match="time limit"):
        run_limited(CARTESIAN, timeout=1.0)
    limited = run_limited(MILLIONS, max_rows=10)
    assert limited.truncated and len(limited.table.rows) == 10


# --- the dashboard console ------------------------------------------------------------------------


@pytest.fixture
def console(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> object:
    from streamlit.testing.v1 import AppTest

    from ropa_kg.core.resources import dashboard_dir

    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)
    at = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/console.py").run()
    assert not at.exception
    return at


def _run_console(at: object, text: str, *, timeout: float = 10.0, rows: int = 1000) -> None:
    at.text_area(key="adhoc_text").set_value(text)  # type: ignore[attr-defined]
    at.number_input(key="adhoc_timeout").set_value(timeout)  # type: ignore[attr-defined]
    at.number_input(key="adhoc_rows").set_value(rows)  # type: ignore[attr-defined]
    at.button(key="run_adhoc").click().run()  # type: ignore[attr-defined]
    assert not at.exception, [e.value for e in at.exception]  # type: ignore[attr-defined]


def test_console_refuses_hostile_queries_and_sends_nothing(console: object, recorder: Recorder) -> None:
    for text, message in hostile_texts(recorder.url):
        _run_console(console, text)
        errors = [e.value for e in console.error]  # type: ignore[attr-defined]
        assert any(message in e for e in errors), errors
    assert recorder.requests == []


@pytest.mark.slow  # the console's time limit stays in make check (test_dashboard_console)
def test_console_stops_a_runaway_query_and_cuts_millions_of_rows(console: object) -> None:
    _run_console(console, CARTESIAN, timeout=1.0)
    errors = [e.value for e in console.error]  # type: ignore[attr-defined]
    assert any("time limit (1 s)" in e for e in errors), errors
    _run_console(console, MILLIONS, rows=300)
    assert not console.error  # type: ignore[attr-defined]
    body = "\n".join(str(m.value) for m in console.markdown)  # type: ignore[attr-defined]
    assert "**300 rows** (row limit reached)" in body
    (frame,) = [f.value for f in console.dataframe]  # type: ignore[attr-defined]
    assert len(frame) == 300
    # the console still answers
    _run_console(console, "ASK { ?s ?p ?o }")
    assert not console.error  # type: ignore[attr-defined]
