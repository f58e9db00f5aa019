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


# --- paging: the view model, then the view ---------------------------------------------------------

ORDERED = (
    "PREFIX dpv: <https://w3id.org/dpv#>\n"
    "SELECT ?activity ?purpose WHERE { ?activity a dpv:Process ; dpv:hasPurpose ?purpose }\n"
    "ORDER BY ?activity ?purpose"
)


def test_console_pages_are_slices_of_the_whole_result(record: Record) -> None:
    from ropa_kg.app.views import console_page

    assert record.store_path is not None
    whole = run_console_query(ORDERED, store_path=record.store_path).table.rows
    assert len(whole) > 10
    pages = [
        console_page(ORDERED, store_path=record.store_path, page=n, page_size=5, timeout=10.0, max_rows=1000)
        for n in (1, 2)
    ]
    assert pages[0].table.rows + pages[1].table.rows == whole[:10]
    assert (pages[1].first, pages[1].last, pages[1].more, pages[1].total) == (6, 10, True, None)
    size = len(whole) - 3  # the second page holds the last 3 rows: the total is known, no query more
    last = console_page(
        ORDERED, store_path=record.store_path, page=2, page_size=size, timeout=10.0, max_rows=1000
    )
    assert last.table.rows == whole[size:] and not last.more and last.total == len(whole)
    cut = console_page(ORDERED, store_path=record.store_path, page=1, page_size=100, timeout=10.0, max_rows=4)
    assert cut.table.rows == whole[:4] and cut.truncated and cut.total is None
    ask = console_page("ASK { ?s ?p ?o }", store_path=record.store_path, page=3, timeout=10.0, max_rows=10)
    assert ask.page == 1 and ask.table.rows[0][0] is not None and ask.table.rows[0][0].toPython() is True
    with pytest.raises(ValueError, match="at least 1"):
        console_page(ORDERED, store_path=record.store_path, page=0, timeout=10.0, max_rows=10)


def test_saved_query_pages(record: Record) -> None:
    from ropa_kg.app.views import saved_page

    whole = record.run("processors-and-joint-controllers").rows
    page = saved_page(record, "processors-and-joint-controllers", page=2, page_size=2)
    assert page.table.rows == whole[2:4] and page.first == 3
    triples = record.run("record-triples").rows
    second = saved_page(record, "record-triples", page=2, page_size=50)
    assert second.table.rows == triples[50:100] and second.more


def test_console_view_pages_an_adhoc_result(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from ropa_kg.core.resources import dashboard_dir

    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path / "work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)
    at = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/console.py").run()
    at.text_area(key="adhoc_text").input("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o").run()
    at.button(key="run_adhoc").click().run()
    first = at.dataframe[-1].value
    assert len(first) == 1000  # the default page size: the console's default row limit
    assert "Rows 1-1000; more on the next page" in [c.value for c in at.caption]
    at.selectbox(key="adhoc_page_size").set_value(25).run()
    at.number_input(key="adhoc_page").set_value(2).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Rows 26-50; more on the next page" in [c.value for c in at.caption]
    assert at.dataframe[-1].value.values.tolist() == first.iloc[25:50].values.tolist()
    at.number_input(key="adhoc_page").set_value(100_000).run()
    assert "No rows on page 100000: the result ends before it." in [c.value for c in at.caption]


def test_flows_view_draws_a_page_of_activities(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from ropa_kg.app.generate import generate
    from ropa_kg.app.views import page_count, page_slice
    from ropa_kg.core.resources import dashboard_dir

    assert (page_count(0, 40), page_count(40, 40), page_count(41, 40)) == (1, 1, 2)
    assert list(page_slice("abcde", 2, 2)) == ["c", "d"] and list(page_slice("abc", 3, 2)) == []
    path = tmp_path / "big.ttl"
    with path.open("w", encoding="utf-8") as out:
        generate(out, activities=45, fault_rate=0.0)
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path / "work"))
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(path))
    at = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("views/flows.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.multiselect(key="flow_activities_1").value) == 40  # page 1 of 2
    at.number_input(key="flow_page").set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.multiselect(key="flow_activities_2").value) == 5
