"""The query console's limits and the dashboard's data layer, outside Streamlit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ropa_kg.app.record import Record, load_record
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.query.console import QueryTimeout, run_console_query

ALU = "https://w3id.org/ropa-kg/data/alumeco#"


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Record:
    mp = pytest.MonkeyPatch()
    mp.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    try:
        return load_record()
    finally:
        mp.undo()


def test_runaway_query_is_stopped_at_the_time_limit(record: Record) -> None:
    assert record.store_path is not None
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    start = time.perf_counter()
    with pytest.raises(QueryTimeout, match="time limit"):
        run_console_query(runaway, store_path=record.store_path, timeout=1.0)
    assert time.perf_counter() - start < 10


def test_row_limit_and_refusals(record: Record) -> None:
    assert record.store_path is not None
    result = run_console_query("SELECT * WHERE { ?s ?p ?o }", store_path=record.store_path, max_rows=7)
    assert len(result.table.rows) == 7 and result.truncated
    ask = run_console_query(f"ASK {{ <{ALU}Chat> ?p ?o }}", store_path=record.store_path)
    assert ask.table.rows[0][0] is not None and ask.table.rows[0][0].toPython() is True
    for text, message in [
        ("DELETE WHERE { ?s ?p ?o }", "refused"),
        ("LOAD <http://example.org/x>", "LOAD"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ]:
        with pytest.raises(RopaUsageError, match=message):
            run_console_query(text, store_path=record.store_path)
    with pytest.raises(RopaInputError, match="line 2"):
        run_console_query("SELECT *\nWHERE { ?s ?p }", store_path=record.store_path)


def test_record_tables_follow_the_policy(record: Record) -> None:
    # "Tiedot siirretään Netop Business Solutions A/S:lle." and Netop is the chat's processor (external).
    chat = {(e.kind, e.target, e.role) for e in record.edges if e.source == f"{ALU}Chat"}
    assert ("recipient", f"{ALU}Netop", "processor") in chat
    assert ("data", "https://w3id.org/dpv/pd#TelephoneNumber", "") in chat
    # Google Ireland Limited is the EEA party (Google's privacy policy and its business-tools terms);
    # the US leg is Google's own onward transfer, so no recipient of the record is in the US.
    countries = {(e.source, e.target) for e in record.edges if e.kind == "country"}
    assert countries >= {
        (f"{ALU}Google", "https://w3id.org/dpv/loc#IE"),
        (f"{ALU}Netop", "https://w3id.org/dpv/loc#DK"),
    }
    assert not any(target == "https://w3id.org/dpv/loc#US" for _, target in countries)
    rows = {r["id"]: r for r in record.activity_rows}
    assert len(rows) == 10
    assert rows["alu:Chat"]["countries"] == ["Denmark"]
    assert rows["alu:Website"]["countries"] == ["Ireland"]
    facts = {f.predicate.rsplit("#", 1)[-1]: f for f in record.facts(f"{ALU}Google")}
    sources = facts["hasCountry"].sources
    assert all(source.external for source in sources)
    assert {source.url for source in sources} == {
        "https://policies.google.com/privacy",
        "https://business.safety.google/adsprocessorterms/",
    }


def test_bad_file_names_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n", encoding="utf-8")
    with pytest.raises(RopaInputError) as caught:
        load_record([str(broken)])
    assert "broken.ttl" in str(caught.value) and caught.value.line is not None
