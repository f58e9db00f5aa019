"""The Art. 30 register and the graph as files for auditors: XLSX, CSV, HTML, PDF, Turtle, JSON-LD.

The register is the saved query ``art30-register`` (one row per activity); every tabular format shows
its rows under ICO-template-like column headings (:data:`REGISTER_COLUMNS`, in Finnish
:data:`REGISTER_COLUMNS_FI`). Several values in one cell (the query joins them with ``" | "``) become
separate lines in XLSX and HTML. Where the record states there is none (no recipients, no transfer, no
Art. 9 condition needed) the cell says so; an empty cell is a gap: "not stated". HTML, PDF and XLSX open
with a cover (:class:`Cover`: the organisation and the record's version, date, owner and approval) and
can end with the validation findings per activity. The language (``en``, ``fi``) is a parameter of the
register query and chooses the headings and texts. The graph formats write the record's triples
(without the project's ontology unless asked).

Nothing is fetched from the network: the HTML is self-contained (inline CSS, no scripts, no fonts), and
the PDF is that HTML printed by a local headless Chromium.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, get_args
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import Graph

from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.findings import Finding
from ropa_kg.core.namespaces import DPV, PREFIXES, ROPA, bind_prefixes
from ropa_kg.core.signoff import (
    DEFAULT_REVIEW_PERIOD,
    ROPA_APPROVED,
    ROPA_APPROVER,
    ROPA_MODIFIED,
    ROPA_OWNER,
    ROPA_RECORD,
    ROPA_REVIEW_PERIOD,
    ROPA_VERSION,
)
from ropa_kg.core.terms import to_rdflib
from ropa_kg.query.queries import execute_oxigraph, resolve, select_text_table
from ropa_kg.sparql.results import LIST_SEPARATOR, ResultTable, compact_iri, term_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

ExportFormat = TypingLiteral["xlsx", "csv", "html", "pdf", "turtle", "jsonld"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)

#: File name extension per format.
EXTENSIONS: dict[str, str] = {
    "xlsx": ".xlsx",
    "csv": ".csv",
    "html": ".html",
    "pdf": ".pdf",
    "turtle": ".ttl",
    "jsonld": ".jsonld",
}

#: Media type per format (for downloads).
MEDIA_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "html": "text/html",
    "pdf": "application/pdf",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
}

#: The register query's columns and their headings, in the order of the ICO's documentation template.
REGISTER_COLUMNS: dict[str, str] = {
    "activity": "Activity ID",
    "name": "Processing activity",
    "controller": "Controller (and joint controllers)",
    "controllerContact": "Controller contact details",
    "dpo": "Data Protection Officer",
    "purposes": "Purposes of processing",
    "dataSubjects": "Categories of individuals",
    "personalData": "Categories of personal data",
    "recipients": "Categories of recipients",
    "thirdCountryTransfers": "Third countries and safeguards",
    "retention": "Retention schedule",
    "securityMeasures": "Technical and organisational security measures",
    "art6Basis": "Article 6 lawful basis",
    "art9Condition": "Article 9 condition",
    "legitimateInterest": "Legitimate interests",
    "legitimateInterestAssessment": "Legitimate interest assessment",
    "rights": "Rights available to individuals",
    "dataSources": "Source of personal data",
    "partOf": "Part of (parent activity)",
}

#: The same columns' headings in Finnish (the GDPR's Finnish terms: "Käsittelyn tarkoitukset"...).
REGISTER_COLUMNS_FI: dict[str, str] = {
    "activity": "Käsittelytoimen tunniste",
    "name": "Käsittelytoimi",
    "controller": "Rekisterinpitäjä (ja yhteisrekisterinpitäjät)",
    "controllerContact": "Rekisterinpitäjän yhteystiedot",
    "dpo": "Tietosuojavastaava",
    "purposes": "Käsittelyn tarkoitukset",
    "dataSubjects": "Rekisteröityjen ryhmät",
    "personalData": "Henkilötietoryhmät",
    "recipients": "Vastaanottajaryhmät",
    "thirdCountryTransfers": "Siirrot kolmansiin maihin ja suojatoimet",
    "retention": "Säilytysajat",
    "securityMeasures": "Tekniset ja organisatoriset turvatoimet",
    "art6Basis": "Käsittelyn oikeusperuste (6 artikla)",
    "art9Condition": "Erityisiä henkilötietoryhmiä koskeva poikkeus (9 artikla)",
    "legitimateInterest": "Oikeutetut edut",
    "legitimateInterestAssessment": "Oikeutetun edun arviointi",
    "rights": "Rekisteröityjen oikeudet",
    "dataSources": "Henkilötietojen lähde",
    "partOf": "Osa käsittelytoimesta (ylempi käsittelytoimi)",
}

RegisterLanguage = TypingLiteral["en", "fi"]
#: The languages of the register (the headings, the fixed texts, the names when the record has them).
LANGUAGES: tuple[RegisterLanguage, ...] = get_args(RegisterLanguage)

#: Headings per language.
HEADINGS: dict[str, dict[str, str]] = {"en": REGISTER_COLUMNS, "fi": REGISTER_COLUMNS_FI}

#: The fixed texts of the exports per language.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Record of processing activities",
        "not stated": "not stated in the record",
        "not stated short": "not stated",
        "cover": "Cover",
        "organisation": "Organisation",
        "version": "Version",
        "modified": "Last modified",
        "owner": "Owner",
        "approver": "Approved by",
        "approved": "Approved on",
        "review period": "Review period",
        "review default": "not stated (each activity reviewed every {period} by default)",
        "empty cell": 'An empty cell: the record does not state it. "none" and "not applicable": '
        "the record states there is none.",
        "findings": "Findings",
        "findings intro": "Validation findings (ropa validate, as of {date}): rule, severity and message, "
        "per activity.",
        "no findings": "no findings",
        "other findings": "Findings on the record, its notices and its controllers",
        "rule": "Rule",
        "severity": "Severity",
        "message": "Message",
        "activity": "Activity",
        "violation": "violation",
        "warning": "warning",
        "info": "info",
        "page": "Page &P of &N",
        "the record": "the record",
        "generated": "GDPR Art. 30(1). Source: {source}. Generated {date} by ropa-kg. {count} processing "
        "activities.",
    },
    "fi": {
        "title": "Seloste käsittelytoimista",
        "not stated": "ei ilmoitettu rekisterissä",
        "not stated short": "ei ilmoitettu",
        "cover": "Kansilehti",
        "organisation": "Organisaatio",
        "version": "Versio",
        "modified": "Viimeksi muutettu",
        "owner": "Omistaja",
        "approver": "Hyväksyjä",
        "approved": "Hyväksytty",
        "review period": "Tarkistusväli",
        "review default": "ei ilmoitettu (kukin käsittelytoimi tarkistetaan oletuksena {period} välein)",
        "empty cell": 'Tyhjä solu: rekisteri ei ilmoita tietoa. "ei" ja "ei sovelleta": rekisteri '
        "ilmoittaa, ettei sellaista ole.",
        "findings": "Havainnot",
        "findings intro": "Tarkistuksen havainnot (ropa validate, {date}): sääntö, vakavuus ja viesti "
        "käsittelytoimittain.",
        "no findings": "ei havaintoja",
        "other findings": "Rekisteriä, tietosuojaselosteita ja rekisterinpitäjiä koskevat havainnot",
        "rule": "Sääntö",
        "severity": "Vakavuus",
        "message": "Viesti",
        "activity": "Käsittelytoimi",
        "violation": "rikkomus",
        "warning": "varoitus",
        "info": "tieto",
        "page": "Sivu &P / &N",
        "the record": "rekisteri",
        "generated": "EU:n yleinen tietosuoja-asetus, 30 artiklan 1 kohta. Lähde: {source}. Luotu {date} "
        "(ropa-kg). {count} käsittelytointa.",
    },
}

#: A review period as the cover writes it.
_PERIOD_WORDS: dict[str, dict[str, str]] = {
    "en": {"P12M": "12 months"},
    "fi": {"P12M": "12 kuukauden"},
}

REGISTER_QUERY = "art30-register"

#: Where Debian installs Chromium (``make test`` installs it).
CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def check_language(lang: str) -> RegisterLanguage:
    """``lang`` as a register language.

    Raises:
        RopaUsageError: it is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise RopaUsageError(f"unknown register language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return lang


@dataclass(frozen=True)
class Register:
    """The register: headings and one row of display strings per activity (empty string: not stated).

    ``lang`` is the language of its headings and texts; ``activity_iris`` the activities' full IRIs (the
    ``activity`` column compacts them), in row order."""

    columns: tuple[str, ...]
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lang: RegisterLanguage = "en"
    activity_iris: tuple[str, ...] = ()

    @classmethod
    def from_table(cls, table: ResultTable, *, lang: str = "en") -> Register:
        """Build from the ``art30-register`` result, without the query's ``lang`` column (the language it
        was asked for); unknown columns keep their variable name.

        Raises:
            RopaUsageError: ``lang`` is not one of :data:`LANGUAGES`.
        """
        language = check_language(lang)
        keep = [i for i, c in enumerate(table.columns) if c != "lang"]
        headings = HEADINGS[language]
        first = table.columns.index("activity") if "activity" in table.columns else None
        return cls(
            columns=tuple(table.columns[i] for i in keep),
            headings=tuple(headings.get(table.columns[i], table.columns[i]) for i in keep),
            rows=tuple(tuple(term_text(row[i]) for i in keep) for row in table.rows),
            lang=language,
            activity_iris=tuple(term_text(row[first], compact=False) for row in table.rows)
            if first is not None
            else (),
        )

    def records(self) -> list[dict[str, str]]:
        """The rows as dictionaries keyed by the query's column names."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def register_table(store: ox.Store, *, lang: str = "en") -> ResultTable:
    """Run the saved ``art30-register`` query on ``store``, its ``?lang`` parameter bound to ``lang``.

    Raises:
        RopaInputError: the query file is missing or malformed.
        RopaUsageError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    query = resolve(REGISTER_QUERY)
    return execute_oxigraph(query, store, query.bindings({"lang": check_language(lang)}))


def register(store: ox.Store, *, lang: str = "en") -> Register:
    """The register of the record in ``store`` (which should hold the project's ontology for labels), in
    ``lang``: the same as ``Register.from_table(register_table(store, lang=lang), lang=lang)``, built
    from the engine's strings without an rdflib term per cell (the register's cells are literals; only
    the ``activity`` column, an IRI or a blank node, is compacted).

    Raises:
        RopaUsageError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    language = check_language(lang)
    query = resolve(REGISTER_QUERY)
    columns, rows = select_text_table(query, store, query.bindings({"lang": language}))
    keep = [i for i, c in enumerate(columns) if c != "lang"]
    headings = HEADINGS[language]
    first = columns.index("activity") if "activity" in columns else None
    compacted = [tuple(compact_iri(row[i]) if i == first else row[i] for i in keep) for row in rows]
    return Register(
        columns=tuple(columns[i] for i in keep),
        headings=tuple(headings.get(columns[i], columns[i]) for i in keep),
        rows=tuple(compacted),
        lang=language,
        activity_iris=tuple(row[first] for row in rows) if first is not None else (),
    )


# --- the cover --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """What the register's cover states about the record (a ``dpv:ROPA``): each field its text, or None
    where the record is silent ("not stated"). ``review_period`` is the stated ``xsd:duration`` text."""

    organisation: str | None = None
    version: str | None = None
    modified: str | None = None
    owner: str | None = None
    approver: str | None = None
    approved: str | None = None
    review_period: str | None = None

    def fields(self, lang: str = "en") -> list[tuple[str, str | None]]:
        """(label, value or None) in the cover's order, labelled in ``lang``; the review period is spelled
        out ("P1Y6M (1 year 6 months)") and, when not stated, says the default the rules apply."""
        words = TEXTS[check_language(lang)]
        period = self.review_period
        if period is None:
            default = _PERIOD_WORDS[lang].get(DEFAULT_REVIEW_PERIOD, DEFAULT_REVIEW_PERIOD)
            period = words["review default"].format(period=default)
        elif spelled := period_words(period, lang):
            period = f"{period} ({spelled})"
        return [
            (words["organisation"], self.organisation),
            (words["version"], self.version),
            (words["modified"], self.modified),
            (words["owner"], self.owner),
            (words["approver"], self.approver),
            (words["approved"], self.approved),
            (words["review period"], period),
        ]


_PERIOD = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?")
_UNITS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "en": (("year", "years"), ("month", "months")),
    "fi": (("vuosi", "vuotta"), ("kuukausi", "kuukautta")),
}


def period_words(period: str, lang: str = "en") -> str | None:
    """A review period in years and months as words (``"P1Y6M"``: "1 year 6 months", in Finnish "1 vuosi
    6 kuukautta"); None for any other form (which ROPA-REVIEW-OVERDUE reads as the default)."""
    match = _PERIOD.fullmatch(period.strip())
    if match is None or not any(match.groups()):
        return None
    parts = []
    for amount, (one, many) in zip(match.groups(), _UNITS[check_language(lang)], strict=True):
        if amount is not None:
            parts.append(f"{int(amount)} {one if int(amount) == 1 else many}")
    return " ".join(parts)


def cover(store: ox.Store, *, lang: str = "en") -> Cover:
    """The cover of the record in ``store``: its ``dpv:ROPA`` node (the first by IRI when there are
    several) with ``owl:versionInfo``, ``dct:modified``, ``dpv:hasResponsibleEntity`` (owner),
    ``ropa:approvedBy``, ``dct:dateAccepted`` and ``ropa:reviewPeriod``; the organisation is the record's
    ``dct:subject``, else the activities' controllers. A node is named by its label in ``lang`` (else
    its ``ropa:displayName``, else ``dpv:hasName``); a literal as written. Several values are joined
    with ``", "`` in sorted order.

    Raises:
        RopaUsageError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    language = check_language(lang)
    records = sorted(
        (q.subject for q in store.quads_for_pattern(None, _ox(RDF_TYPE), _ox(ROPA_RECORD))), key=str
    )
    record = records[0] if records else None

    def values(prop: str) -> str | None:
        if record is None:
            return None
        found = sorted(
            {_name(store, q.object, language) for q in store.quads_for_pattern(record, _ox(prop), None)}
        )
        return ", ".join(found) if found else None

    organisation = values(DCT_SUBJECT)
    if organisation is None:
        controllers = {
            _name(store, q.object, language)
            for q in store.quads_for_pattern(None, _ox(str(DPV.hasDataController)), None)
        }
        organisation = ", ".join(sorted(controllers)) if controllers else None
    return Cover(
        organisation=organisation,
        version=values(str(ROPA_VERSION)),
        modified=values(str(ROPA_MODIFIED)),
        owner=values(str(ROPA_OWNER)),
        approver=values(str(ROPA_APPROVER)),
        approved=values(str(ROPA_APPROVED)),
        review_period=values(str(ROPA_REVIEW_PERIOD)),
    )


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT_SUBJECT = "http://purl.org/dc/terms/subject"
_LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    str(DPV.hasName),
)


def _ox(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _name(store: ox.Store, node: object, lang: str) -> str:
    """A node's name in ``lang`` (its labels in that language, by property, as the register ranks
    them), else its ``ropa:displayName``, else its ``dpv:hasName``, else its IRI's local name; a literal's
    text."""
    if isinstance(node, ox.Literal):
        return node.value
    if not isinstance(node, ox.NamedNode | ox.BlankNode):
        return str(node)
    for prop in _LABELS:
        texts = sorted(
            q.object.value
            for q in store.quads_for_pattern(node, _ox(prop), None)
            if isinstance(q.object, ox.Literal)
            and (q.object.language or "").split("-")[0] == lang
            and q.object.value
        )
        if texts:
            return texts[0]
    for prop in (str(ROPA.displayName), str(DPV.hasName)):
        texts = sorted(
            q.object.value
            for q in store.quads_for_pattern(node, _ox(prop), None)
            if isinstance(q.object, ox.Literal)
        )
        if texts:
            return texts[0]
    return term_text(to_rdflib(node))


def cell_lines(value: str) -> list[str]:
    """A register cell's values, one per list item (the query joins several with ``" | "``)."""
    return [part for part in value.split(LIST_SEPARATOR) if part] if value else []


# --- tabular formats --------------------------------------------------------------------------------


def to_csv(reg: Register) -> bytes:
    """The register as UTF-8 CSV (with a byte order mark so that spreadsheet programs read it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(reg.headings)
    writer.writerows(reg.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_date() -> dt.date:
    """The date an export states: ``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set,
    else today. It is the only thing besides the record that an export's bytes depend on.

    Raises:
        RopaUsageError: ``SOURCE_DATE_EPOCH`` is not a whole number of seconds.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.date.today()
    try:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    except (ValueError, OverflowError) as exc:
        raise RopaUsageError(f"SOURCE_DATE_EPOCH must be seconds since 1970, not {epoch!r}") from exc


def to_xlsx(
    reg: Register,
    *,
    title: str | None = None,
    source: str = "",
    date: dt.date | None = None,
    front: Cover | None = None,
    findings: Sequence[Finding] | None = None,
) -> bytes:
    """The register as an XLSX workbook: sheet ``Cover`` (the record's organisation, version, dates,
    owner and approval: ``front``, "not stated" for each missing one), sheet ``Register`` (heading row as
    row 1, one row per activity; list values one per line; an empty cell: not stated), with ``findings``
    a sheet ``Findings`` (activity, rule, severity, message), and sheet ``About`` (title, source, date).
    Register and Findings print landscape, fit to the page width, with the heading row on every page
    and the organisation, title and page numbers in the header and footer. Control characters, which
    XLSX cannot hold, are dropped from cell text. ``date`` (default :func:`export_date`) is the
    workbook's date, in the About sheet, its properties and its zip entries: the same register and date
    give the same bytes. ``title`` defaults to the register's language's title."""
    from openpyxl import Workbook

    words = TEXTS[reg.lang]
    title = title or words["title"]
    front = front or Cover()
    day = date or export_date()
    book = Workbook()
    cover_sheet = book.active
    cover_sheet.title = "Cover"
    _cover_sheet(cover_sheet, reg, front, title=title, day=day, source=source or words["the record"])
    sheet = book.create_sheet("Register")
    _register_sheet(sheet, reg)
    organisation = front.organisation or ""
    _print_setup(sheet, title=title, organisation=organisation, lang=reg.lang)
    if findings is not None:
        appendix = book.create_sheet("Findings")
        _findings_sheet(appendix, reg, findings)
        _print_setup(
            appendix, title=f"{title}: {words['findings']}", organisation=organisation, lang=reg.lang
        )
    about = book.create_sheet("About")
    about.append(["Title", title])
    about.append(["Source", source])
    about.append(["Generated", day.isoformat()])
    about.append(["Activities", len(reg.rows)])
    about.append(["Generated by", "ropa-kg (ropa export), query queries/art30-register.rq"])
    book.active = 1  # the register opens first; the cover is the first sheet
    stamp = dt.datetime.combine(day, dt.time())
    book.properties.created = stamp
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return _reproducible_zip(out.getvalue(), stamp)


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _heading_row(sheet: Worksheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E79")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _register_sheet(sheet: Worksheet, reg: Register) -> None:
    sheet.append(list(reg.headings))
    for row in reg.rows:
        sheet.append([_clean("\n".join(cell_lines(value))) for value in row])
    _heading_row(sheet)
    for index, column in enumerate(reg.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 18 if column == "activity" else 34
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions


def _cover_sheet(
    sheet: Worksheet, reg: Register, front: Cover, *, title: str, day: dt.date, source: str
) -> None:
    from openpyxl.styles import Alignment, Font

    words = TEXTS[reg.lang]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=16)
    sheet.append([])
    for label, value in front.fields(reg.lang):
        sheet.append([label, _clean(value) if value else words["not stated short"]])
    sheet.append([])
    sheet.append([words["empty cell"]])
    sheet.append([words["generated"].format(date=day.isoformat(), source=source, count=len(reg.rows))])
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 70
    for row in sheet.iter_rows(min_row=3):
        row[0].font = Font(bold=True)
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4


def _findings_sheet(sheet: Worksheet, reg: Register, findings: Sequence[Finding]) -> None:
    words = TEXTS[reg.lang]
    sheet.append([words["activity"], words["rule"], words["severity"], words["message"]])
    for name, group in findings_by_activity(reg, findings):
        for finding in group:
            severity = words[finding.severity.name.lower()]
            sheet.append([_clean(name), finding.rule_id, severity, _clean(finding.message)])
    _heading_row(sheet)
    for letter, width in zip("ABCD", (30, 30, 12, 100), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _print_setup(sheet: Worksheet, *, title: str, organisation: str, lang: str) -> None:
    """Landscape A4, fit to the page width (as many pages down as needed), the heading row repeated on
    every page, the organisation and title in the header, page numbers in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.oddHeader.left.text = _header_text(organisation)
    sheet.oddHeader.right.text = _header_text(title)
    sheet.oddFooter.center.text = TEXTS[lang]["page"]
    sheet.evenHeader.left.text = sheet.oddHeader.left.text
    sheet.evenHeader.right.text = sheet.oddHeader.right.text
    sheet.evenFooter.center.text = sheet.oddFooter.center.text


def _header_text(text: str) -> str:
    """``text`` for an XLSX header or footer (where ``&`` starts a code)."""
    return _clean(text).replace("&", "&&")[:120]


def findings_by_activity(reg: Register, findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    """``findings`` per activity of the register (by the activity's name, in register order; a finding
    on a notice or controller counts for each activity it affects), then those on no activity of the
    register (the record, its notices, its controllers, waivers) under "other findings". Each group keeps
    the findings' order; an activity without findings has an empty group."""
    words = TEXTS[reg.lang]
    names = [r[reg.columns.index("name")] if "name" in reg.columns else "" for r in reg.rows]
    ids = reg.activity_iris or tuple(r[0] for r in reg.rows)
    groups: list[tuple[str, list[Finding]]] = []
    placed: set[int] = set()
    for iri, name in zip(ids, names, strict=True):
        mine = [f for f in findings if f.focus_node == iri or iri in f.affects]
        placed.update(id(f) for f in mine)
        groups.append((name or iri, mine))
    rest = [f for f in findings if id(f) not in placed]
    if rest:
        groups.append((words["other findings"], rest))
    return groups


_CORE_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _reproducible_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The XLSX zip ``data`` rewritten with every entry dated ``stamp`` and the document's modification
    time set to it (openpyxl stamps both with the current time when it saves)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_MODIFIED.sub(rb"\g<1>" + when + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


_PRINT_CSS = """
@page { size: A4 landscape; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 4pt 0; }
p.meta { color: #444; margin: 0 0 10pt 0; }
section.activity { page-break-inside: avoid; break-inside: avoid; margin: 0 0 12pt 0; }
h2 { font-size: 12pt; margin: 10pt 0 4pt 0; border-bottom: 1.5pt solid #1f4e79; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #999; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { width: 28%; background: #e8eef5; font-weight: 600; }
td.empty { color: #a00; font-style: italic; }
ul { margin: 0; padding-left: 12pt; }
nav ol { columns: 2; }
section.cover { margin: 0 0 12pt 0; }
section.findings { page-break-before: always; break-before: page; }
section.findings th { width: auto; }
h3 { font-size: 11pt; margin: 8pt 0 3pt 0; }
tr.violation td:nth-child(2) { color: #a00; font-weight: 600; }
@media print { nav { page-break-after: always; } a { color: inherit; text-decoration: none; } }
"""


def to_html(
    reg: Register,
    *,
    title: str | None = None,
    source: str = "",
    date: dt.date | None = None,
    front: Cover | None = None,
    findings: Sequence[Finding] | None = None,
) -> str:
    """The register as one self-contained HTML page for printing: a cover (``front``: the organisation,
    the record's version, dates, owner and approval, "not stated" for each missing one), a contents
    list, one section per activity with every column as a row (an empty field reads "not stated in the
    record", in red: a gap; a stated "none" is a value), then, with ``findings``, the findings per
    activity (rule, severity, message). Texts and headings are in the register's language."""
    esc = html.escape
    words = TEXTS[reg.lang]
    title = title or words["title"]
    front = front or Cover()
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{reg.lang}"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{_PRINT_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        _meta_line(reg, source=source, day=date or export_date()),
        *_cover_html(front, reg.lang),
        "<nav><ol>",
    ]
    records = reg.records()
    for index, record in enumerate(records):
        parts.append(
            f'<li><a href="#a{index}">{esc(record.get("name") or record.get("activity", ""))}</a></li>'
        )
    if findings is not None:
        parts.append(f'<li><a href="#findings">{esc(words["findings"])}</a></li>')
    parts.append("</ol></nav>")
    for index, record in enumerate(records):
        parts.extend(_activity_html(reg, record, index))
    if findings is not None:
        parts.extend(_findings_html(reg, findings, day=date or export_date()))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _meta_line(reg: Register, *, source: str, day: dt.date) -> str:
    esc = html.escape
    if reg.lang == "fi":
        return (
            f'<p class="meta">EU:n yleinen tietosuoja-asetus, 30 artiklan 1 kohta. Lähde: '
            f"{esc(source or 'rekisteri')}. Luotu {day.isoformat()} (ropa-kg). "
            f"{len(reg.rows)} käsittelytointa.</p>"
        )
    return (
        f'<p class="meta">GDPR Art. 30(1). Source: {esc(source or "the record")}. '
        f"Generated {day.isoformat()} by ropa-kg. "
        f"{len(reg.rows)} processing activities.</p>"
    )


def _cover_html(front: Cover, lang: str) -> list[str]:
    esc = html.escape
    words = TEXTS[lang]
    rows = []
    for label, value in front.fields(lang):
        cell = (
            f"<td>{esc(value)}</td>" if value else f'<td class="empty">{esc(words["not stated short"])}</td>'
        )
        rows.append(f"<tr><th>{esc(label)}</th>{cell}</tr>")
    return [
        '<section class="cover"><table>',
        *rows,
        "</table>",
        f'<p class="meta">{esc(words["empty cell"])}</p></section>',
    ]


def _activity_html(reg: Register, record: dict[str, str], index: int) -> list[str]:
    esc = html.escape
    words = TEXTS[reg.lang]
    parts = [
        f'<section class="activity" id="a{index}">',
        f"<h2>{esc(record.get('name') or record.get('activity', ''))}</h2><table>",
    ]
    for column, heading in zip(reg.columns, reg.headings, strict=True):
        if column == "name":
            continue
        values = cell_lines(record[column])
        if not values:
            cell = f'<td class="empty">{esc(words["not stated"])}</td>'
        elif len(values) == 1:
            cell = f"<td>{esc(values[0])}</td>"
        else:
            cell = "<td><ul>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ul></td>"
        parts.append(f"<tr><th>{esc(heading)}</th>{cell}</tr>")
    parts.append("</table></section>")
    return parts


def _findings_html(reg: Register, findings: Sequence[Finding], *, day: dt.date) -> list[str]:
    esc = html.escape
    words = TEXTS[reg.lang]
    parts = [
        f'<section class="findings" id="findings"><h2>{esc(words["findings"])}</h2>',
        f'<p class="meta">{esc(words["findings intro"].format(date=day.isoformat()))}</p>',
    ]
    for name, group in findings_by_activity(reg, findings):
        parts.append(f"<h3>{esc(name)}</h3>")
        if not group:
            parts.append(f'<p class="meta">{esc(words["no findings"])}</p>')
            continue
        parts.append(
            f"<table><tr><th>{esc(words['rule'])}</th><th>{esc(words['severity'])}</th>"
            f"<th>{esc(words['message'])}</th></tr>"
        )
        for finding in group:
            severity = finding.severity.name.lower()
            parts.append(
                f'<tr class="{severity}"><td>{esc(finding.rule_id)}</td><td>{esc(words[severity])}</td>'
                f"<td>{esc(finding.message)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</section>")
    return parts


def find_chromium() -> str | None:
    """The path of a local Chromium, or None."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def html_to_pdf(page: str, *, chromium: str | None = None, timeout: float = 90.0) -> bytes:
    """Print the HTML ``page`` to PDF with a local headless Chromium (no network: the page is a file and
    background networking is off).

    Raises:
        RopaUsageError: no Chromium is installed, it fails, or it takes longer than ``timeout`` seconds.
    """
    browser = chromium or find_chromium()
    if browser is None:
        raise RopaUsageError("PDF export needs Chromium (Debian: apt-get install chromium); none was found")
    with tempfile.TemporaryDirectory(prefix="ropa-pdf-") as folder:
        source = Path(folder) / "register.html"
        target = Path(folder) / "register.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RopaUsageError(f"Chromium did not print the PDF within {timeout:.0f} s") from exc
        except OSError as exc:
            raise RopaUsageError(f"cannot start Chromium ({browser}): {exc}") from exc
        if not target.is_file() or target.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RopaUsageError(
                f"Chromium did not write the PDF (exit {done.returncode}): {' / '.join(tail)}"
            )
        return target.read_bytes()


# --- graph formats ----------------------------------------------------------------------------------


def graph_bytes(graph: Graph, fmt: str) -> bytes:
    """``graph`` as Turtle (``turtle``) or JSON-LD (``jsonld``, with the project's prefixes as context).

    Raises:
        ValueError: another format.
    """
    if fmt not in {"turtle", "jsonld"}:
        raise ValueError(f"not a graph format: {fmt!r}")
    ordered = sorted_graph(graph)
    if fmt == "turtle":
        return ordered.serialize(format="turtle").encode("utf-8")
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    document = json.loads(ordered.serialize(format="json-ld", context=context))
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
        # rdflib writes the node objects in the order of a Python set: sort them by their @id
        document["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True, ensure_ascii=False))
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sorted_graph(graph: Graph) -> Graph:
    """A copy of ``graph`` with its triples inserted in sorted order and the project's prefixes bound:
    rdflib's serialisers write nodes in the order they meet them, and a graph read from files or a store
    has no order of its own, so this is what makes the same graph give the same bytes."""
    ordered = bind_prefixes(Graph())
    for prefix, namespace in graph.namespaces():
        ordered.bind(prefix, namespace, override=False)
    for triple in sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())):
        ordered.add(triple)
    return ordered


def export_bytes(
    fmt: str,
    *,
    store: ox.Store | None = None,
    graph: Graph | None = None,
    title: str | None = None,
    source: str = "",
    chromium: str | None = None,
    lang: str = "en",
    findings: Sequence[Finding] | None = None,
) -> bytes:
    """One export as bytes. Tabular formats need ``store`` (holding the record and the ontology); the
    graph formats need ``graph``. ``lang`` (``en``, ``fi``) is the register's language; ``findings``, when
    given, are appended to HTML, PDF and XLSX (the CSV is the register alone). ``title`` defaults to
    the language's "Record of processing activities".

    Raises:
        RopaUsageError: an unknown format or language, a missing input, or a PDF Chromium cannot print.
    """
    if fmt not in EXPORT_FORMATS:
        raise RopaUsageError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    check_language(lang)
    if fmt in {"turtle", "jsonld"}:
        if graph is None:
            raise RopaUsageError(f"the {fmt} export needs the record's graph")
        return graph_bytes(graph, fmt)
    if store is None:
        raise RopaUsageError(f"the {fmt} export needs a store holding the record")
    reg = register(store, lang=lang)
    if fmt == "csv":
        return to_csv(reg)
    front = cover(store, lang=lang)
    if fmt == "xlsx":
        return to_xlsx(reg, title=title, source=source, front=front, findings=findings)
    page = to_html(reg, title=title, source=source, front=front, findings=findings)
    if fmt == "html":
        return page.encode("utf-8")
    return html_to_pdf(page, chromium=chromium)


def write_atomically(data: bytes, target: Path) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder, so that a failure never
    leaves a half-written file.

    Raises:
        RopaUsageError: the folder does not exist or cannot be written.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise RopaUsageError(f"{target}: the folder {folder} does not exist")
    temp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{target.name}.", delete=False) as handle:
            temp = Path(handle.name)
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(0o666 & ~umask)
        temp.replace(target)
    except OSError as exc:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise RopaUsageError(f"{target}: cannot write: {exc.strerror or exc}") from exc


__all__ = [
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "HEADINGS",
    "LANGUAGES",
    "MEDIA_TYPES",
    "REGISTER_COLUMNS",
    "REGISTER_COLUMNS_FI",
    "TEXTS",
    "Cover",
    "ExportFormat",
    "Register",
    "RegisterLanguage",
    "cell_lines",
    "check_language",
    "cover",
    "export_bytes",
    "export_date",
    "find_chromium",
    "findings_by_activity",
    "graph_bytes",
    "html_to_pdf",
    "period_words",
    "register",
    "register_table",
    "sorted_graph",
    "to_csv",
    "to_html",
    "to_xlsx",
    "write_atomically",
]
