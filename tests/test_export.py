"""``ropa export``: the register (XLSX cell by cell against the register query, CSV, HTML, PDF) and the
graph (Turtle, JSON-LD), and the errors."""

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
from ropa_kg.render.export import REGISTER_COLUMNS, find_chromium, register_table
from ropa_kg.sparql.results import term_text


@pytest.fixture(scope="module")
def register_rows(alumeco_store: Store) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The register query's columns and rows on the bundled record, as display strings."""
    table = register_table(alumeco_store)
    return table.columns, [tuple(term_text(c) for c in row) for row in table.rows]


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
    assert all(sheet.cell(row=r, column=transfers).value in (None, "") for r in by_id.values())
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
