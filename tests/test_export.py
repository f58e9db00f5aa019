"""``ropa export``: the register (XLSX cell by cell against the register query, CSV, HTML, PDF) and the
graph (Turtle, JSON-LD), and the errors; the cover, "none" against "not stated", the XLSX print setup,
the findings appendix and the Finnish register (issue 16 §4-§6)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pyoxigraph import Store
from rdflib import Graph
from rdflib.compare import isomorphic

from ropa_kg.app.cli import main
from ropa_kg.load.graph import load_graph
from ropa_kg.load.store import load_store
from ropa_kg.render.export import (
    REGISTER_COLUMNS,
    REGISTER_COLUMNS_FI,
    Cover,
    Register,
    cover,
    export_bytes,
    find_chromium,
    period_words,
    register,
    register_table,
)
from ropa_kg.sparql.results import term_text

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


@pytest.fixture(scope="module")
def register_rows(alumeco_store: Store) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The register query's columns and rows on the bundled record, as display strings (without the
    query's last column, the language it was asked for)."""
    table = register_table(alumeco_store)
    assert table.columns[-1] == "lang" and {term_text(r[-1]) for r in table.rows} == {"en"}
    return table.columns[:-1], [tuple(term_text(c) for c in row[:-1]) for row in table.rows]


def _items(value: str, separator: str) -> list[str]:
    return sorted(value.split(separator)) if value else []


def _export(tmp_path: Path, fmt: str, *extra: str) -> Path:
    target = tmp_path / f"register.{fmt}"
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--output", str(target), *extra])
    assert result.exit_code == 0, result.output
    assert target.is_file()
    return target


def test_xlsx_matches_the_register_query_cell_by_cell(tmp_path: Path, register_rows) -> None:  # type: ignore[no-untyped-def]
    columns, rows = register_rows
    book = load_workbook(_export(tmp_path, "xlsx"))
    sheet = book["Register"]
    assert [c.value for c in sheet[1]] == [REGISTER_COLUMNS[c] for c in columns]
    assert sheet.max_row == len(rows) + 1 == 11  # ten activities in the Alumeco record
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c).value
            # GROUP_CONCAT leaves the order of list items open: compare them as sorted lists
            assert _items(cell or "", "\n") == _items(value, " | "), (r, columns[c - 1])
    by_id = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    recipients = columns.index("recipients") + 1
    transfers = columns.index("thirdCountryTransfers") + 1
    # The policy: the chat's data go to Netop; the website's to Google, whose EEA party is Google Ireland
    # Limited (the US leg is Google's own onward transfer): no activity transfers to a third country.
    assert "Netop Business Solutions A/S" in sheet.cell(row=by_id["alu:Chat"], column=recipients).value
    assert "Google Ireland Limited" in sheet.cell(row=by_id["alu:Website"], column=recipients).value
    # ... so "none" where the record shows it: no recipients (stated), or every recipient in the EEA
    assert {a: sheet.cell(row=r, column=transfers).value for a, r in by_id.items()} == {
        "alu:Chat": "none: every recipient is in the EEA",
        "alu:CustomerRelations": None,  # group companies and authorities: their countries are not stated
        "alu:RightsRequests": None,  # no recipients and no statement that there are none
        "alu:SocialMediaFacebook": "none: every recipient is in the EEA",
        "alu:SocialMediaInstagram": "none: every recipient is in the EEA",
        "alu:SocialMediaLinkedIn": None,
        "alu:SocialMediaYouTube": None,
        "alu:VisitorIdentification": "none: every recipient is in the EEA",
        "alu:WebShop": "none: no recipients (stated)",
        "alu:Website": "none: every recipient is in the EEA",
    }
    assert book.sheetnames == ["Cover", "Register", "About"]  # the cover on its own sheet, first
    assert book["About"]["B4"].value == 10


def test_csv_has_the_same_rows(tmp_path: Path, register_rows) -> None:  # type: ignore[no-untyped-def]
    columns, rows = register_rows
    text = _export(tmp_path, "csv").read_text(encoding="utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == [REGISTER_COLUMNS[c] for c in columns]
    got = [tuple(_items(v, " | ") for v in r) for r in parsed[1:]]
    assert got == [tuple(_items(v, " | ") for v in r) for r in rows]


def test_html_is_self_contained_and_lists_every_activity(tmp_path: Path, register_rows) -> None:  # type: ignore[no-untyped-def]
    columns, rows = register_rows
    page = _export(tmp_path, "html").read_text(encoding="utf-8")
    name = columns.index("name")
    for row in rows:
        assert f"<h2>{row[name]}</h2>".replace("'", "&#x27;") in page
    assert "<script" not in page and "src=" not in page and 'href="http' not in page
    assert "@page" in page  # print CSS
    assert "not stated in the record" in page  # e.g. no retention for the chat


@pytest.mark.slow  # starts Chromium; the other register formats stay in make check
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (make test installs it)")
def test_pdf_is_printed_by_chromium(tmp_path: Path) -> None:
    data = _export(tmp_path, "pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000


@pytest.mark.parametrize(("fmt", "parser"), [("turtle", "turtle"), ("jsonld", "json-ld")])
def test_graph_formats_round_trip(tmp_path: Path, fmt: str, parser: str) -> None:
    target = _export(tmp_path, fmt)
    back = Graph().parse(target, format=parser)
    assert isomorphic(back, load_graph(with_ontology=False))


def test_stdout_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--format", "csv"])
    assert result.exit_code == 0 and "Activity ID" in result.output
    missing = runner.invoke(main, ["export", "--format", "csv", str(tmp_path / "nope.ttl")])
    assert missing.exit_code == 2 and "nope.ttl" in missing.output
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    target = tmp_path / "out.xlsx"
    bad = runner.invoke(main, ["export", "--format", "xlsx", "--output", str(target), str(broken)])
    assert bad.exit_code == 2 and "broken.ttl" in bad.output and "line 2" in bad.output
    assert not target.exists()  # nothing half-written
    nowhere = runner.invoke(main, ["export", "--format", "csv", "--output", str(tmp_path / "no" / "x.csv")])
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.output
    assert list(tmp_path.iterdir()) == [broken]


def test_dashboard_command_binds_to_loopback(tmp_path: Path) -> None:
    from ropa_kg.app.cli.dashboard import streamlit_command

    command = streamlit_command(port=8765, bind="127.0.0.1")
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8765"
    assert command[command.index("--server.headless") + 1] == "true"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    assert Path(command[4]).name == "app.py" and Path(command[4]).is_file()
    missing = CliRunner().invoke(main, ["dashboard", str(tmp_path / "nope.ttl")])
    assert missing.exit_code == 2 and "nope.ttl" in missing.output


# --- the cover, none / not stated, print setup, findings, Finnish (issue 16 §4-§6) ---------------------


SIGNED = """
@prefix dct: <http://purl.org/dc/terms/> . @prefix dpv: <https://w3id.org/dpv#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/record#> .
ex:Record a dpv:ROPA ; dct:subject ex:Controller ; owl:versionInfo "2.1" ;
    dct:modified "2026-11-20"^^xsd:date ; dpv:hasResponsibleEntity ex:Dpo ;
    ropa:approvedBy "Maija Meikäläinen, CEO" ; dct:dateAccepted "2026-11-25"^^xsd:date ;
    ropa:reviewPeriod "P6M"^^xsd:duration .
ex:Dpo a dpv:Entity ; dpv:hasName "Privacy Team" ; skos:prefLabel "Tietosuojatiimi"@fi .
ex:Controller skos:prefLabel "Esimerkki Oy"@fi .
"""


@pytest.fixture(scope="module")
def signed_record(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A complete record (the ROPA-A30-PURPOSE passing fixture) with every sign-off field stated."""
    folder = tmp_path_factory.mktemp("signed")
    (folder / "signoff.ttl").write_text(SIGNED, encoding="utf-8")
    return [str(FIXTURES / "ROPA-A30-PURPOSE" / "pass.ttl"), str(folder / "signoff.ttl")]


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_register_from_engine_strings_equals_the_register_from_the_result_table(
    alumeco_store: Store, lang: str
) -> None:
    """register() builds its rows from the engine's strings (no rdflib term per cell): the same register
    as from the query's result table, cell for cell, with the activities compacted and their full IRIs."""
    built = register(alumeco_store, lang=lang)
    assert built == Register.from_table(register_table(alumeco_store, lang=lang), lang=lang)
    assert built.rows[0][0].startswith("alu:") and built.activity_iris[0].startswith("https://")
    assert len(built.rows) == len(built.activity_iris) == 10 and built.columns[0] == "activity"


def test_cover_of_a_silent_record_says_not_stated(alumeco_store: Store) -> None:
    assert cover(alumeco_store) == Cover(organisation="Alumeco group", modified="2026-12-01")
    assert cover(alumeco_store, lang="fi").organisation == "Alumeco-konserni"
    fields = dict(Cover(organisation="Alumeco group", modified="2026-12-01").fields())
    assert fields["Version"] is None and fields["Approved by"] is None
    assert fields["Review period"] == "not stated (each activity reviewed every 12 months by default)"


def test_cover_of_a_signed_record(signed_record: list[str]) -> None:
    store = load_store(signed_record)
    assert cover(store) == Cover(
        organisation="Example Oy",
        version="2.1",
        modified="2026-11-20",
        owner="Privacy Team",
        approver="Maija Meikäläinen, CEO",
        approved="2026-11-25",
        review_period="P6M",
    )
    finnish = cover(store, lang="fi")
    assert (finnish.organisation, finnish.owner) == ("Esimerkki Oy", "Tietosuojatiimi")
    page = export_bytes("html", store=store).decode("utf-8")
    cover_html = page[page.index('<section class="cover">') : page.index("</section>")]
    assert "<tr><th>Approved by</th><td>Maija Meikäläinen, CEO</td></tr>" in cover_html
    assert "<tr><th>Version</th><td>2.1</td></tr>" in cover_html
    assert "<tr><th>Review period</th><td>P6M (6 months)</td></tr>" in cover_html
    assert dict(finnish.fields("fi"))["Tarkistusväli"] == "P6M (6 kuukautta)"
    assert (period_words("P1Y6M"), period_words("P1Y", "fi"), period_words("P30D")) == (
        "1 year 6 months",
        "1 vuosi",
        None,
    )
    assert 'class="empty"' not in cover_html


def test_html_none_is_a_value_and_only_gaps_are_red(tmp_path: Path) -> None:
    page = _export(tmp_path, "html").read_text(encoding="utf-8")
    chat = page[page.index('<section class="activity" id="a0">') : page.index('id="a1"')]
    assert (
        "<tr><th>Article 9 condition</th><td>not applicable: ordinary data, no special categories "
        "(stated)</td></tr>" in chat
    )
    assert (
        "<tr><th>Third countries and safeguards</th><td>none: every recipient is in the EEA</td></tr>" in chat
    )
    assert '<tr><th>Retention schedule</th><td class="empty">not stated in the record</td></tr>' in chat
    linkedin = page[page.index('id="a5"') : page.index('id="a6"')]
    assert (
        '<tr><th>Third countries and safeguards</th><td class="empty">not stated in the record</td></tr>'
        in linkedin
    )
    cover_html = page[page.index('<section class="cover">') : page.index("</section>")]
    assert "<tr><th>Organisation</th><td>Alumeco group</td></tr>" in cover_html
    assert '<tr><th>Approved by</th><td class="empty">not stated</td></tr>' in cover_html
    assert "Findings" not in page  # no appendix unless asked


def test_xlsx_print_setup_and_findings_sheet(tmp_path: Path, alumeco_validation) -> None:  # type: ignore[no-untyped-def]
    book = load_workbook(_export(tmp_path, "xlsx", "--findings"))
    assert book.sheetnames == ["Cover", "Register", "Findings", "About"]
    assert [c.value for c in book["Register"][1]][:2] == ["Activity ID", "Processing activity"]
    for name in ("Register", "Findings"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape"
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.oddHeader.left.text == "Alumeco group"
        assert sheet.oddFooter.center.text == "Page &P of &N"
    assert book["Register"].oddHeader.right.text == "Record of processing activities"
    cover_rows = {r[0]: r[1] for r in book["Cover"].iter_rows(values_only=True) if r and r[0]}
    assert cover_rows["Organisation"] == "Alumeco group" and cover_rows["Version"] == "not stated"
    findings = list(book["Findings"].iter_rows(values_only=True))
    assert findings[0] == ("Activity", "Rule", "Severity", "Message")
    chat_retention = [r for r in findings if r[0] == "Website chat" and r[1] == "ROPA-A30-RETENTION"]
    assert len(chat_retention) == 1 and chat_retention[0][2] == "warning"
    # every active finding appears, once per activity it is on or affects (or once under "other")
    expected = 0
    iris = {term_text(r[0], compact=False) for r in register_table(load_store()).rows}
    for finding in alumeco_validation.active:
        on = {finding.focus_node, *finding.affects} & iris
        expected += len(on) or 1
    assert len(findings) - 1 == expected


def test_html_findings_appendix_per_activity(tmp_path: Path) -> None:
    page = _export(tmp_path, "html", "--findings").read_text(encoding="utf-8")
    appendix = page[page.index('<section class="findings" id="findings">') :]
    chat = appendix[appendix.index("<h3>Website chat</h3>") : appendix.index("<h3>Customers")]
    assert '<tr class="warning"><td>ROPA-A30-RETENTION</td><td>warning</td>' in chat
    assert '<li><a href="#findings">Findings</a></li>' in page


def test_findings_is_refused_where_it_has_no_place(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--findings"])
    assert result.exit_code == 2 and "--findings is for html, pdf and xlsx" in result.output
    bad = CliRunner().invoke(main, ["export", "--format", "csv", "--lang", "sv"])
    assert bad.exit_code == 2 and "sv" in bad.output


def test_finnish_register(tmp_path: Path) -> None:
    text = _export(tmp_path, "csv", "--lang", "fi").read_text(encoding="utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == list(REGISTER_COLUMNS_FI.values())
    assert set(REGISTER_COLUMNS_FI) == set(REGISTER_COLUMNS)
    chat = dict(zip(REGISTER_COLUMNS_FI, next(r for r in parsed if r[0] == "alu:Chat"), strict=True))
    assert chat["name"] == "Chat-toiminto"  # the record's Finnish label
    assert chat["recipients"] == "Netop Business Solutions A/S (henkilötietojen käsittelijä)"
    assert chat["thirdCountryTransfers"] == "ei siirtoja: kaikki vastaanottajat ovat ETA-alueella"
    assert chat["art6Basis"] == "Art 6(1-f) legitimate interest of controller"  # no Finnish label: DPV's
    assert sorted(chat["personalData"].split(" | ")) == ["nimi", "puhelinnumero", "sähköpostiosoite"]
    page = _export(tmp_path, "html", "--lang", "fi").read_text(encoding="utf-8")
    assert '<html lang="fi">' in page and "<h1>Seloste käsittelytoimista</h1>" in page
    assert '<td class="empty">ei ilmoitettu rekisterissä</td>' in page
    assert "<tr><th>Organisaatio</th><td>Alumeco-konserni</td></tr>" in page


def test_same_bytes_with_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 2025-12-01
    first = _export(tmp_path, "xlsx", "--findings", "--lang", "fi").read_bytes()
    second = _export(tmp_path, "xlsx", "--findings", "--lang", "fi").read_bytes()
    assert first == second
    book = load_workbook(io.BytesIO(first))
    assert book.sheetnames == ["Cover", "Register", "Findings", "About"]
    assert book["Register"].oddFooter.center.text == "Sivu &P / &N"
    assert book["About"]["B3"].value == "2025-12-01"


def test_export_view_offers_the_language_and_the_findings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from streamlit.testing.v1 import AppTest

    from ropa_kg.core.resources import dashboard_dir

    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path / "work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)
    at = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/export.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.radio(key="export_lang").options) == ["English", "suomi"]
    at.radio(key="export_lang").set_value("fi").run()
    at.toggle(key="export_findings").set_value(True).run()
    assert not at.exception
    assert len(at.get("download_button")) == 6
    (preview,) = [f.value for f in at.dataframe]
    assert list(preview.columns)[:2] == ["Käsittelytoimen tunniste", "Käsittelytoimi"]
    assert "Chat-toiminto" in set(preview["Käsittelytoimi"])


def test_finnish_register_names_each_node_once(tmp_path: Path) -> None:
    """A value's Finnish name is its node's Finnish label by property rank (skos:prefLabel before
    rdfs:label), the first in sorted order within a property: one name per node, not one per label; a node
    without a Finnish label keeps its English-first name."""
    record = tmp_path / "record.ttl"
    record.write_text(
        """@prefix dpv: <https://w3id.org/dpv#> .
@prefix ex: <https://example.org/r#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
ex:A a dpv:Process ; skos:prefLabel "Payroll"@en ; dpv:hasPurpose ex:Pay , ex:Plain .
ex:Pay a dpv:Purpose ; rdfs:label "Paying"@en , "Palkanmaksu"@fi , "Maksaminen"@fi ;
    skos:prefLabel "Palkka"@fi .
ex:Plain a dpv:Purpose ; rdfs:label "Plain purpose"@en , "Toinen"@fi , "Ensimmäinen"@fi .
ex:Bare a dpv:Purpose .
""",
        encoding="utf-8",
    )
    store = load_store([record])
    finnish = register(store, lang="fi")
    row = dict(zip(finnish.columns, finnish.rows[0], strict=True))
    assert row["purposes"] == "Ensimmäinen | Palkka"
    english = dict(zip(register(store).columns, register(store).rows[0], strict=True))
    assert english["purposes"] == "Paying | Plain purpose"
