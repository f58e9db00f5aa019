"""``ropa export``: the Art. 30 register (XLSX, CSV, HTML, PDF) or the graph (Turtle, JSON-LD) as a file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ropa_kg.app.cli.app import input_errors_exit_2, main, paths_argument
from ropa_kg.load.activities import require_activities
from ropa_kg.load.graph import load_graph
from ropa_kg.load.store import load_store, record_files
from ropa_kg.render.export import EXPORT_FORMATS, LANGUAGES, export_bytes, export_date, write_atomically


@main.command("export")
@paths_argument
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="xlsx", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output; xlsx and pdf need --output or a redirect).",
)
@click.option(
    "--title",
    default=None,
    help='Title of the register (default: "Record of processing activities", in Finnish '
    '"Seloste käsittelytoimista").',
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the register: headings, texts, and the record's labels in that language where it "
    "has them.",
)
@click.option(
    "--findings",
    "with_findings",
    is_flag=True,
    help="Append the validation findings per activity (html, pdf; xlsx: a Findings sheet), as of the "
    "export date.",
)
@input_errors_exit_2
def export(
    paths: tuple[str, ...], fmt: str, output: Path | None, title: str | None, lang: str, with_findings: bool
) -> None:
    """Export the record in PATHS (default: the bundled Alumeco record).

    xlsx, csv, html and pdf give the Art. 30 register (saved query art30-register, one row per
    activity, ICO-template-like columns); html, pdf and xlsx open with a cover (organisation, the
    record's version, date, owner and approval). turtle and jsonld give the record's triples. The file
    is written whole or not at all. Exit codes: 0 written, 2 bad input or usage.
    """
    if with_findings and fmt not in {"html", "pdf", "xlsx"}:
        raise click.UsageError(f"--findings is for html, pdf and xlsx, not {fmt}")
    data_paths = list(paths) or None
    files = record_files(data_paths, with_ontology=False)
    if fmt in {"turtle", "jsonld"}:
        graph = load_graph(data_paths, with_ontology=False)
        require_activities(graph, files=files)
        data = export_bytes(fmt, graph=graph)
    else:
        bundled = "pakattu Alumeco-rekisteri" if lang == "fi" else "the bundled Alumeco record"
        source = ", ".join(paths) if paths else bundled
        store = load_store(data_paths)
        require_activities(store, files=files)
        findings = None
        if with_findings:
            from ropa_kg.rules.validation import validate

            # judged as of the export date (SOURCE_DATE_EPOCH when set): the same record, the same bytes
            findings = validate(*(data_paths or []), store=store, today=export_date()).active
        data = export_bytes(fmt, store=store, title=title, source=source, lang=lang, findings=findings)
    if output is None:
        if fmt in {"xlsx", "pdf"} and sys.stdout.isatty():
            raise click.UsageError(f"{fmt} is binary: give --output FILE or redirect standard output")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomically(data, output)
    click.echo(f"wrote {output} ({len(data):,} bytes, {fmt})", err=True)


__all__ = [
    "export",
]
