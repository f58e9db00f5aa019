"""``ropa import``: the register export read back gives the same export (CSV and XLSX, byte for byte), the
ICO template's layout maps to DPV terms and reports what it could not map, bad input is refused with the
sheet, row and column and nothing written, and the dashboard's import view previews and writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from ropa_kg.app.cli import main
from ropa_kg.app.generate import generate
from ropa_kg.app.importer import (
    ICO_COLUMNS,
    import_spreadsheet,
    preview_import,
    read_import,
    write_import,
)
from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.core.namespaces import DPV, EU_GDPR, LOC, PD, ROPA
from ropa_kg.load.store import load_store
from ropa_kg.render import export as export_module
from ropa_kg.render.export import REGISTER_COLUMNS, cover, register, to_csv, to_xlsx

ROOT = Path(__file__).resolve().parent.parent
ALUMECO = ROOT / "data" / "alumeco"
BLANK = ROOT / "tests" / "fixtures" / "blank" / "record.ttl"
KETTU = ROOT / "tests" / "fixtures" / "blank" / "kettu.ttl"
DAY = dt.date(2026, 1, 31)
EX = "https://example.org/ropa#"


def _exports(paths: list[Path], lang: str = "en") -> tuple[bytes, bytes]:
    """The CSV and XLSX register of the record in ``paths`` in ``lang`` (the XLSX with its cover, a fixed
    date and source), as ``ropa export`` writes them."""
    store = load_store([str(p) for p in paths])
    reg = register(store, lang=lang)
    return to_csv(reg), to_xlsx(reg, source="the record", date=DAY, front=cover(store, lang=lang))


def _round_trip(tmp: Path, name: str, data: bytes, lang: str = "en") -> tuple[bytes, bytes]:
    """Import the export ``data`` (a file called ``name``) into a folder and export that folder."""
    source = tmp / name
    source.write_bytes(data)
    target = write_import(read_import(source, language=lang), tmp / f"{name}-record")
    return _exports([target], lang)


@pytest.fixture(scope="module")
def alumeco_exports() -> tuple[bytes, bytes]:
    return _exports([ALUMECO])


@pytest.fixture(scope="module")
def generated_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "generated.ttl"
    out = io.StringIO()
    generate(out, activities=40, organisations=3, seed=7, fault_rate=0.3)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


# --- the round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_alumeco_export_import_export_is_byte_identical(
    fmt: str, alumeco_exports: tuple[bytes, bytes], tmp_path: Path
) -> None:
    csv_bytes, xlsx_bytes = alumeco_exports
    original = csv_bytes if fmt == "csv" else xlsx_bytes
    again = _round_trip(tmp_path, f"register.{fmt}", original)
    # the CSV gives the same CSV; the XLSX, which also has the cover (the record's dct:modified), both
    assert again == alumeco_exports if fmt == "xlsx" else again[0] == csv_bytes
    assert b"alu:CustomerRelations" in again[0] and b"P5Y from viimeinen" in again[0]


def test_generated_record_round_trips_in_both_formats(generated_record: Path, tmp_path: Path) -> None:
    original = _exports([generated_record])
    assert original[0].count(b"\r\n") == 41  # the heading and 40 activities, faults injected
    assert _round_trip(tmp_path, "generated.csv", original[0])[0] == original[0]
    assert _round_trip(tmp_path, "generated.xlsx", original[1]) == original


def test_finnish_registers_round_trip(generated_record: Path, tmp_path: Path) -> None:
    """A register exported in Finnish (headings, the record's Finnish labels, Finnish fixed texts) reads
    back to a record whose Finnish export is the same bytes."""
    for path in (ALUMECO, generated_record):
        original = _exports([path], "fi")
        assert original[0].decode("utf-8-sig").startswith("Käsittelytoimen tunniste,")
        assert _round_trip(tmp_path, f"{path.stem}-fi.csv", original[0], "fi")[0] == original[0]
        assert _round_trip(tmp_path, f"{path.stem}-fi.xlsx", original[1], "fi") == original


SIGNED_OFF = """
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix ex: <https://example.org/kettu#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:Record a dpv:ROPA ;
    dct:subject ex:Group ;
    owl:versionInfo "2.1" ;
    dct:modified "2026-11-30"^^xsd:date ;
    dpv:hasResponsibleEntity ex:Owner ;
    ropa:approvedBy ex:Board ;
    dct:dateAccepted "2026-11-15"^^xsd:date ;
    ropa:reviewPeriod "P6M"^^xsd:duration .
ex:Group skos:prefLabel "Kettu Group"@en .
ex:Owner skos:prefLabel "Tiina Omistaja"@en .
ex:Board skos:prefLabel "The board of Kettu Oy"@en .
"""


def test_the_cover_reads_back_to_the_records_sign_off(tmp_path: Path) -> None:
    record = tmp_path / "signed"
    record.mkdir()
    shutil.copy(KETTU, record / "kettu.ttl")
    (record / "record.ttl").write_text(SIGNED_OFF, encoding="utf-8")
    original = _exports([record])
    assert _round_trip(tmp_path, "signed.xlsx", original[1]) == original
    result = read_import(tmp_path / "signed.xlsx")
    shared = Graph().parse(data=result.files["record.ttl"], format="turtle")
    node = URIRef(EX + "Record")
    assert shared.value(node, RDF.type) == DPV.ROPA
    assert shared.value(node, OWL.versionInfo) == Literal("2.1")
    assert shared.value(node, DCTERMS.modified) == Literal("2026-11-30", datatype=XSD.date)
    assert shared.value(node, DCTERMS.dateAccepted) == Literal("2026-11-15", datatype=XSD.date)
    assert shared.value(node, ROPA.reviewPeriod) == Literal("P6M", datatype=XSD.duration)
    assert shared.value(shared.value(node, DPV.hasResponsibleEntity), DPV.hasName) == Literal(
        "Tiina Omistaja"
    )
    assert shared.value(shared.value(node, ROPA.approvedBy), DPV.hasName) == Literal("The board of Kettu Oy")
    assert shared.value(shared.value(node, DCTERMS.subject), DPV.hasName) == Literal("Kettu Group")
    # a cover that only shows the controllers (the record names no organisation) adds no record node
    plain = read_import(_write(tmp_path / "kettu.xlsx", _exports([KETTU])[1]))
    assert b"dpv:ROPA" not in plain.files.get("record.ttl", b"")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_the_cli_round_trip_with_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ropa export`` -> ``ropa import`` -> ``ropa export``: the same bytes (the XLSX names its source,
    so both exports are run on a folder called ``record``; a small record, as the import validates it)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    runner = CliRunner()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "record").mkdir()
    shutil.copy(KETTU, first / "record" / "kettu.ttl")
    monkeypatch.chdir(first)
    assert runner.invoke(main, ["export", "record", "-o", "../one.xlsx"]).exit_code == 0
    result = runner.invoke(main, ["import", "../one.xlsx", "-o", "../second/record"])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(second)
    assert runner.invoke(main, ["export", "record", "-o", "../two.xlsx"]).exit_code == 0
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()
    assert sorted(p.name for p in (second / "record").iterdir()) == [
        "Archive.ttl",
        "PayrollHR.ttl",
        "record.ttl",
    ]


def test_blank_node_record_reaches_a_fixed_point(tmp_path: Path) -> None:
    """The blank fixture's nameless activity gets an IRI (never a blank node): its ID cell changes once
    (and so its place in the order), every other cell is kept, and a second round changes nothing."""
    csv1, _ = _exports([BLANK])
    csv2, xlsx2 = _round_trip(tmp_path, "blank.csv", csv1)
    assert csv2 != csv1
    rows1 = sorted(line.split(",", 1)[1] for line in csv1.decode("utf-8-sig").splitlines()[1:])
    rows2 = sorted(line.split(",", 1)[1] for line in csv2.decode("utf-8-sig").splitlines()[1:])
    assert rows1 == rows2
    assert f"{EX}Process,Process,Blank Controller Oy".encode() in csv2
    assert _round_trip(tmp_path, "blank2.csv", csv2) == (csv2, xlsx2)


def test_written_record_layout_and_modelling(alumeco_exports: tuple[bytes, bytes], tmp_path: Path) -> None:
    source = tmp_path / "register.csv"
    source.write_bytes(alumeco_exports[0])
    result = read_import(source)
    assert sorted(result.files) == sorted(
        [
            "Chat.ttl",
            "CustomerRelations.ttl",
            "RightsRequests.ttl",
            "SocialMediaFacebook.ttl",
            "SocialMediaInstagram.ttl",
            "SocialMediaLinkedIn.ttl",
            "SocialMediaYouTube.ttl",
            "VisitorIdentification.ttl",
            "WebShop.ttl",
            "Website.ttl",
            "record.ttl",
        ]
    )
    assert read_import(source).files == result.files  # the same input, the same bytes
    customers = Graph().parse(data=result.files["CustomerRelations.ttl"], format="turtle")
    shared = Graph().parse(data=result.files["record.ttl"], format="turtle")
    activity = URIRef("https://w3id.org/ropa-kg/data/alumeco#CustomerRelations")
    assert not any(isinstance(node, BNode) for triple in customers for node in triple)
    assert (activity, DPV.hasPurpose, DPV.Marketing) in customers
    assert (activity, DPV.hasPurpose, ROPA.Statistics) in customers
    assert (activity, DPV.hasPersonalData, PD.EmailAddress) in customers
    retention = URIRef(f"{activity}-Retention")
    assert (activity, DPV.hasStorageCondition, retention) in customers
    limit = customers.value(retention, DPV.hasDuration)
    assert customers.value(limit, RDF.value) == Literal("P5Y", datatype=XSD.duration)
    processor = URIRef(f"{EX}AlumecoSDataProcessorsNotNamedInThePolicy")
    assert set(customers.objects(activity, DPV.hasDataProcessor)) == {processor}
    assert shared.value(processor, SKOS.prefLabel) == Literal(
        "Alumeco's data processors (not named in the policy)", lang="en"
    )
    contract = URIRef(f"{EX}ContractWhereOneHasBeenFormed")
    assert (contract, SKOS.broader, EU_GDPR["A6-1-b"]) in shared
    assert shared.value(contract, DCTERMS.title) == Literal("Contract, where one has been formed", lang="en")
    assert "@prefix alu: <https://w3id.org/ropa-kg/data/alumeco#> ." in result.files["Chat.ttl"].decode()


def _register_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """A register CSV as ``ropa export`` lays it out, with ``rows`` keyed by column key."""
    keys = list(REGISTER_COLUMNS)
    table = [[REGISTER_COLUMNS[k] for k in keys], *([row.get(k, "") for k in keys] for row in rows)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    path.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))
    return path


def test_register_columns_map_to_their_dpv_modelling(tmp_path: Path) -> None:
    """Each register column's text forms read back to the statements the register query shows."""
    rows = [
        {
            "activity": "ex:Shop",
            "name": "Web shop",
            "controller": "Kettu Oy",
            "controllerContact": "privacy@kettu.example",
            "dpo": "Dana <dpo@kettu.example>",
            "recipients": "Mailer Ltd (processor) | Partner Oy (vastaanottaja) | Meta (joint controller)",
            "thirdCountryTransfers": "Mailer Ltd (US): Art 46(2-c) Standard Contractual Clauses (SCC) by EC",
            "retention": "P2Y from the last order | until the account is closed",
            "art6Basis": "Art 6(1-b) contract",
            "art9Condition": "not applicable: ordinary data, no special categories (stated)",
            "legitimateInterest": "Knowing our customers",
            "legitimateInterestAssessment": "Interest not overridden",
        },
        {
            "activity": "ex:Shop-Payments",
            "name": "Payments",
            "controller": "Kettu Oy",
            "dpo": "none designated (stated)",
            "recipients": "none (stated)",
            "thirdCountryTransfers": "none: no recipients (stated)",
            "retention": "(no value)",
            "legitimateInterestAssessment": "recorded",
            "partOf": "Web shop",
        },
        {
            "activity": "ex:Newsletter",
            "name": "Newsletter",
            "controller": "Kettu Oy",
            "recipients": "Sender GmbH (recipient)",
            "thirdCountryTransfers": "none: every recipient is in the EEA",
        },
    ]
    result = read_import(_register_csv(tmp_path / "register.csv", rows))
    graph = Graph()
    for data in result.files.values():
        graph.parse(data=data, format="turtle")
    shop, payments, newsletter = (URIRef(EX + n) for n in ("Shop", "Shop-Payments", "Newsletter"))
    controller = URIRef(EX + "KettuOy")
    assert graph.value(shop, DPV.hasDataController) == controller
    assert graph.value(controller, DPV.hasContact) == Literal("privacy@kettu.example")
    dpo = graph.value(controller, DPV.hasDataProtectionOfficer)
    assert (graph.value(dpo, DPV.hasName), graph.value(dpo, DPV.hasContact)) == (
        Literal("Dana"),
        Literal("dpo@kettu.example"),
    )
    assert graph.value(controller, ROPA.noDataProtectionOfficer) == Literal(True)
    mailer = graph.value(shop, DPV.hasDataProcessor)
    assert graph.value(mailer, DPV.hasName) == Literal("Mailer Ltd")
    assert graph.value(mailer, DPV.hasCountry) == LOC.US
    assert graph.value(mailer, ROPA.hasTransferMechanism) == EU_GDPR["A46-2-c"]
    assert set(graph.objects(shop, DPV.hasRecipient)) == {URIRef(EX + "PartnerOy")}
    joint = graph.value(shop, DPV.hasJointDataControllers)
    assert set(graph.objects(joint, DPV.hasDataController)) == {controller, URIRef(EX + "Meta")}
    first, second = URIRef(EX + "Shop-Retention"), URIRef(EX + "Shop-Retention2")
    assert graph.value(graph.value(first, DPV.hasDuration), RDF.value) == Literal(
        "P2Y", datatype=XSD.duration
    )
    assert graph.value(first, ROPA.durationStartsAt) == Literal("the last order", lang="en")
    event = graph.value(second, DPV.hasDuration)
    assert (graph.value(event, RDF.type), graph.value(event, DCTERMS.description)) == (
        DPV.UntilEventDuration,
        Literal("the account is closed", lang="en"),
    )
    assert graph.value(shop, DPV.hasLegalBasis) == EU_GDPR["A6-1-b"]
    assert graph.value(shop, ROPA.noSpecialCategoryData) == Literal(True)
    assert graph.value(shop, ROPA.hasLegitimateInterest) == Literal("Knowing our customers", lang="en")
    assert graph.value(URIRef(EX + "Shop-LIA"), ROPA.conclusion) == Literal(
        "Interest not overridden", lang="en"
    )
    assert graph.value(URIRef(EX + "Shop-Payments-LIA"), RDF.type) == DPV.LegitimateInterestAssessment
    assert graph.value(URIRef(EX + "Shop-Payments-LIA"), ROPA.conclusion) is None
    assert graph.value(payments, ROPA.noRecipients) == Literal(True)
    assert graph.value(URIRef(EX + "Shop-Payments-Retention"), RDF.type) == DPV.StorageDuration
    assert graph.value(URIRef(EX + "Shop-Payments-Retention"), DPV.hasDuration) is None
    assert (shop, DPV.hasProcess, payments) in graph
    sender = graph.value(newsletter, DPV.hasRecipient)
    assert graph.value(sender, DPV.hasLocation) == LOC.EEA
    assert {(v.row, v.text) for v in result.by_outcome("skipped")} == {(3, "none: no recipients (stated)")}


def test_a_register_of_names_only_writes_activity_files_only(tmp_path: Path) -> None:
    result = read_import(_register_csv(tmp_path / "names.csv", [{"name": "Payroll"}, {"name": "Web shop"}]))
    assert sorted(result.files) == ["Payroll.ttl", "WebShop.ttl"]
    assert result.activities == (EX + "Payroll", EX + "WebShop")
    target = write_import(result, tmp_path / "out")
    assert b"Web shop" in _exports([target])[0]


# --- the ICO layout ---------------------------------------------------------------------------------

IcoFactory = Callable[..., Path]


@pytest.fixture
def ico_workbook(tmp_path: Path) -> IcoFactory:
    """A workbook in the ICO template's layout: a contact block, headings on row 9, one activity per row."""

    def make(
        rows: list[dict[str, str]],
        *,
        sheet: str = "Template",
        merge_heading: bool = False,
        drop: tuple[str, ...] = (),
        name: str = "ico.xlsx",
    ) -> Path:
        book = Workbook()
        intro = book.active
        intro.title = "Notes"
        intro.append(["Green headings are required by Art. 30"])
        ws = book.create_sheet(sheet)
        ws.append(["", "Controller", "Data Protection Officer", "Representative"])
        ws.append(["Name", "Kettu Trading Ltd", "Dana Officer", ""])
        ws.append(["Address", "1 High Street, York", "", ""])
        ws.append(["Email", "privacy@kettu.example", "dpo@kettu.example", ""])
        ws.append(["Telephone", "+44 1904 000000", "", ""])
        ws.append([])
        ws.append([])
        ws.append([])
        keys = [key for key, _ in ICO_COLUMNS if key not in drop]
        ws.append([dict(ICO_COLUMNS)[key] for key in keys])
        for row in rows:
            ws.append([row.get(key, "") for key in keys])
        if merge_heading:
            ws.merge_cells(start_row=9, start_column=2, end_row=9, end_column=3)
        path = tmp_path / name
        book.save(path)
        return path

    return make


ICO_ROWS = [
    {
        "name": "Marketing",
        "purposes": "Marketing; direct mail to prospects",
        "dataSubjects": "Customer\nProspective customer",
        "personalData": "Email Address; Name; shoe size",
        "recipients": "Mailchimp (processor); Group companies",
        "thirdCountries": "United States",
        "safeguards": "Standard Contractual Clauses",
        "retention": "2 years after the end of the contract",
        "securityMeasures": "Encryption in Transfer; Staff training twice a year",
        "art6Basis": "Article 6(1)(a) consent",
        "legitimateInterest": "",
        "rights": "Right of access; Right to object",
        "dpiaRequired": "No",
        "dpiaProgress": "Not started, to be reviewed next spring",
    },
    {
        "name": "HR",
        "purposes": "Human Resource Management",
        "dataSubjects": "Employee",
        "personalData": "Name; Health Record",
        "retention": "until six years after the employee leaves",
        "art6Basis": "Article 6(1)(c) legal obligation",
        "art9Condition": "Article 9(2)(b) employment, social security and social protection",
        "legitimateInterest": "n/a",
        "dataSources": "The employee",
        "dataLocation": "Finland",
    },
    {
        "name": "Payroll",
        "purposes": "Payroll",
        "dataSubjects": "Employee",
        "personalData": "Bank Account",
        "retention": "As long as the law requires, then securely destroyed",
        "art6Basis": "contract with the employee",
    },
]


def test_ico_layout_maps_terms_and_reports_what_it_could_not(
    ico_workbook: IcoFactory, tmp_path: Path
) -> None:
    result = read_import(ico_workbook(ICO_ROWS))
    assert (result.layout, result.sheet) == ("ico", "Template")
    graph = Graph()
    for data in result.files.values():
        graph.parse(data=data, format="turtle")
    marketing, hr, payroll = (URIRef(EX + n) for n in ("Marketing", "HR", "Payroll"))
    assert set(graph.objects(marketing, DPV.hasPurpose)) == {
        DPV.Marketing,
        URIRef(EX + "DirectMailToProspects"),
    }
    assert graph.value(URIRef(EX + "DirectMailToProspects"), SKOS.broader) == DPV.Purpose
    assert set(graph.objects(marketing, DPV.hasDataSubject)) == {DPV.Customer, ROPA.ProspectiveCustomer}
    assert set(graph.objects(marketing, DPV.hasPersonalData)) == {
        PD.EmailAddress,
        PD.Name,
        URIRef(EX + "ShoeSize"),
    }
    assert set(graph.objects(marketing, DPV.hasLegalBasis)) == {EU_GDPR["A6-1-a"]}
    assert set(graph.objects(marketing, DPV.hasRight)) == {EU_GDPR.A15, EU_GDPR.A21}
    assert DPV.EncryptionInTransfer in set(graph.objects(marketing, DPV.hasTechnicalOrganisationalMeasure))
    assert graph.value(marketing, DPV.hasDataProcessor) == URIRef(EX + "Mailchimp")
    assert graph.value(URIRef(EX + "Mailchimp"), DPV.hasName) == Literal("Mailchimp")
    # the template names countries, not who is there: a recipient per country, with the row's safeguards
    in_us = URIRef(EX + "RecipientsInUnitedStates")
    assert set(graph.objects(marketing, DPV.hasRecipient)) == {URIRef(EX + "GroupCompanies"), in_us}
    assert (in_us, DPV.hasCountry, LOC.US) in graph
    assert graph.value(in_us, ROPA.hasTransferMechanism) == EU_GDPR.StandardContractualClauses
    retention = URIRef(EX + "Marketing-Retention")
    assert graph.value(marketing, DPV.hasStorageCondition) == retention
    assert graph.value(graph.value(retention, DPV.hasDuration), RDF.value) == Literal(
        "P2Y", datatype=XSD.duration
    )
    assert graph.value(retention, ROPA.durationStartsAt) == Literal("end of the contract", lang="en")
    # the contact block: the controller of every row, its contact details and DPO
    controller = URIRef(EX + "KettuTradingLtd")
    assert {graph.value(a, DPV.hasDataController) for a in (marketing, hr, payroll)} == {controller}
    assert set(graph.objects(controller, DPV.hasContact)) == {
        Literal("privacy@kettu.example"),
        Literal("+44 1904 000000"),
    }
    dpo = graph.value(controller, DPV.hasDataProtectionOfficer)
    assert graph.value(dpo, DPV.hasName) == Literal("Dana Officer")
    assert graph.value(dpo, DPV.hasContact) == Literal("dpo@kettu.example")
    # Art. 6 and 9 written as prose: the point the words name, or a new basis under it
    condition = URIRef(EX + "Article92BEmploymentSocialSecurityAndSocialProtection")
    assert set(graph.objects(hr, DPV.hasLegalBasis)) == {EU_GDPR["A6-1-c"], condition}
    assert (condition, SKOS.broader, EU_GDPR["A9-2-b"]) in graph
    basis = URIRef(EX + "ContractWithTheEmployee")
    assert set(graph.objects(payroll, DPV.hasLegalBasis)) == {basis}
    assert (basis, SKOS.broader, EU_GDPR["A6-1-b"]) in graph
    assert graph.value(basis, DCTERMS.title) == Literal("contract with the employee", lang="en")
    assert (hr, DPV.hasLocation, LOC.FI) in graph
    event = graph.value(URIRef(EX + "HR-Retention"), DPV.hasDuration)
    assert graph.value(event, RDF.type) == DPV.UntilEventDuration
    assert graph.value(event, DCTERMS.description) == Literal(
        "six years after the employee leaves", lang="en"
    )
    # prose kept as a note on the right node, and reported
    payroll_retention = URIRef(EX + "Payroll-Retention")
    assert graph.value(payroll_retention, RDF.type) == DPV.StorageCondition
    assert graph.value(payroll_retention, DCTERMS.description) == Literal(
        "As long as the law requires, then securely destroyed", lang="en"
    )
    assert graph.value(marketing, RDFS.comment) == Literal(
        "DPIA progress: Not started, to be reviewed next spring", lang="en"
    )
    notes = {(v.row, v.column, v.text) for v in result.by_outcome("note")}
    assert notes == {
        (12, "Retention schedule (if possible)", "As long as the law requires, then securely destroyed"),
        (10, "DPIA progress", "Not started, to be reviewed next spring"),
    }
    new_terms = {(v.row, v.text, v.detail) for v in result.by_outcome("new term")}
    assert new_terms == {
        (10, "direct mail to prospects", "under dpv:Purpose"),
        (10, "shoe size", "under dpv:PersonalData"),
        (10, "Staff training twice a year", "under dpv:TechnicalOrganisationalMeasure"),
        (11, "Article 9(2)(b) employment, social security and social protection", "under eu-gdpr:A9-2-b"),
        (11, "The employee", "under dpv:DataSource"),
        (12, "Payroll", "under dpv:Purpose"),
        (12, "contract with the employee", "under eu-gdpr:A6-1-b"),
    }
    assert {(v.row, v.text) for v in result.by_outcome("skipped")} == {(10, "No"), (11, "n/a")}


def test_cli_reports_json_findings_and_fail_on(ico_workbook: IcoFactory, tmp_path: Path) -> None:
    path = ico_workbook(ICO_ROWS)
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(path), "-o", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["layout"] == "ico" and len(document["activities"]) == 3
    assert sorted(document["files"]) == ["HR.ttl", "Marketing.ttl", "Payroll.ttl", "record.ttl"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == document["files"]
    findings = document["findings"]
    assert findings["total"] == sum(findings["by_severity"].values()) > 0
    assert findings["by_severity"]["violation"] > 0
    failing = runner.invoke(
        main, ["import", str(path), "-o", str(tmp_path / "out2"), "--fail-on", "violation"]
    )
    assert failing.exit_code == 1
    assert "findings:" in failing.stdout and "kept as a note:" in failing.stdout
    assert "  Purpose of processing: 'Marketing' (-> dpv:Marketing) - row 10\n" in failing.stdout
    assert sorted(findings["rule_severity"]) == sorted(findings["by_rule"])
    assert findings["rule_severity"]["ROPA-A30-RECIPIENTS"] == "violation"
    recipients = findings["by_rule"]["ROPA-A30-RECIPIENTS"]
    assert f"  ROPA-A30-RECIPIENTS (violation): {recipients}\n" in failing.stdout
    again = runner.invoke(main, ["import", str(path), "-o", str(tmp_path / "out")])
    assert again.exit_code == 2 and "must be an empty folder" in again.stderr
    assert "Exit codes" in runner.invoke(main, ["import", "--help"]).stdout


# --- bad input --------------------------------------------------------------------------------------


def _refused(path: Path, tmp_path: Path) -> str:
    """Import ``path`` through the CLI: exit 2, nothing written; the message."""
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".never")]
    return result.stderr


def test_workbook_without_the_expected_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Budget"
    book.active.append(["Item", "Cost"])
    book.save(tmp_path / "budget.xlsx")
    message = _refused(tmp_path / "budget.xlsx", tmp_path)
    assert "no sheet 'Register'" in message and "'Budget'" in message


def test_missing_activity_name_column(ico_workbook: IcoFactory, tmp_path: Path) -> None:
    message = _refused(ico_workbook(ICO_ROWS, drop=("name",)), tmp_path)
    assert "sheet 'Template', row 9" in message and "'Business function'" in message


def test_merged_heading_cell(ico_workbook: IcoFactory, tmp_path: Path) -> None:
    message = _refused(ico_workbook(ICO_ROWS, merge_heading=True), tmp_path)
    assert "sheet 'Template', row 9, column B (Purpose of processing)" in message and "merged" in message


def test_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    assert "(.xlsx or .csv)" in _refused(tmp_path / "notes.pdf", tmp_path)
    (tmp_path / "fake.xlsx").write_text("Activity ID,Processing activity\n", encoding="utf-8")
    assert "not an XLSX workbook" in _refused(tmp_path / "fake.xlsx", tmp_path)
    (tmp_path / "big.csv").write_text("Processing activity\nOne\n", encoding="utf-8")
    monkeypatch.setenv("ROPA_MAX_FILE_BYTES", "10")
    assert "larger than the size limit (10 bytes)" in _refused(tmp_path / "big.csv", tmp_path)
    monkeypatch.delenv("ROPA_MAX_FILE_BYTES")
    (tmp_path / "latin1.csv").write_bytes(
        "Processing activity,Purposes of processing\nPäivä,x\n".encode("latin-1")
    )
    message = _refused(tmp_path / "latin1.csv", tmp_path)
    assert "latin1.csv, line 2: not a UTF-8 CSV file" in message


def test_duplicate_activity_id(tmp_path: Path) -> None:
    headings = [REGISTER_COLUMNS["activity"], REGISTER_COLUMNS["name"], REGISTER_COLUMNS["purposes"]]
    rows = [headings, ["ex:A", "One", "Marketing"], ["ex:B", "Two", ""], ["ex:A", "Three", ""]]
    (tmp_path / "dup.csv").write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    message = _refused(tmp_path / "dup.csv", tmp_path)
    assert (
        "sheet 'CSV', row 4, column A (Activity ID): duplicate activity ID 'ex:A' (already on row 2)"
        in message
    )
    with pytest.raises(RopaInputError, match="row 4"):
        read_import(tmp_path / "dup.csv")


def test_bad_options_and_non_empty_output(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("Processing activity\nOne\n", encoding="utf-8")
    with pytest.raises(RopaUsageError, match="--base"):
        read_import(tmp_path / "one.csv", base="not an iri")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(RopaUsageError, match="empty folder"):
        import_spreadsheet(tmp_path / "one.csv", tmp_path / "full")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]


# --- the reader's tolerance -------------------------------------------------------------------------


def test_register_sheet_anywhere_translated_headings_and_other_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Register sheet is found after a cover sheet, below a title row, under headings of a
    translation table the export module holds (asked by column key), and other sheets are ignored."""
    finnish = {key: f"FI {heading}" for key, heading in REGISTER_COLUMNS.items()}
    monkeypatch.setattr(export_module, "REGISTER_HEADINGS_TEST_FI", finnish, raising=False)
    book = Workbook()
    book.active.title = "Kansilehti"
    book.active.append(["Seloste käsittelytoimista"])
    sheet = book.create_sheet("Register")
    sheet.append(["Record of processing activities"])
    keys = ["name", "purposes", "activity", "retention"]  # not the export's order
    sheet.append([finnish[k] for k in keys])
    sheet.append(["Palkanlaskenta", "Human Resource Management\nPayroll runs", "ex:Payroll", "P6Y"])
    book.create_sheet("About").append(["Title", "x"])
    book.save(tmp_path / "fi.xlsx")
    result = read_import(tmp_path / "fi.xlsx", base="https://example.org/kettu#", prefix="ex")
    assert result.activities == ("https://example.org/kettu#Payroll",)
    graph = Graph().parse(data=result.files["Payroll.ttl"], format="turtle")
    activity = URIRef("https://example.org/kettu#Payroll")
    assert set(graph.objects(activity, DPV.hasPurpose)) == {
        DPV.HumanResourceManagement,
        URIRef("https://example.org/kettu#PayrollRuns"),
    }
    assert graph.value(activity, SKOS.prefLabel) == Literal("Palkanlaskenta", lang="en")


def test_preview_validates_without_writing(ico_workbook: IcoFactory, tmp_path: Path) -> None:
    path = ico_workbook(ICO_ROWS)
    preview = preview_import(path.name, path.read_bytes())
    assert preview.result.layout == "ico"
    assert preview.findings.total > 0 and preview.findings.by_rule
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ico.xlsx"]


# --- the dashboard view -----------------------------------------------------------------------------


@pytest.fixture
def _dashboard_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)
    yield


@pytest.mark.usefixtures("_dashboard_env")
def test_dashboard_import_view_previews_writes_and_opens(ico_workbook: IcoFactory, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from ropa_kg.core.resources import dashboard_dir

    path = ico_workbook(ICO_ROWS)
    at = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/importer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Import a spreadsheet"
    # the upload widget cannot be driven by AppTest: the view also takes a path on the server
    at.text_input(key="import_path").input(str(path)).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "3 activities" in shown and "ICO template" in shown
    unmapped = at.dataframe[0].value
    assert ("Payroll", "new term") in set(zip(unmapped["value"], unmapped["outcome"], strict=True))
    target = tmp_path / "written"
    at.text_input(key="import_target").input(str(target)).run()
    at.button(key="import_write").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(p.name for p in target.iterdir()) == [
        "HR.ttl",
        "Marketing.ttl",
        "Payroll.ttl",
        "record.ttl",
    ]
    at.button(key="import_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["source"].paths == (str(target),)
