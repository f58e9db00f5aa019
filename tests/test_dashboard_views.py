"""Every dashboard view under Streamlit's AppTest: renders without exceptions and shows the Alumeco
figures the record implies (checked against the validator and the policy, not copied from the page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ropa_kg.findings import Severity
from ropa_kg.resources import dashboard_dir
from ropa_kg.validation import validate

APP = str(dashboard_dir() / "app.py")


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)


@pytest.fixture(scope="module")
def alumeco_findings() -> list[tuple[str, str, Severity]]:
    result = validate(engine="fast")
    return [(f.rule_id, f.focus_node, f.severity) for f in result.active]


def open_view(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [s.value for s in at.subheader] + [h.value for h in at.header]
    return "\n".join(str(p) for p in parts)


def frames(at: AppTest) -> Iterator[object]:
    for frame in at.dataframe:
        yield frame.value


def test_overview_counts(alumeco_findings: list[tuple[str, str, Severity]]) -> None:
    at = open_view("views/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Processing activities"] == "10"  # the policy's ten activities
    assert metrics["Third countries"] == "1"  # only Google LLC (US) is outside the EEA
    violations = sum(1 for f in alumeco_findings if f[2] is Severity.VIOLATION)
    warnings = sum(1 for f in alumeco_findings if f[2] is Severity.WARNING)
    assert metrics["Violations"] == str(violations) and violations > 0
    assert metrics["Warnings"] == str(warnings)
    assert len(at.get("plotly_chart")) == 3
    assert not at.error


def test_activities_table_and_filter() -> None:
    at = open_view("views/activities.py")
    (frame,) = list(frames(at))
    assert len(frame) == 10  # type: ignore[arg-type]
    at.multiselect(key="filter_recipients").select("Netop Business Solutions A/S").run()
    (frame,) = list(frames(at))
    assert list(frame["ID"]) == ["alu:Chat"]  # type: ignore[index]
    assert "1 of 10 activities" in texts(at)
    at.multiselect(key="filter_recipients").unselect("Netop Business Solutions A/S").run()
    at.multiselect(key="filter_countries").select("United States").run()
    (frame,) = list(frames(at))
    assert set(frame["ID"]) == {"alu:Website", "alu:SocialMediaYouTube"}  # type: ignore[index]


def test_activity_detail_quotes_the_policy() -> None:
    at = open_view("views/activity.py", id="alu:Chat")
    body = texts(at)
    assert "Website chat" in body
    # the recipient fact cites its Finnish sentence, verbatim
    assert "Tiedot siirretään Netop Business Solutions A/S:lle." in body
    assert "Netop Business Solutions A/S" in body
    assert "ROPA-A30-RETENTION" in body  # the policy names no period for the chat
    assert "not stated in the record" in body


def test_activity_detail_shows_external_sources() -> None:
    at = open_view("views/activity.py", id="alu:Website")
    body = texts(at)
    assert "United States" in body and "no transfer mechanism" in body
    assert "https://policies.google.com/privacy" in body  # Google's location is an external fact


def test_recipients_and_transfers() -> None:
    at = open_view("views/recipients.py")
    recipients, transfers = list(frames(at))
    by_id = {row["ID"]: row for row in recipients.to_dict("records")}  # type: ignore[attr-defined]
    assert by_id["alu:Netop"]["Country"] == "Denmark"
    assert "processor" in by_id["alu:Netop"]["Role"]
    assert "no Art. 28 agreement recorded" in by_id["alu:Netop"]["Contract"]
    assert "joint controller" in by_id["alu:Meta"]["Role"]
    rows = transfers.to_dict("records")  # type: ignore[attr-defined]
    assert {(r["Recipient"], r["Destination"]) for r in rows} == {("Google LLC", "United States")}
    assert all(r["Mechanism"].startswith("NONE") for r in rows) and len(rows) == 2
    assert len(at.get("plotly_chart")) == 1


def test_flows_graph_and_node_details() -> None:
    at = open_view("views/flows.py")
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="flow_node").set_value("https://w3id.org/ropa-kg/data/alumeco#Google").run()
    body = texts(at)
    assert "ROPA-TRANSFER-MECHANISM" in body and "policies.google.com" in body


def test_compliance_filters(alumeco_findings: list[tuple[str, str, Severity]]) -> None:
    at = open_view("views/compliance.py")
    total = len(alumeco_findings)
    assert f"{total} of {total} findings" in texts(at)
    at.multiselect(key="c_severity").select("warning").run()
    warnings = sum(1 for f in alumeco_findings if f[2] is Severity.WARNING)
    assert f"{warnings} of {total} findings" in texts(at)
    at.multiselect(key="c_severity").unselect("warning").run()
    at.multiselect(key="c_rule").select("ROPA-TRANSFER-MECHANISM").run()
    assert f"2 of {total} findings" in texts(at)  # the website and YouTube send data to Google (US)
    assert "Waived findings (0)" in texts(at)


def test_console_saved_and_adhoc_queries() -> None:
    at = open_view("views/console.py")
    at.selectbox(key="saved_name").set_value("third-country-transfers").run()
    at.button(key="run_saved").click().run()
    assert not at.error, [e.value for e in at.error]
    (frame,) = list(frames(at))
    assert len(frame) == 2 and set(frame["recipient"]) == {"alu:Google"}  # type: ignore[arg-type,index]
    at.text_area(key="adhoc_text").input("INSERT DATA { <urn:a> <urn:b> <urn:c> }").run()
    at.button(key="run_adhoc").click().run()
    assert any("refused" in e.value for e in at.error)
    at.text_area(key="adhoc_text").input(
        "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"
    ).run()
    at.button(key="run_adhoc").click().run()
    assert any("SERVICE" in e.value for e in at.error)
    at.text_area(key="adhoc_text").input("SELECT * WHERE { ?s ?p ?o }").run()
    at.number_input(key="adhoc_rows").set_value(25).run()
    at.button(key="run_adhoc").click().run()
    assert not at.error
    assert "**25 rows** (row limit reached)" in texts(at)
    assert len(list(frames(at))[-1]) == 25  # type: ignore[arg-type]


def test_export_offers_every_format() -> None:
    at = open_view("views/export.py")
    buttons = at.get("download_button")
    assert len(buttons) == 6  # built when clicked (deferred), so the page opens at once
    assert not at.exception


def test_bad_endpoint_keeps_the_record() -> None:
    at = open_view("views/overview.py")
    at.radio(key="source_choice").set_value("SPARQL endpoint").run()
    at.text_input(key="ep_url").input("http://127.0.0.1:9/query").run()
    at.button(key="load_endpoint").click().run()
    assert not at.exception
    assert any("Could not load the new source" in e.value for e in at.error)
    assert {m.label: m.value for m in at.metric}["Processing activities"] == "10"


def test_broken_file_shows_an_error_box_and_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b\n", encoding="utf-8")
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(broken))
    at = open_view("views/overview.py")
    assert any("broken.ttl" in e.value and "line" in e.value for e in at.error), [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Processing activities"] == "10"
