"""``ropa generate``: write a synthetic DPV record of processing activities (for tests and benchmarks)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import cast

import click

from ropa_kg.app.cli.app import input_errors_exit_2, main
from ropa_kg.app.generate import OutputFormat, generate
from ropa_kg.core.errors import RopaUsageError


@main.command("generate")
@click.option(
    "--activities", type=click.IntRange(min=0), required=True, help="Number of processing activities."
)
@click.option(
    "--organisations",
    type=click.IntRange(min=1),
    default=None,
    help="Number of controllers (default: one per 25 activities).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; same seed, same record.")
@click.option(
    "--fault-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.1,
    show_default=True,
    help="Probability of each injected fault where it can apply.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here (atomically) instead of standard output.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["turtle", "ntriples"]), default="turtle", show_default=True
)
@click.option("--summary", is_flag=True, help="Print the injected fault counts (JSON) on standard error.")
@input_errors_exit_2
def generate_command(
    activities: int,
    organisations: int | None,
    seed: int,
    fault_rate: float,
    output: Path | None,
    fmt: str,
    summary: bool,
) -> None:
    """Write a synthetic record (docs/modelling.md) with faults injected at a known rate."""
    out_fmt = cast(OutputFormat, fmt)
    if output is None:
        result = generate(
            sys.stdout,
            activities=activities,
            organisations=organisations,
            seed=seed,
            fault_rate=fault_rate,
            fmt=out_fmt,
        )
    else:
        folder = output.resolve().parent
        if not folder.is_dir():
            raise RopaUsageError(f"{output}: the folder {folder} does not exist")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                result = generate(
                    handle,
                    activities=activities,
                    organisations=organisations,
                    seed=seed,
                    fault_rate=fault_rate,
                    fmt=out_fmt,
                )
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual mode
            os.replace(tmp_name, output)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    if summary:
        click.echo(json.dumps(asdict(result), indent=2), err=True)


__all__ = [
    "generate_command",
]
