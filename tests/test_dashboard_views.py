"""Every dashboard view under Streamlit's AppTest: renders without exceptions and shows the Alumeco
figures the record implies (checked against the validator and the policy, not copied from the page)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ropa_kg.app.record import load_record
from ropa_kg.core.findings import Family, Severity
from ropa_kg.core.resources import dashboard_dir

APP = str(dashboard_dir() / "app.py")


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)


@pytest.fixture(scope="module")
def alumeco_findings(alumeco_validation) -> list[tuple[str, str, Severity]]:
    result = alumeco_validation
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


def test_overview_counts(alumeco_findings: list[tuple[str, str, Severity]], alumeco_validation) -> None:  # type: ignore[no-untyped-def]
    at = open_view("views/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Processing activities"] == "10"  # the policy's ten activities
    # Google's EEA party is Google Ireland Limited; the US leg is Google's own onward transfer, not a
    # recipient of the record outside the EEA
    assert metrics["Third countries"] == "0"
    violations = sum(1 for f in alumeco_findings if f[2] is Severity.VIOLATION)
    warnings = sum(1 for f in alumeco_findings if f[2] is Severity.WARNING)
    assert metrics["Violations"] == str(violations) and violations > 0
    assert metrics["Warnings"] == str(warnings)
    charts = {json.loads(c.proto.spec)["layout"]["title"]["text"]: c for c in at.get("plotly_chart")}
    assert len(charts) == 3
    # findings per family (report order), one stacked bar per severity, as validate counts them
    spec = json.loads(charts["Findings per family"].proto.spec)
    labels = [f"{f.label[:1].upper()}{f.label[1:]}" for f in Family]
    assert [trace["name"] for trace in spec["data"]] == ["violation", "warning", "info"]
    for trace in spec["data"]:
        severity = Severity[trace["name"].upper()]
        assert trace["y"] == labels
        assert trace["x"] == [
            sum(1 for f in alumeco_validation.active if f.family is family and f.severity is severity)
            for family in Family
        ]
    assert sum(sum(trace["x"]) for trace in spec["data"]) == len(alumeco_findings)
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
    assert "United States of America" not in at.multiselect(key="filter_countries").options
    at.multiselect(key="filter_countries").select("Ireland").run()
    (frame,) = list(frames(at))
    # Google Ireland Limited (the website) and Meta Platforms Ireland Limited (Facebook, Instagram); the
    # platforms only store the YouTube and LinkedIn data (line 151), they are not recipients of them
    assert set(frame["ID"]) == {  # type: ignore[index]
        "alu:Website",
        "alu:SocialMediaFacebook",
        "alu:SocialMediaInstagram",
    }


def test_activity_detail_quotes_the_policy() -> None:
    at = open_view("views/activity.py", id="alu:Chat")
    body = texts(at)
    assert "Website chat" in body
    # the recipient fact cites its Finnish sentence, verbatim
    assert "Tiedot siirretään Netop Business Solutions A/S:lle." in body
    assert "Netop Business Solutions A/S" in body
    assert "ROPA-A30-RETENTION" in body  # the policy names no period for the chat
    assert "not stated in the record" in body


@pytest.mark.parametrize(
    "ident",
    [
        "https://w3id.org/ropa-kg/data/alumeco#WebShop",
        pytest.param("<https://w3id.org/ropa-kg/data/alumeco#WebShop>", marks=pytest.mark.slow),
    ],
)
def test_activity_detail_by_full_iri(ident: str) -> None:
    at = open_view("views/activity.py", id=ident)  # not the first activity (alu:Chat) in its place
    assert [h.value for h in at.header] == ["Web shop"] and not at.warning
    assert at.query_params["id"] == "alu:WebShop"  # the address is rewritten to the activity's id


def test_activity_detail_shows_external_sources() -> None:
    at = open_view("views/activity.py", id="alu:Website")
    body = texts(at)
    assert "Google Ireland Limited" in body and "Ireland" in body
    assert "none recorded (no recipient of this activity is outside the EEA)" in body
    # the US leg is Google's own onward transfer, an external fact, with its warning
    assert "Google's onward transfer to the United States" in body and "United States of America" in body
    assert "ROPA-TRANSFER-ONWARD" in body
    assert "https://policies.google.com/privacy" in body  # Google's location is an external fact


def test_recipients_and_transfers() -> None:
    at = open_view("views/recipients.py")
    (recipients,) = list(frames(at))  # no transfer to a third country: no transfers table
    by_id = {row["ID"]: row for row in recipients.to_dict("records")}  # type: ignore[attr-defined]
    assert by_id["alu:Netop"]["Country"] == "Denmark"
    assert "processor" in by_id["alu:Netop"]["Role"]
    assert "no Art. 28 agreement recorded" in by_id["alu:Netop"]["Contract"]
    assert "joint controller" in by_id["alu:Meta"]["Role"]
    assert by_id["alu:Google"]["Recipient"] == "Google Ireland Limited"
    assert by_id["alu:Google"]["Country"] == "Ireland" and by_id["alu:Google"]["Third country"] == "no"
    assert by_id["alu:LiidioOy"]["Country"] == "Finland" and "processor" in by_id["alu:LiidioOy"]["Role"]
    assert "Transfers to third countries (0)" in texts(at)
    assert [i.value for i in at.info] == ["No recipient of any activity is recorded outside the EEA."]
    assert len(at.get("plotly_chart")) == 1


def test_flows_graph_and_node_details() -> None:
    at = open_view("views/flows.py")
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="flow_node").set_value("https://w3id.org/ropa-kg/data/alumeco#Google").run()
    body = texts(at)
    assert "ROPA-RECIPIENT-ROLE" in body and "policies.google.com" in body
    assert "ROPA-TRANSFER-MECHANISM" not in body  # Google Ireland Limited is in the EEA


def test_compliance_filters(alumeco_findings: list[tuple[str, str, Severity]]) -> None:
    at = open_view("views/compliance.py")
    total = len(alumeco_findings)
    assert f"{total} of {total} findings" in texts(at)
    at.multiselect(key="c_severity").select("warning").run()
    warnings = sum(1 for f in alumeco_findings if f[2] is Severity.WARNING)
    assert f"{warnings} of {total} findings" in texts(at)
    at.multiselect(key="c_severity").unselect("warning").run()
    rule = min(f[0] for f in alumeco_findings)  # any rule with findings: the view counts what validate finds
    at.multiselect(key="c_rule").select(rule).run()
    assert f"{sum(1 for f in alumeco_findings if f[0] == rule)} of {total} findings" in texts(at)
    assert "Waived findings (0)" in texts(at)


def test_compliance_by_family_with_affected_activities(alumeco_validation) -> None:
    at = open_view("views/compliance.py")
    headings = [h.value for h in at.subheader]
    found = [h for h in headings if h.startswith(("The record (Art. 30): ", "The notice", "Lawfulness: "))]
    assert [h.split(":")[0] for h in found] == [
        "The record (Art. 30)",
        "The notice (Art. 12-14)",
        "Lawfulness",
    ]
    for family, heading in zip(Family, found, strict=True):
        count = sum(1 for f in alumeco_validation.active if f.family is family)
        assert heading.split(": ")[1].startswith(f"{count} findings (")
    # the notice's Art. 77 duty is one finding naming the activities it affects
    record = load_record()
    merged = [f for f in alumeco_validation.active if f.affects]
    assert merged, "a notice- or controller-level duty is reported once, naming its activities"
    body = texts(at)
    for finding in merged:
        labels = ", ".join(sorted(record.label_of(a) for a in finding.affects))
        assert f"**{record.label_of(finding.focus_node)}** affects: {labels}" in body


def test_console_saved_and_adhoc_queries() -> None:
    at = open_view("views/console.py")
    at.selectbox(key="saved_name").set_value("third-country-transfers").run()
    at.button(key="run_saved").click().run()
    assert not at.error, [e.value for e in at.error]
    (frame,) = list(frames(at))
    assert len(frame) == 0  # type: ignore[arg-type]  # the US leg is Google's onward transfer
    assert list(frame.columns) == ["activity", "recipient", "country", "mechanism", "status"]  # type: ignore[attr-defined]
    assert "**0 rows**" in texts(at)
    at.selectbox(key="saved_name").set_value("processors-and-joint-controllers").run()
    at.button(key="run_saved").click().run()
    assert not at.error, [e.value for e in at.error]
    (frame,) = list(frames(at))
    assert {"alu:Netop", "alu:LiidioOy", "alu:Meta"} <= set(frame["party"])  # type: ignore[index]
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


@pytest.mark.parametrize("name", ["dpv1.ttl", "other-classes.ttl"])
def test_a_record_without_activities_is_refused_not_shown_empty(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zero activities is never a pass: the dashboard says why and keeps the bundled record."""
    zero = Path(__file__).parent / "fixtures" / "zero" / name
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(zero))
    at = open_view("views/overview.py")
    errors = [e.value for e in at.error]
    assert any(str(zero) in e and "no processing activity found" in e for e in errors), errors
    if name == "dpv1.ttl":
        assert any("http://www.w3.org/ns/dpv#" in e and "https://w3id.org/dpv#" in e for e in errors), errors
    assert {m.label: m.value for m in at.metric}["Processing activities"] == "10"


# --- records with blank nodes and with their own prefixes -------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "blank"
#: blank storage conditions, legal basis instances, recipients, a processor, and a blank activity
BLANK_RECORD = FIXTURES / "record.ttl"
#: declares ``kettu:``, which is not a project prefix; its first activity is kettu:Archive
KETTU_RECORD = FIXTURES / "kettu.ttl"
VIEWS = tuple(f"views/{p.name}" for p in sorted((dashboard_dir() / "views").glob("*.py")))


def section(at: AppTest, heading: str) -> str:
    """The activity view's markdown between ``#### heading`` and the next field's heading."""
    out: list[str] = []
    inside = False
    for element in at.markdown:
        value = str(element.value)
        if value.startswith("#### "):
            inside = value == f"#### {heading}"
        elif inside:
            out.append(value)
    return "\n".join(out)


def option_id(option: str) -> str:
    """The id in an activity selectbox option, ``label (id)``."""
    return option.rsplit(" (", 1)[1].removesuffix(")")


@pytest.fixture
def blank_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(BLANK_RECORD))


@pytest.fixture
def kettu_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(KETTU_RECORD))


@pytest.mark.usefixtures("blank_record")
@pytest.mark.parametrize(
    "page",
    [
        v if v in ("views/activity.py", "views/flows.py") else pytest.param(v, marks=pytest.mark.slow)
        for v in VIEWS
    ],
)
def test_every_view_renders_blank_nodes(page: str) -> None:
    at = open_view(page)  # asserts that no exception was raised
    assert not at.error, [e.value for e in at.error]
    assert "**record.ttl**  \n2 activities" in "\n".join(str(m.value) for m in at.sidebar.markdown)


@pytest.mark.usefixtures("blank_record")
def test_blank_nodes_counted_and_labelled() -> None:
    at = open_view("views/overview.py")
    assert {m.label: m.value for m in at.metric}["Processing activities"] == "2"  # one is a blank node
    at = open_view("views/activities.py")
    (frame,) = list(frames(at))
    rows = frame.to_dict("records")  # type: ignore[attr-defined]
    assert len(rows) == 2
    by_id = {row["ID"]: row for row in rows}
    assert by_id["ex:Newsletter"]["Legal basis"] == "Art 6(1-f) legitimate interest"  # its type
    (blank,) = [row for row in rows if row["ID"].startswith("_:")]
    assert blank["Legal basis"] == "Art.6(1-a) consent" and blank["Recipients"] == "Ads Partner"


@pytest.mark.usefixtures("blank_record")
def test_activity_detail_of_every_activity_with_blank_nodes() -> None:
    at = open_view("views/activity.py")
    options = at.selectbox(key="detail_choice").options
    assert len(options) == 2
    expected = {
        "ex:Newsletter": ("P90D", "Art 6(1-f) legitimate interest", ("Acme", "Mailer Ltd", "Sweden")),
        "_:": ("P1Y", "Art.6(1-a) consent", ("Ads Partner", "France")),
    }
    seen = set()
    for option in options:
        ident = option_id(option)
        at.selectbox(key="detail_choice").set_value(ident).run()
        assert not at.exception, (ident, [e.value for e in at.exception])
        assert at.query_params["id"] == ident  # the address names the activity
        retention, basis, recipients = expected["_:" if ident.startswith("_:") else ident]
        assert retention in section(at, "(f) Retention and storage")
        assert basis in section(at, "Lawful basis (Art. 6, Art. 9) and transfer mechanisms")
        shown = section(at, "(d) Recipients and processors")
        assert all(name in shown for name in recipients), shown
        seen.add(ident[:2])
    assert seen == {"ex", "_:"}


@pytest.mark.usefixtures("blank_record")
def test_blank_activity_id_is_stable_across_loads() -> None:
    first, second = load_record([str(BLANK_RECORD)]), load_record([str(BLANK_RECORD)])
    (one,) = [a for a in first.activities if a.startswith("_:")]
    (two,) = [a for a in second.activities if a.startswith("_:")]
    assert one == two  # loading labels blank nodes by their content (ropa_kg.core.blank_nodes)...
    ident = first.activity_ids[one]
    assert ident == second.activity_ids[two] == one and ident.startswith("_:b")  # ...and ids are labels
    assert second.find_activity(ident) == two
    # the dashboard's own load (another parse) opens the activity by that id
    at = open_view("views/activity.py", id=ident)
    assert not at.warning, [w.value for w in at.warning]
    assert "P1Y" in section(at, "(f) Retention and storage")
    assert at.selectbox(key="detail_choice").value == ident


@pytest.mark.usefixtures("blank_record")
def test_blank_recipients_and_flows() -> None:
    at = open_view("views/recipients.py")
    recipients = next(iter(frames(at)))
    by_name = {row["Recipient"]: row for row in recipients.to_dict("records")}  # type: ignore[attr-defined]
    assert set(by_name) == {"Acme", "Mailer Ltd", "Ads Partner"}
    assert by_name["Acme"]["Country"] == "Sweden" and by_name["Acme"]["ID"].startswith("_:")
    assert "processor" in by_name["Mailer Ltd"]["Role"]
    at = open_view("views/flows.py")
    options = at.selectbox(key="flow_node").options
    (acme,) = [i for i, option in enumerate(options) if option.startswith("Acme (_:")]
    at.selectbox(key="flow_node").select_index(acme).run()
    assert not at.exception, [e.value for e in at.exception]
    body = texts(at)
    assert "Acme" in [h.value for h in at.subheader] and "Sweden" in body and "recipient" in body


@pytest.mark.usefixtures("kettu_record")
@pytest.mark.parametrize(
    "ident",
    [
        "kettu:PayrollHR",
        pytest.param("https://example.org/kettu#PayrollHR", marks=pytest.mark.slow),
        pytest.param("<https://example.org/kettu#PayrollHR>", marks=pytest.mark.slow),
    ],
)
def test_activity_id_with_the_records_own_prefix(ident: str) -> None:
    at = open_view("views/activity.py", id=ident)
    assert not at.warning, [w.value for w in at.warning]
    assert [h.value for h in at.header] == ["Payroll and HR"]
    assert "P6Y" in section(at, "(f) Retention and storage")


@pytest.mark.usefixtures("kettu_record")
@pytest.mark.parametrize(
    ("ident", "says"),
    [
        ("kettu:Foo", ("No activity kettu:Foo", "<https://example.org/kettu#Foo>")),
        pytest.param(
            "fox:PayrollHR",
            ("prefix fox: is not declared", "<https://example.org/kettu#PayrollHR>"),
            marks=pytest.mark.slow,
        ),
        pytest.param(
            "https://example.org/kettu#Foo",
            ("No activity <https://example.org/kettu#Foo>",),
            marks=pytest.mark.slow,
        ),
        pytest.param("_:0123abcd", ("No activity _:0123abcd",), marks=pytest.mark.slow),
    ],
)
def test_unknown_activity_id_says_so_and_lets_the_user_choose(ident: str, says: tuple[str, ...]) -> None:
    at = open_view("views/activity.py", id=ident)
    warnings = "\n".join(str(w.value) for w in at.warning)
    assert all(part in warnings for part in says), warnings
    assert not at.header  # not the first activity (Document archive) in its place
    assert "Document archive" not in texts(at)
    choice = at.selectbox(key="detail_choice")
    assert choice.value is None
    choice.set_value("kettu:PayrollHR").run()
    assert [h.value for h in at.header] == ["Payroll and HR"] and not at.warning
