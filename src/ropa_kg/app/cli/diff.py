"""``ropa diff OLD NEW``: what changed between two versions of a record, as a DPO reads it.

OLD and NEW are files or folders, or git revisions of the record (``HEAD~1``, ``main``, ``abc123``,
``REV:path/in/repo``): an argument that is not an existing path but a revision git knows is read from
that revision (``git archive`` into a temporary folder, removed afterwards).

Exit codes (those of ``diff``): 0 no change, 1 changes (activities, parties or findings), 2 bad input
or usage.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ropa_kg.app.cli.app import EXIT_FINDINGS, EXIT_OK, input_errors_exit_2, main
from ropa_kg.app.diff import diff_records
from ropa_kg.app.history import materialise, resolve_revision
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.render.diff import DIFF_FORMATS, render_diff
from ropa_kg.render.export import write_atomically

#: Exit code when the two records differ (as ``diff`` has it).
EXIT_CHANGES = EXIT_FINDINGS


def _record(stack: contextlib.ExitStack, text: str, record_path: str | None) -> tuple[str, str]:
    """(the path to read, its description) for an argument: an existing path, else a git revision
    materialised for as long as ``stack`` is open.

    Raises:
        RopaUsageError: neither an existing path nor a revision git knows.
    """
    if Path(text).exists():
        return text, text
    revision = resolve_revision(text, cwd=Path.cwd(), path=record_path)
    if revision is None:
        raise RopaUsageError(f"{text} is neither an existing file or folder nor a git revision")
    path = stack.enter_context(materialise(revision.root, revision.commit, revision.path))
    return str(path), revision.description


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--path",
    "record_path",
    default=None,
    metavar="PATH",
    help="With a git revision: the record's folder in the repository (default: the current folder "
    "when it holds record files, else data/alumeco).",
)
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here.")
@input_errors_exit_2
def diff_command(old: str, new: str, record_path: str | None, fmt: str, output: Path | None) -> None:
    """What changed from the record OLD to the record NEW: activities added and removed, each changed
    activity's fields (the register's: purposes, data subjects, personal data, recipients, transfers,
    retention, legal basis...) with the values added and removed, the parties' changes, and the
    findings new and fixed (both sides validated; findings matched by rule, focus node and value).

    OLD and NEW are files, folders or git revisions (HEAD~1, main, abc123, REV:path/in/repo).
    --format markdown fits a pull-request comment.

    Exit codes: 0 no change, 1 changes, 2 bad input or usage.
    """
    with contextlib.ExitStack() as stack:
        old_path, old_label = _record(stack, old, record_path)
        new_path, new_label = _record(stack, new, record_path)
        diff = diff_records([old_path], [new_path], old_label=old_label, new_label=new_label)
    text = render_diff(diff, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(text.encode("utf-8"), output)
    raise SystemExit(EXIT_CHANGES if diff.has_changes else EXIT_OK)


__all__ = ["EXIT_CHANGES", "diff_command"]
