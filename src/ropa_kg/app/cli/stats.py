"""``ropa stats``: load a record and say what is in it."""

from __future__ import annotations

import dataclasses
import json

import click

from ropa_kg.app.cli.app import input_errors_exit_2, main, paths_argument
from ropa_kg.load.activities import require_activities
from ropa_kg.load.store import load_store, record_files, record_stats


@main.command()
@paths_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@input_errors_exit_2
def stats(paths: tuple[str, ...], fmt: str) -> None:
    """Load ontology + record (default: the bundled Alumeco record) and count what it holds."""
    store = load_store(list(paths) or None)
    require_activities(store, files=record_files(list(paths) or None, with_ontology=False))
    counts = record_stats(store)
    if fmt == "json":
        click.echo(json.dumps(dataclasses.asdict(counts), indent=2))
        return
    for field in dataclasses.fields(counts):
        click.echo(f"{field.name.replace('_', ' '):<26}{getattr(counts, field.name):>8}")


__all__ = [
    "stats",
]
