"""``ropa import``: a spreadsheet register (the tool's own export or the ICO template) as a Turtle record.

Exit codes: 0 imported (and no finding at or above ``--fail-on``); 1 imported, with findings at or above
``--fail-on``; 2 bad input (an unreadable or malformed spreadsheet, a non-empty ``--output``): nothing
is written.
"""

from __future__ import annotations

from pathlib import Path

import click

from ropa_kg.app.cli.app import EXIT_FINDINGS, EXIT_OK, input_errors_exit_2, main
from ropa_kg.app.importer import DEFAULT_BASE, DEFAULT_PREFIX, import_spreadsheet, render_report
from ropa_kg.core.findings import Severity

FAIL_ON = ("never", "info", "warning", "violation")


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the record into (must be empty or not exist).",
)
@click.option(
    "--base", default=DEFAULT_BASE, show_default=True, help="Namespace of the IRIs the import mints."
)
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Turtle prefix of --base.")
@click.option(
    "--language", default="en", show_default=True, help='Language tag of the labels written ("" for none).'
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON, case_sensitive=False),
    default="never",
    show_default=True,
    help="Exit 1 when the written record has a finding at or above this severity.",
)
@input_errors_exit_2
def import_(file: Path, output: Path, base: str, prefix: str, language: str, fmt: str, fail_on: str) -> None:
    """Import FILE (.xlsx or .csv): the register `ropa export` writes, or the ICO's ROPA template.

    Writes one Turtle file per activity and record.ttl (controller, parties, shared terms) into
    --output, all or none, then reports what each cell mapped to (DPV terms, the record's own nodes,
    new terms, notes) and the findings of the written record (docs/import.md).

    \b
    Exit codes:
      0  imported, no finding at or above --fail-on (default: never fail on findings)
      1  imported, with findings at or above --fail-on
      2  bad input (unreadable file, no Register/Template sheet, missing activity name column,
         merged heading, duplicate activity ID) or --output not empty: nothing written
    """
    report = import_spreadsheet(file, output, base=base, prefix=prefix, language=language)
    click.echo(render_report(report, fmt), nl=False)
    threshold = None if fail_on.lower() == "never" else Severity.parse(fail_on)
    raise SystemExit(EXIT_FINDINGS if report.findings.failing(threshold) else EXIT_OK)


__all__ = [
    "import_",
]
