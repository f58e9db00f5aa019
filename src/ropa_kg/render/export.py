"""The Art. 30 register and the graph as files for auditors: XLSX, CSV, HTML, PDF, Turtle, JSON-LD.

The register is the saved query ``art30-register`` (one row per activity); every tabular format shows
its rows under ICO-template-like column headings (:data:`REGISTER_COLUMNS`). Several values in one
cell (the query joins them with ``" | "``) become separate lines in XLSX and HTML. The graph formats
write the record's triples (without the project's ontology unless asked).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import get_args

import pyoxigraph as ox
from rdflib import Graph

from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.namespaces import PREFIXES, bind_prefixes
from ropa_kg.query.queries import execute_oxigraph, resolve
from ropa_kg.sparql.results import LIST_SEPARATOR, ResultTable, term_text

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

REGISTER_QUERY = "art30-register"

#: Where Debian installs Chromium (``make test`` installs it).
CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True)
class Register:
    """The register: headings and one row of display strings per activity (empty string: not stated)."""

    columns: tuple[str, ...]
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @classmethod
    def from_table(cls, table: ResultTable) -> Register:
        """Build from the ``art30-register`` result; unknown columns keep their variable name."""
        return cls(
            columns=table.columns,
            headings=tuple(REGISTER_COLUMNS.get(c, c) for c in table.columns),
            rows=tuple(tuple(term_text(cell) for cell in row) for row in table.rows),
        )

    def records(self) -> list[dict[str, str]]:
        """The rows as dictionaries keyed by the query's column names."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def register_table(store: ox.Store) -> ResultTable:
    """Run the saved ``art30-register`` query on ``store``.

    Raises:
        RopaInputError: the query file is missing or malformed.
    """
    return execute_oxigraph(resolve(REGISTER_QUERY), store, {})


def register(store: ox.Store) -> Register:
    """The register of the record in ``store`` (which should hold the project's ontology for labels)."""
    return Register.from_table(register_table(store))


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
    title: str = "Record of processing activities",
    source: str = "",
    date: dt.date | None = None,
) -> bytes:
    """The register as an XLSX workbook: sheet ``Register`` (heading row, one row per activity; list
    values one per line) and sheet ``About`` (title, source, date). Control characters, which XLSX cannot
    hold, are dropped from cell text. ``date`` (default :func:`export_date`) is the workbook's date, in
    the About sheet, its properties and its zip entries: the same register and date give the same bytes."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Register"
    sheet.append(list(reg.headings))
    for row in reg.rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", "\n".join(cell_lines(value))) for value in row])
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E79")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(reg.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 18 if column == "activity" else 34
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    about = book.create_sheet("About")
    about.append(["Title", title])
    about.append(["Source", source])
    day = date or export_date()
    about.append(["Generated", day.isoformat()])
    about.append(["Activities", len(reg.rows)])
    about.append(["Generated by", "ropa-kg (ropa export), query queries/art30-register.rq"])
    stamp = dt.datetime.combine(day, dt.time())
    book.properties.created = stamp
    out = io.BytesIO()
    book.save(out)
    return _reproducible_zip(out.getvalue(), stamp)


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
@media print { nav { page-break-after: always; } a { color: inherit; text-decoration: none; } }
"""


def to_html(
    reg: Register,
    *,
    title: str = "Record of processing activities",
    source: str = "",
    date: dt.date | None = None,
) -> str:
    """The register as one self-contained HTML page for printing: a contents list, then one section per
    activity with every column as a row; an empty field reads "not stated in the record"."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{_PRINT_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">GDPR Art. 30(1). Source: {esc(source or "the record")}. '
        f"Generated {(date or export_date()).isoformat()} by ropa-kg. "
        f"{len(reg.rows)} processing activities.</p>",
        "<nav><ol>",
    ]
    records = reg.records()
    for index, record in enumerate(records):
        parts.append(
            f'<li><a href="#a{index}">{esc(record.get("name") or record.get("activity", ""))}</a></li>'
        )
    parts.append("</ol></nav>")
    for index, record in enumerate(records):
        parts.append(f'<section class="activity" id="a{index}">')
        parts.append(f"<h2>{esc(record.get('name') or record.get('activity', ''))}</h2><table>")
        for column, heading in zip(reg.columns, reg.headings, strict=True):
            if column == "name":
                continue
            values = cell_lines(record[column])
            if not values:
                cell = '<td class="empty">not stated in the record</td>'
            elif len(values) == 1:
                cell = f"<td>{esc(values[0])}</td>"
            else:
                cell = "<td><ul>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ul></td>"
            parts.append(f"<tr><th>{esc(heading)}</th>{cell}</tr>")
        parts.append("</table></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


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
    title: str = "Record of processing activities",
    source: str = "",
    chromium: str | None = None,
) -> bytes:
    """One export as bytes. Tabular formats need ``store`` (holding the record and the ontology); the
    graph formats need ``graph``.

    Raises:
        RopaUsageError: an unknown format, a missing input, or a PDF Chromium cannot print.
    """
    if fmt not in EXPORT_FORMATS:
        raise RopaUsageError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    if fmt in {"turtle", "jsonld"}:
        if graph is None:
            raise RopaUsageError(f"the {fmt} export needs the record's graph")
        return graph_bytes(graph, fmt)
    if store is None:
        raise RopaUsageError(f"the {fmt} export needs a store holding the record")
    reg = register(store)
    if fmt == "csv":
        return to_csv(reg)
    if fmt == "xlsx":
        return to_xlsx(reg, title=title, source=source)
    page = to_html(reg, title=title, source=source)
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
    "MEDIA_TYPES",
    "REGISTER_COLUMNS",
    "ExportFormat",
    "Register",
    "cell_lines",
    "export_bytes",
    "export_date",
    "find_chromium",
    "graph_bytes",
    "html_to_pdf",
    "register",
    "register_table",
    "sorted_graph",
    "to_csv",
    "to_html",
    "to_xlsx",
    "write_atomically",
]
