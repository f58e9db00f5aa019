"""Saving the editor's changes: which files of a record may be written, the plan of a change (its
preview), and writing it (optionally as a git commit by the DPO).

A record is editable when it was loaded from Turtle files on disk (``ropa dashboard FOLDER``): the
bundled record, uploads and endpoint snapshots are copies the DPO would lose, so they are refused with a
message that says how to edit a copy (:func:`copy_record`). The writing itself (surgical Turtle patches,
atomic writes, refusing a save over a file changed since it was opened) is
:mod:`ropa_kg.render.turtle_edit`'s; this module picks the files and the folder and adds the commit.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ropa_kg.app.editor import node_ref
from ropa_kg.app.record import Record
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.load.graph import ontology_files
from ropa_kg.render.turtle_edit import Edit, SavePlan, apply_plan, file_versions, plan_save

TURTLE = ".ttl"


@dataclass(frozen=True)
class Workspace:
    """Where a record's edits go: its folder (new files are written there) and its Turtle files."""

    folder: Path
    files: tuple[Path, ...]

    def versions(self) -> dict[Path, str]:
        """The sha256 of each file now: what an editing session remembers when it opens an activity."""
        return file_versions(self.files)


@dataclass(frozen=True)
class Author:
    """Who saves: the name and e-mail a git commit carries."""

    name: str
    email: str


@dataclass(frozen=True)
class Saved:
    """What a save wrote: the files (relative to the folder) and the commit, when one was made."""

    files: tuple[str, ...]
    commit: str = ""


def workspace(record: Record) -> Workspace:
    """The record's workspace.

    Raises:
        RopaUsageError: the record is the bundled one, or not loaded from Turtle files in one folder.
    """
    if not record.paths:
        raise RopaUsageError(
            "the bundled record is read-only here: copy it to a folder (below) and edit the copy"
        )
    ontology = {p.resolve() for p in ontology_files()}
    own = tuple(sorted(p for p in record.files if p.resolve() not in ontology))
    others = [p for p in own if p.suffix != TURTLE]
    if others:
        raise RopaUsageError(f"only Turtle records can be edited; {others[0].name} is not Turtle (.ttl)")
    first = Path(record.paths[0])
    folder = first if first.is_dir() else first.parent
    return Workspace(folder=folder, files=own)


def folder_workspace(folder: Path) -> Workspace:
    """The workspace of a folder that holds no record yet (a new record is written there).

    Raises:
        RopaUsageError: the folder exists and holds Turtle files already.
    """
    existing = sorted(folder.glob(f"*{TURTLE}")) if folder.is_dir() else []
    if existing:
        raise RopaUsageError(f"{folder} already holds a record ({existing[0].name}); open it instead")
    return Workspace(folder=folder, files=())


def plan(
    space: Workspace,
    edit: Edit,
    *,
    versions: Mapping[Path, str] | None = None,
    near: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> SavePlan:
    """The files ``edit`` changes and their new bytes (:func:`~ropa_kg.render.turtle_edit.plan_save`);
    triples about new things go into the file of ``near`` (the activity being edited); a new file
    declares ``prefixes`` (a new record's own) where the record's files declare none for a namespace."""
    return plan_save(
        edit,
        files=list(space.files),
        folder=space.folder,
        new_file_for=node_ref(near) if near else None,
        versions=versions,
        prefixes=prefixes,
    )


def save(space: Workspace, change: SavePlan, *, author: Author | None = None, message: str = "") -> Saved:
    """Write ``change``; with ``author``, commit exactly the files it wrote in the folder's git repository.

    Raises:
        SaveConflictError: a file changed since the plan's versions (nothing is written).
        RopaUsageError: a file cannot be written, or git cannot commit.
    """
    space.folder.mkdir(parents=True, exist_ok=True)
    apply_plan(change)
    written = tuple(sorted(str(c.path.relative_to(space.folder)) for c in change.changes))
    if author is None or not change.changes:
        return Saved(written)
    from ropa_kg.app.history import commit_files

    sha = commit_files(
        space.folder,
        [c.path for c in change.changes],
        author_name=author.name,
        author_email=author.email,
        message=message or "Edit the record in the dashboard",
    )
    return Saved(written, sha)


def copy_record(files: Sequence[Path], target: Path) -> Path:
    """Copy a record's Turtle files into ``target`` (a new or empty folder), for editing a copy.

    Raises:
        RopaUsageError: ``target`` holds files already.
    """
    if target.exists() and any(target.iterdir()):
        raise RopaUsageError(f"{target} is not empty: choose a new folder for the copy")
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy2(path, target / path.name)
    return target


__all__ = [
    "Author",
    "Saved",
    "Workspace",
    "copy_record",
    "folder_workspace",
    "plan",
    "save",
    "workspace",
]
