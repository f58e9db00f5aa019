"""Git history of a record (:mod:`ropa_kg.app.history`) and the dashboard's History view, on a temporary
repository holding a copy of the Alumeco record: four commits by two authors (the record; Chat's purpose
changed and a Newsletter added; a README only; a recipient of the customer relations removed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ropa_kg.app.history import (
    activity_files,
    activity_history,
    commit_files,
    is_repository,
    record_history,
    resolve_revision,
)
from ropa_kg.core.errors import RopaUsageError
from ropa_kg.core.resources import alumeco_dir, dashboard_dir
from ropa_kg.render.diff import FieldChange

ALU = "https://w3id.org/ropa-kg/data/alumeco#"
NEWSLETTER = """@prefix alu: <https://w3id.org/ropa-kg/data/alumeco#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

alu:Newsletter a dpv:Process ;
    skos:prefLabel "Newsletter"@en ;
    dpv:hasDataController alu:Alumeco ;
    dpv:hasPurpose dpv:Marketing .
"""
ANN = {"GIT_AUTHOR_NAME": "Ann Author", "GIT_AUTHOR_EMAIL": "ann@example.org"}
BO = {"GIT_AUTHOR_NAME": "Bo Editor", "GIT_AUTHOR_EMAIL": "bo@example.org"}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    git(path, "config", "user.name", "Committer")
    git(path, "config", "user.email", "committer@example.org")
    return path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = new_repo(tmp_path_factory.mktemp("history") / "repo")
    folder = repo / "record"
    shutil.copytree(alumeco_dir(), folder)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "The Alumeco record", env=ANN)
    _replace(
        folder / "chat.ttl",
        "dpv:hasPurpose dpv:CustomerCare ;",
        "dpv:hasPurpose dpv:CommunicationManagement ;",
    )
    (folder / "newsletter.ttl").write_text(NEWSLETTER, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Chat is communication; a newsletter", env=BO)
    (repo / "README.md").write_text("notes\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "README only", env=ANN)
    customers = folder / "customers.ttl"
    _replace(customers, "    dpv:hasRecipient alu:PublicAuthorities ;  # s-cust-disclosure\n", "")
    git(repo, "commit", "-q", "-am", "No disclosure to public authorities", env=ANN)
    return folder


def test_is_repository(record: Path, tmp_path: Path) -> None:
    assert is_repository(record) and is_repository(record / "chat.ttl")
    assert not is_repository(tmp_path)
    assert not is_repository(tmp_path / "missing")


def test_record_history(record: Path) -> None:
    commits = record_history(record)
    assert [(c.message, c.author, c.email) for c in commits] == [
        ("No disclosure to public authorities", "Ann Author", "ann@example.org"),
        ("Chat is communication; a newsletter", "Bo Editor", "bo@example.org"),
        ("The Alumeco record", "Ann Author", "ann@example.org"),
    ]  # the README-only commit touches no record file
    assert commits[0].files == ("record/customers.ttl",)
    assert commits[1].files == ("record/chat.ttl", "record/newsletter.ttl")
    assert len(commits[2].files) == 9 and all(f.endswith(".ttl") for f in commits[2].files)
    assert commits[0].date[:4].isdigit() and "T" in commits[0].date  # ISO 8601
    assert [c.message for c in record_history(record, limit=1)] == ["No disclosure to public authorities"]
    with pytest.raises(RopaUsageError, match="limit must be at least 1"):
        record_history(record, limit=0)


def test_activity_history(record: Path) -> None:
    chat = f"{ALU}Chat"
    assert [p.name for p in activity_files(record, chat)] == ["chat.ttl", "external.ttl"]
    history = activity_history(record, chat)
    assert [(h.commit.message, h.status) for h in history] == [
        ("Chat is communication; a newsletter", "changed"),
        ("The Alumeco record", "added"),
    ]  # the customers' commit does not touch the files that define the chat
    assert history[0].fields == (
        FieldChange("purposes", "Purposes of processing", ("Communication Management",), ("Customer Care",)),
    )
    added = {f.field: f for f in history[1].fields}
    assert added["purposes"].added == ("Customer Care", "statistics") and added["purposes"].removed == ()
    assert added["recipients"].added == ("Netop Business Solutions A/S (processor)",)
    newsletter = activity_history(record, f"{ALU}Newsletter")
    assert [(h.commit.author, h.status) for h in newsletter] == [("Bo Editor", "added")]
    customers = activity_history(record, f"{ALU}CustomerRelations", limit=1)
    assert [h.commit.message for h in customers] == ["No disclosure to public authorities"]
    assert customers[0].fields == (
        FieldChange("recipients", "Categories of recipients", (), ("Public authorities (recipient)",)),
    )


def test_resolve_revision(record: Path, tmp_path: Path) -> None:
    revision = resolve_revision("HEAD~1:record/chat.ttl", cwd=record)
    assert revision is not None and (revision.rev, revision.path) == ("HEAD~1", "record/chat.ttl")
    plain = resolve_revision("HEAD", cwd=record)
    assert plain is not None and plain.path == "record"  # the current folder holds the record
    assert plain.commit == git(record, "rev-parse", "HEAD").strip()
    at_root = resolve_revision("HEAD~1", cwd=record.parent)
    assert at_root is not None and at_root.path == "data/alumeco"  # no record file at the top: the default
    named = resolve_revision("HEAD~1", cwd=record.parent, path="record/")
    assert named is not None and (named.path, named.description) == ("record", "HEAD~1:record")
    assert resolve_revision("no-such-branch", cwd=record) is None
    assert resolve_revision("HEAD", cwd=tmp_path) is None


@pytest.fixture
def small_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # no global or system identity: the committer is the given author
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "small"
    repo.mkdir()
    git(repo, "init", "-q")
    for name in ("a.ttl", "b.ttl", "c.ttl"):
        (repo / name).write_text(f"# {name}\n", encoding="utf-8")
    git(repo, "add", ".")
    git(
        repo,
        "commit",
        "-q",
        "-m",
        "start",
        env={**ANN, "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@x"},
    )
    return repo


def test_commit_files_commits_exactly_those_paths(small_repo: Path) -> None:
    (small_repo / "a.ttl").write_text("# a changed\n", encoding="utf-8")
    (small_repo / "b.ttl").write_text("# b changed, not committed\n", encoding="utf-8")
    (small_repo / "c.ttl").write_text("# c staged, not committed\n", encoding="utf-8")
    git(small_repo, "add", "c.ttl")
    (small_repo / "new.ttl").write_text("# new\n", encoding="utf-8")
    sha = commit_files(
        small_repo,
        [small_repo / "a.ttl", "new.ttl"],
        author_name="Eve Dashboard",
        author_email="eve@example.org",
        message="Edited in the dashboard",
    )
    assert sha == git(small_repo, "rev-parse", "HEAD").strip()
    assert git(small_repo, "show", "--format=%an <%ae>|%cn|%s", "--name-only", sha).splitlines() == [
        "Eve Dashboard <eve@example.org>|Eve Dashboard|Edited in the dashboard",
        "",
        "a.ttl",
        "new.ttl",
    ]
    # the other changes are left as they were: b modified, c staged
    assert sorted(git(small_repo, "status", "--porcelain").splitlines()) == [" M b.ttl", "M  c.ttl"]


def test_commit_files_errors(small_repo: Path, tmp_path: Path) -> None:
    who = {"author_name": "Eve", "author_email": "eve@example.org", "message": "m"}
    with pytest.raises(RopaUsageError, match="is not in a git repository"):
        commit_files(tmp_path / "elsewhere", ["x.ttl"], **who)
    outside = tmp_path / "outside.ttl"
    outside.write_text("# outside\n", encoding="utf-8")
    with pytest.raises(RopaUsageError, match="is not in the repository"):
        commit_files(small_repo, [outside], **who)
    with pytest.raises(RopaUsageError, match="git commit failed"):
        commit_files(small_repo, ["a.ttl"], **who)  # nothing changed
    with pytest.raises(RopaUsageError, match="needs an author name"):
        commit_files(small_repo, ["a.ttl"], author_name=" ", author_email="e@x", message="m")


# --------------------------------------------------------------------------------------------------
# the History view


@pytest.fixture
def dashboard_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    yield


def open_history() -> AppTest:
    at = AppTest.from_file(str(dashboard_dir() / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/history.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_history_view(record: Path, dashboard_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(record))
    at = open_history()
    assert [t.value for t in at.title] == ["History"]
    (table,) = at.dataframe
    frame = table.value
    assert list(frame["message"]) == [
        "No disclosure to public authorities",
        "Chat is communication; a newsletter",
        "The Alumeco record",
    ]
    assert list(frame["who"])[1] == "Bo Editor <bo@example.org>"
    assert list(frame["files"])[1] == "record/chat.ttl, record/newsletter.ttl"
    picker = at.selectbox(key="history_activity")
    assert picker.value == f"{ALU}Chat"
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "**Purposes of processing**: added Communication Management; removed Customer Care" in shown
    assert "Bo Editor <bo@example.org>" in shown
    picker.set_value(f"{ALU}CustomerRelations").run()
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "**Categories of recipients**: removed Public authorities (recipient)" in shown


def test_history_view_outside_a_repository(
    tmp_path: Path, dashboard_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "alumeco"
    shutil.copytree(alumeco_dir(), copy)
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(copy))
    at = open_history()
    assert [i.value for i in at.info] == [
        f"The record folder {copy} is not a git repository, so it has no history to show. "
        "Keep the record's files in a git repository (git init) to see who changed what and when."
    ]
    assert not at.dataframe
