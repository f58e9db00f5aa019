"""A record's git history: who changed what and when, per record and per activity; committing an edit.

Everything runs the local ``git`` command (subprocess, with a timeout, never the network: no fetch, no
remote), with the caller's git environment variables that would redirect it (``GIT_DIR``...) removed.

* :func:`record_history`: the commits touching the record's files (who, when, message, files).
* :func:`activity_history`: the commits that changed one activity, each with the field changes
  (:func:`ropa_kg.app.diff.activity_changes` between the commit and its parent). Bounded: only the
  files that mention the activity today, only the last ``limit`` commits touching them.
* :func:`commit_files`: commit exactly the given paths with the given author (the dashboard's editor
  calls it after a save).
* :func:`resolve_revision` and :func:`materialise`: a revision's record files in a temporary folder
  (``git archive``), for ``ropa diff HEAD~1 .``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ropa_kg.app.diff import RecordSide, activity_changes, read_side
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.resources import alumeco_dir
from ropa_kg.load.graph import FORMATS, collect_files, declared_prefixes
from ropa_kg.render.diff import FieldChange

#: Seconds any one git command may take.
GIT_TIMEOUT = 30.0
#: The record folder of ``ropa diff REV`` when the current folder holds no record file.
DEFAULT_RECORD_PATH = "data/alumeco"
#: Environment variables that would point git at another repository, index or work tree.
_GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")
_FIELD, _RECORD = "\x1f", "\x1e"


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_REDIRECTS}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", **(extra or {})})
    return env


def _git(folder: Path, *args: str, extra_env: dict[str, str] | None = None) -> bytes:
    """Run ``git -C folder args`` and return its standard output.

    Raises:
        RopaUsageError: git is missing, fails (its message) or takes longer than :data:`GIT_TIMEOUT`.
    """
    command = ["git", "-C", str(folder), "-c", "core.quotepath=off", *args]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=GIT_TIMEOUT, env=_env(extra_env), check=False
        )
    except FileNotFoundError as exc:
        raise RopaUsageError("the git command is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise RopaUsageError(f"git {args[0]} took longer than {GIT_TIMEOUT:.0f} s in {folder}") from exc
    if done.returncode != 0:
        message = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise RopaUsageError(
            f"git {args[0]} failed in {folder}: {message[-1] if message else done.returncode}"
        )
    return done.stdout


def _text(folder: Path, *args: str) -> str:
    return _git(folder, *args).decode("utf-8", "replace")


def _existing_folder(path: Path | str) -> Path:
    folder = Path(path)
    return folder if folder.is_dir() else folder.parent


def is_repository(folder: Path | str) -> bool:
    """True when ``folder`` (or a file's folder) is inside a git work tree (and git is installed)."""
    try:
        return _text(_existing_folder(folder), "rev-parse", "--is-inside-work-tree").strip() == "true"
    except RopaUsageError:
        return False


def repository_root(folder: Path | str) -> Path:
    """The top folder of the work tree holding ``folder``.

    Raises:
        RopaUsageError: ``folder`` is not in a git repository (or git fails).
    """
    start = _existing_folder(folder)
    if not start.exists() or not is_repository(start):
        raise RopaUsageError(f"{folder} is not in a git repository")
    return Path(_text(start, "rev-parse", "--show-toplevel").strip())


@dataclass(frozen=True)
class Commit:
    """One commit: its hash, author, author date (ISO 8601), subject and the record files it changed
    (paths relative to the repository's top folder, sorted)."""

    sha: str
    author: str
    email: str
    date: str
    message: str
    files: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.sha[:10]


@dataclass(frozen=True)
class ActivityCommit:
    """A commit that changed an activity: ``added``, ``removed`` or ``changed``, and how its fields
    changed (values added and removed)."""

    commit: Commit
    status: str
    fields: tuple[FieldChange, ...]


def _pathspecs(root: Path, folder: Path) -> list[str]:
    """Git pathspecs for the RDF files under ``folder`` (the record's files)."""
    relative = folder.resolve().relative_to(root.resolve()).as_posix()
    base = "" if relative == "." else relative.rstrip("/") + "/"
    return [f":(glob){base}**/*{suffix}" for suffix in sorted(FORMATS)]


def _log(root: Path, specs: Sequence[str], *, limit: int) -> list[Commit]:
    if limit < 1:
        raise RopaUsageError(f"limit must be at least 1, not {limit}")
    fmt = _RECORD + _FIELD.join(["%H", "%an", "%ae", "%aI", "%s"])
    output = _text(root, "log", f"-n{limit}", f"--format={fmt}", "--name-only", "--", *specs)
    commits: list[Commit] = []
    for chunk in output.split(_RECORD)[1:]:
        head, _, names = chunk.partition("\n")
        sha, author, email, date, message = head.split(_FIELD, 4)
        files = tuple(sorted(n for n in names.splitlines() if n.strip()))
        commits.append(Commit(sha, author, email, date, message, files))
    return commits


def record_history(folder: Path | str, *, limit: int = 50) -> list[Commit]:
    """The last ``limit`` commits (newest first) touching the RDF files under ``folder``.

    Raises:
        RopaUsageError: ``folder`` is not in a git repository, git fails, or ``limit`` is below 1.
    """
    root = repository_root(folder)
    return _log(root, _pathspecs(root, _existing_folder(folder)), limit=limit)


def _names(iri: str, path: Path) -> set[str]:
    """How ``path`` may write ``iri``: in angle brackets, or as a prefixed name with its prefixes."""
    names = {f"<{iri}>"}
    try:
        prefixes = declared_prefixes([path]) if path.suffix.lower() in (".ttl", ".trig") else {}
    except (OSError, ValueError):  # an unreadable file mentions nothing
        prefixes = {}
    for prefix, namespace in prefixes.items():
        local = iri[len(namespace) :]
        if namespace and iri.startswith(namespace) and re.fullmatch(r"[\w.-]+", local):
            names.add(f"{prefix}:{local}")
    return names


def activity_files(folder: Path | str, iri: str) -> list[Path]:
    """The record files under ``folder`` (as they are now) that mention the activity ``iri``."""
    found = []
    for path in collect_files([_existing_folder(folder)]):
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(re.search(re.escape(name) + r"(?![\w-])", text) for name in _names(iri, path)):
            found.append(path)
    return found


def activity_history(folder: Path | str, iri: str, *, limit: int = 10) -> list[ActivityCommit]:
    """The commits (newest first) among the last ``limit`` touching the files that mention the
    activity ``iri`` in which the activity changed, each with its field changes against the parent
    commit (the whole record folder is read at both, without validating).

    Raises:
        RopaUsageError: ``folder`` is not in a git repository, git fails, or ``limit`` is below 1.
        RopaInputError: a revision's record cannot be parsed.
    """
    root = repository_root(folder)
    record = _existing_folder(folder).resolve().relative_to(root.resolve()).as_posix()
    files = [p.resolve().relative_to(root.resolve()).as_posix() for p in activity_files(folder, iri)]
    if not files:
        return []
    sides: dict[str, RecordSide] = {}
    out: list[ActivityCommit] = []
    for commit in _log(root, files, limit=limit):
        parent = _parent(root, commit.sha)
        old = _side(root, parent, record, sides) if parent else RecordSide(description="(none)")
        new = _side(root, commit.sha, record, sides)
        in_old, in_new = iri in old.register, iri in new.register
        fields = activity_changes(old, new, iri) if (in_old or in_new) else ()
        if fields:
            status = "changed" if in_old and in_new else "added" if in_new else "removed"
            out.append(ActivityCommit(commit=commit, status=status, fields=fields))
    return out


def _parent(root: Path, sha: str) -> str | None:
    parents = _text(root, "rev-list", "--parents", "-n1", sha).split()
    return parents[1] if len(parents) > 1 else None


def _side(root: Path, rev: str, record: str, cache: dict[str, RecordSide]) -> RecordSide:
    """The record folder ``record`` at ``rev`` (cached by its tree), read without validating."""
    try:
        tree = _text(root, "rev-parse", f"{rev}:{record}" if record != "." else f"{rev}^{{tree}}").strip()
    except RopaUsageError:  # the folder does not exist at that revision
        return RecordSide(description=f"{rev[:10]}:{record}")
    if tree not in cache:
        with materialise(root, rev, record) as path:
            paths = [path] if collect_files_or_none(path) else []
            cache[tree] = read_side(paths, description=f"{rev[:10]}:{record}", with_findings=False)
    return cache[tree]


def collect_files_or_none(path: Path) -> list[Path]:
    """The RDF files under ``path``, or none when there are none (instead of an error)."""
    if path.is_dir():
        return [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in FORMATS]
    return [path] if path.is_file() and path.suffix.lower() in FORMATS else []


# --------------------------------------------------------------------------------------------------
# what the dashboard's History view shows


def record_folder(paths: Sequence[Path | str]) -> Path:
    """The folder a record's history is read from: the folder holding its files (their common folder;
    no paths: the bundled Alumeco record's)."""
    if not paths:
        return alumeco_dir()
    return Path(os.path.commonpath([_existing_folder(Path(p)).resolve() for p in paths]))


def head_commit(folder: Path | str) -> str:
    """The hash of the commit checked out in the repository holding ``folder`` ("" before the first
    commit or outside a repository): what a cached history depends on."""
    try:
        return _text(_existing_folder(folder), "rev-parse", "--verify", "--quiet", "HEAD").strip()
    except RopaUsageError:
        return ""


def history_rows(commits: Sequence[Commit]) -> list[dict[str, str]]:
    """The History table: one row per commit (when, who, message, files, commit)."""
    return [
        {
            "when": c.date,
            "who": f"{c.author} <{c.email}>",
            "message": c.message,
            "files": ", ".join(c.files),
            "commit": c.short,
        }
        for c in commits
    ]


def change_lines(fields: Sequence[FieldChange]) -> list[str]:
    """Markdown list items for field changes: ``**Purposes of processing**: added X; removed Y``."""
    lines = []
    for change in fields:
        parts = []
        if change.added:
            parts.append("added " + ", ".join(change.added))
        if change.removed:
            parts.append("removed " + ", ".join(change.removed))
        lines.append(f"- **{change.label}**: {'; '.join(parts)}")
    return lines


# --------------------------------------------------------------------------------------------------
# revisions as folders


@dataclass(frozen=True)
class Revision:
    """A record at a git revision: the repository's top folder, the commit and the record's path in it."""

    root: Path
    rev: str
    commit: str
    path: str

    @property
    def description(self) -> str:
        return f"{self.rev}:{self.path}"


def default_record_path(cwd: Path) -> str:
    """The record folder of ``ropa diff REV`` (relative to the repository's top folder): the current
    folder when it holds record files itself (not only in sub-folders), else
    :data:`DEFAULT_RECORD_PATH`."""
    root = repository_root(cwd)
    if any(p.is_file() and p.suffix.lower() in FORMATS for p in cwd.iterdir()):
        return cwd.resolve().relative_to(root.resolve()).as_posix()
    return DEFAULT_RECORD_PATH


def resolve_revision(text: str, *, cwd: Path, path: str | None = None) -> Revision | None:
    """The revision ``text`` names (``HEAD~1``, ``main``, ``abc123`` or ``REV:path/in/repo``) in the
    repository holding ``cwd``; None when ``cwd`` is not in a repository or git does not know it.
    A path is relative to the repository's top folder (``path``, else :func:`default_record_path`)."""
    if not is_repository(cwd):
        return None
    rev, sep, inner = text.partition(":")
    candidates = [(rev, inner)] if sep and rev else []
    candidates.append((text, ""))
    for name, where in candidates:
        try:
            commit = _text(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}")
        except RopaUsageError:
            continue
        root = repository_root(cwd)
        record = (where or path or default_record_path(cwd)).strip("/") or "."
        return Revision(root=root, rev=name, commit=commit.strip(), path=record)
    return None


@contextlib.contextmanager
def materialise(root: Path, rev: str, record: str) -> Iterator[Path]:
    """The files of ``record`` (a folder or file in the repository) at ``rev`` in a temporary folder,
    removed afterwards; yields the record's path there.

    Raises:
        RopaUsageError: git fails (for instance the path does not exist at that revision).
    """
    spec = [] if record == "." else ["--", record]
    archive = _git(root, "archive", "--format=tar", rev, *spec)
    with tempfile.TemporaryDirectory(prefix="ropa-rev-") as temp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(temp, filter="data")
        yield Path(temp) / record


# --------------------------------------------------------------------------------------------------
# committing


def commit_files(
    folder: Path | str, paths: Sequence[Path | str], *, author_name: str, author_email: str, message: str
) -> str:
    """Commit exactly ``paths`` (new, changed or deleted files; relative ones are taken from
    ``folder``; nothing else that is staged) in the repository holding ``folder``, with that author
    (also the committer when the repository has no ``user.email``); returns the new commit's hash.
    Hooks run as for any commit.

    Raises:
        RopaUsageError: an empty author, e-mail or message; ``folder`` is not in a git repository; a
            path is outside it; or git fails (for instance nothing changed in those paths).
    """
    if not author_name.strip() or not author_email.strip() or not message.strip():
        raise RopaUsageError("a commit needs an author name, an author e-mail and a message")
    if not paths:
        raise RopaUsageError("no file to commit")
    root = repository_root(folder).resolve()
    relative: list[str] = []
    for path in paths:
        full = Path(path) if Path(path).is_absolute() else Path(folder) / path
        try:
            relative.append(full.resolve().relative_to(root).as_posix())
        except ValueError as exc:
            raise RopaUsageError(f"{path} is not in the repository {root}") from exc
    identity = {"GIT_AUTHOR_NAME": author_name.strip(), "GIT_AUTHOR_EMAIL": author_email.strip()}
    try:
        _text(root, "config", "user.email")
    except RopaUsageError:  # no committer configured: the author commits
        identity |= {"GIT_COMMITTER_NAME": author_name.strip(), "GIT_COMMITTER_EMAIL": author_email.strip()}
    _git(root, "add", "--all", "--", *relative)
    _git(root, "commit", "--quiet", "-m", message, "--only", "--", *relative, extra_env=identity)
    return _text(root, "rev-parse", "HEAD").strip()


__all__ = [
    "DEFAULT_RECORD_PATH",
    "GIT_TIMEOUT",
    "ActivityCommit",
    "Commit",
    "Revision",
    "activity_files",
    "activity_history",
    "change_lines",
    "collect_files_or_none",
    "commit_files",
    "default_record_path",
    "head_commit",
    "history_rows",
    "is_repository",
    "materialise",
    "record_folder",
    "record_history",
    "repository_root",
    "resolve_revision",
]
