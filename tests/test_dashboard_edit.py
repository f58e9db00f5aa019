"""The editing views under AppTest: an edit saved as a one-line Turtle change, the live findings, the
second of two sessions saving the same activity refused, a new party, the bundled record read-only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ropa_kg.core.namespaces import ALU, DPV
from ropa_kg.core.resources import alumeco_dir, dashboard_dir

APP = str(dashboard_dir() / "app.py")
CHAT = str(ALU.Chat)


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ropa-cache"))
    monkeypatch.setenv("ROPA_DASHBOARD_WORK", str(tmp_path_factory.getbasetemp() / "dashboard-work"))
    monkeypatch.delenv("ROPA_DASHBOARD_PATHS", raising=False)


@pytest.fixture
def record_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "alumeco"
    shutil.copytree(alumeco_dir(), target)
    monkeypatch.setenv("ROPA_DASHBOARD_PATHS", str(target))
    return target


def open_edit(page: str = "views/edit.py", **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(at: AppTest, kind: str, key: str):  # type: ignore[no-untyped-def]
    return next(w for w in getattr(at, kind) if w.key == key)


def test_an_edit_is_saved_as_a_one_line_change(record_copy: Path) -> None:
    before = (record_copy / "chat.ttl").read_text(encoding="utf-8")
    at = open_edit(id="alu:Chat")
    assert next(s for s in at.selectbox if s.label == "Activity").value == CHAT
    assert "Findings as you edit" in " ".join(s.value for s in at.subheader)
    purposes = widget(at, "multiselect", f"f:{CHAT}:purposes")
    purposes.unselect(str(DPV.CustomerCare)).select(str(DPV.ServiceProvision)).run()
    assert not at.exception, [e.value for e in at.exception]
    widget(at, "button", f"save:{CHAT}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = (record_copy / "chat.ttl").read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ["    dpv:hasPurpose dpv:CustomerCare ;  # s-chat-purpose"]
    assert added == ["    dpv:hasPurpose dpv:ServiceProvision ;"]
    assert any("Saved chat.ttl" in s.value for s in at.success)


def test_a_retention_period_clears_the_finding_as_you_type(record_copy: Path) -> None:
    at = open_edit(id="alu:Chat")
    page = " ".join(str(m.value) for m in at.markdown)
    assert "ROPA-A30-RETENTION" in page
    widget(at, "text_input", f"f:{CHAT}:retention").input("P1Y").run()
    page = " ".join(str(m.value) for m in at.markdown)
    assert "ROPA-A30-RETENTION" not in page
    widget(at, "text_input", f"f:{CHAT}:retention").input("one year").run()
    assert any("ISO 8601" in e.value for e in at.error)


def test_the_second_of_two_sessions_is_refused(record_copy: Path) -> None:
    first, second = open_edit(id="alu:Chat"), open_edit(id="alu:Chat")
    widget(first, "multiselect", f"f:{CHAT}:purposes").select(str(DPV.Marketing)).run()
    widget(second, "multiselect", f"f:{CHAT}:purposes").select(str(DPV.Advertising)).run()
    widget(first, "button", f"save:{CHAT}").click().run()
    saved = (record_copy / "chat.ttl").read_bytes()
    assert b"dpv:Marketing" in saved
    widget(second, "button", f"save:{CHAT}").click().run()
    assert not second.exception, [e.value for e in second.exception]
    errors = " ".join(e.value for e in second.error)
    assert "Not saved" in errors and "chat.ttl" in errors and "changed since" in errors
    assert (record_copy / "chat.ttl").read_bytes() == saved


def test_a_save_in_a_git_folder_is_a_commit_by_the_author(record_copy: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(record_copy), *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    git("init", "-q")
    git("-c", "user.name=Setup", "-c", "user.email=setup@example.org", "add", ".")
    git("-c", "user.name=Setup", "-c", "user.email=setup@example.org", "commit", "-qm", "The record")
    at = open_edit(id="alu:Chat")
    widget(at, "text_input", "author_name").input("Aino Virtanen").run()
    widget(at, "text_input", "author_email").input("aino@example.org").run()
    widget(at, "text_input", f"f:{CHAT}:retention").input("P2Y").run()
    widget(at, "button", f"save:{CHAT}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert git("log", "-1", "--format=%an <%ae>|%s").strip() == (
        "Aino Virtanen <aino@example.org>|Edit Website chat (alu:Chat) in the dashboard"
    )
    assert git("status", "--porcelain").strip() == ""


def test_parties_view_edits_a_party(record_copy: Path) -> None:
    at = open_edit("views/parties.py")
    widget(at, "selectbox", "party").set_value(str(ALU.Netop)).run()
    assert widget(at, "text_input", f"f:{ALU.Netop}:name").value == "Netop Business Solutions A/S"
    widget(at, "checkbox", f"f:{ALU.Netop}:agreement").check().run()
    widget(at, "button", f"save:{ALU.Netop}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = (record_copy / "external.ttl").read_text(encoding="utf-8")
    assert "alu:Netop-Agreement" in text and "dpv:DataProcessingAgreement" in text


def test_the_bundled_record_is_read_only_with_a_copy_offered() -> None:
    at = open_edit()
    assert any("cannot be edited here" in i.value for i in at.info)
    assert widget(at, "button", "copy_record") is not None
