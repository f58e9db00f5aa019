"""``ropa diff`` and ``ropa validate --baseline``: the bundled Alumeco record against a copy with one
purpose changed, a recipient removed, a party's country changed, an activity added and one deleted; the
exact values added and removed, the findings new and fixed, the three formats, git revisions, baselines.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ropa_kg.app.cli import main
from ropa_kg.app.diff import RecordSide, diff_sides, read_side
from ropa_kg.core.resources import alumeco_dir
from ropa_kg.render.diff import ActivityRef, FieldChange, RecordDiff, render_diff

ALU = "https://w3id.org/ropa-kg/data/alumeco#"

NEWSLETTER = """@prefix alu: <https://w3id.org/ropa-kg/data/alumeco#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix pd: <https://w3id.org/dpv/pd#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

alu:Newsletter a dpv:Process ;
    skos:prefLabel "Newsletter"@en ;
    dpv:hasDataController alu:Alumeco ;
    dpv:hasNotice alu:PrivacyPolicy ;
    dpv:hasPurpose dpv:Marketing ;
    dpv:hasDataSubject dpv:Customer ;
    dpv:hasPersonalData pd:EmailAddress .
"""


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def modify(record: Path) -> None:
    """Chat's purpose Customer Care becomes Communication Management; Public authorities are no longer a
    recipient of the customer relations; Netop moves to Sweden; Newsletter is added; Web shop deleted."""
    chat = record / "chat.ttl"
    _replace(chat, "dpv:hasPurpose dpv:CustomerCare ;", "dpv:hasPurpose dpv:CommunicationManagement ;")
    _replace(
        record / "external.ttl",
        "    dpv:hasCountry loc:DK ;  # x-netop",
        "    dpv:hasCountry loc:SE ;  # x-netop",
    )
    _replace(
        record / "customers.ttl", "    dpv:hasRecipient alu:PublicAuthorities ;  # s-cust-disclosure\n", ""
    )
    (record / "webshop.ttl").unlink()
    (record / "newsletter.ttl").write_text(NEWSLETTER, encoding="utf-8")


@pytest.fixture(scope="module")
def modified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    record = tmp_path_factory.mktemp("diff") / "alumeco"
    shutil.copytree(alumeco_dir(), record)
    modify(record)
    return record


@pytest.fixture(scope="module")
def old_side() -> RecordSide:
    return read_side([alumeco_dir()], description=str(alumeco_dir()))


@pytest.fixture(scope="module")
def new_side(modified: Path) -> RecordSide:
    return read_side([modified], description=str(modified))


@pytest.fixture(scope="module")
def diff(old_side: RecordSide, new_side: RecordSide) -> RecordDiff:
    return diff_sides(old_side, new_side)


def test_activities_added_and_removed(diff: RecordDiff) -> None:
    assert diff.added == (ActivityRef(f"{ALU}Newsletter", "alu:Newsletter", "Newsletter"),)
    assert diff.removed == (ActivityRef(f"{ALU}WebShop", "alu:WebShop", "Web shop"),)


def test_changed_activities_exact_values(diff: RecordDiff) -> None:
    changes = {c.activity.id: c.fields for c in diff.changed}
    assert changes == {
        "alu:Chat": (
            FieldChange(
                "purposes", "Purposes of processing", ("Communication Management",), ("Customer Care",)
            ),
        ),
        "alu:CustomerRelations": (
            FieldChange("recipients", "Categories of recipients", (), ("Public authorities (recipient)",)),
        ),
    }
    # sorted by label: "Customers, subcontractors..." before "Website chat"
    assert [c.activity.label for c in diff.changed] == [
        "Customers, subcontractors and business partners",
        "Website chat",
    ]


def test_party_change(diff: RecordDiff) -> None:
    assert [(p.party.id, p.status) for p in diff.parties] == [("alu:Netop", "changed")]
    (change,) = diff.parties[0].fields
    assert (change.field, change.added, change.removed) == (
        "https://w3id.org/dpv#hasCountry",
        ("Sweden",),
        ("Denmark",),
    )
    assert change.label == "has country"


def test_findings_new_and_fixed(diff: RecordDiff) -> None:
    assert [(f.rule_id, f.focus_node, f.severity) for f in diff.new_findings] == [
        ("ROPA-A30-RECIPIENTS", f"{ALU}Newsletter", "violation"),
        ("ROPA-A6-LEGAL-BASIS", f"{ALU}Newsletter", "violation"),
        ("ROPA-A30-RETENTION", f"{ALU}Newsletter", "warning"),
    ]
    fixed = [(f.rule_id, f.focus_node, f.value) for f in diff.fixed_findings]
    assert fixed == [
        ("ROPA-LI-INTEREST", f"{ALU}WebShop", None),
        ("ROPA-A14-SOURCE-UNSTATED", f"{ALU}WebShop", None),
        ("ROPA-A30-DATA-VAGUE", f"{ALU}WebShop", "ordinary personal data"),
        ("ROPA-A30-RETENTION", f"{ALU}WebShop", None),
    ]
    # a notice's or controller's finding on both sides: the activities it affects now and no longer
    moved = [(c.finding.rule_id, c.finding.focus_node, c.added, c.removed) for c in diff.changed_findings]
    both = (("Newsletter",), ("Web shop",))
    assert moved == [
        ("ROPA-A30-CONTROLLER-GROUP", f"{ALU}Alumeco", *both),
        ("ROPA-A30-JOINT-CONTROLLERS", f"{ALU}AlumecoGroupJointControllers", *both),
        ("ROPA-RIGHT-COMPLAINT", f"{ALU}PrivacyPolicy", *both),
        ("ROPA-RIGHT-OBJECT-MARKETING", f"{ALU}PrivacyPolicy", ("Newsletter",), ()),
        ("ROPA-LI-BOILERPLATE", f"{ALU}Alumeco", (), ("Web shop",)),
        ("ROPA-RIGHT-PARTIAL", f"{ALU}PrivacyPolicy", *both),
        ("ROPA-A37-DPO", f"{ALU}Alumeco", *both),
        ("ROPA-NOTICE-CHANGES", f"{ALU}PrivacyPolicy", *both),
        ("ROPA-NOTICE-VERSION", f"{ALU}PrivacyPolicy", *both),
    ]
    # the key is rule, focus node and value, as SARIF's fingerprint: the message takes no part
    assert diff.fixed_findings[2].key == (
        f"ROPA-A30-DATA-VAGUE|{ALU}WebShop|https://w3id.org/ropa-kg/ontology#OrdinaryPersonalData"
    )


def test_same_record_no_changes(old_side: RecordSide) -> None:
    same = diff_sides(old_side, old_side)
    assert not same.has_changes
    assert render_diff(same, "text").endswith("No changes.\n")


def run_diff(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_exit_1_same_bytes_as_library(diff: RecordDiff, modified: Path) -> None:
    code, out, _ = run_diff(str(alumeco_dir()), str(modified), "--format", "json")
    assert code == 1
    assert out == render_diff(diff, "json")  # deterministic: the same bytes from a second reading
    document = json.loads(out)
    assert document["changes"] is True
    assert [a["id"] for a in document["activities"]["added"]] == ["alu:Newsletter"]
    assert [a["id"] for a in document["activities"]["removed"]] == ["alu:WebShop"]
    chat = next(c for c in document["activities"]["changed"] if c["id"] == "alu:Chat")
    assert chat["fields"] == [
        {
            "field": "purposes",
            "label": "Purposes of processing",
            "added": ["Communication Management"],
            "removed": ["Customer Care"],
        }
    ]
    marketing = next(
        c for c in document["findings"]["changed"] if c["rule_id"] == "ROPA-RIGHT-OBJECT-MARKETING"
    )
    assert (marketing["affects_added"], marketing["affects_removed"]) == (["Newsletter"], [])
    assert "Newsletter" in marketing["affects"] and "Web shop" not in marketing["affects"]
    assert [f["rule_id"] for f in document["findings"]["new"]] == [
        "ROPA-A30-RECIPIENTS",
        "ROPA-A6-LEGAL-BASIS",
        "ROPA-A30-RETENTION",
    ]


def test_text_format(diff: RecordDiff) -> None:
    text = render_diff(diff, "text")
    assert "  + Newsletter (alu:Newsletter)\n  - Web shop (alu:WebShop)\n" in text
    assert (
        "# Activity changed: Website chat (alu:Chat)\n  Purposes of processing:\n"
        "    + Communication Management\n    - Customer Care\n"
    ) in text
    assert (
        "# Party changed: Netop Business Solutions A/S (alu:Netop)\n"
        "  has country:\n    + Sweden\n    - Denmark\n"
    ) in text
    assert "# New findings: 3\n  [violation] ROPA-A30-RECIPIENTS on Newsletter: " in text
    assert text.endswith(
        "Activities: 1 added, 1 removed, 2 changed; parties: 1 changed; findings: 3 new, 4 fixed, "
        "9 affecting other activities.\n"
    )


def test_markdown_format(diff: RecordDiff) -> None:
    md = render_diff(diff, "markdown")
    assert md.startswith("## Record changes\n")
    assert "### Activities added\n\n- Newsletter (alu:Newsletter)\n" in md
    assert "### Activities removed\n\n- Web shop (alu:WebShop)\n" in md
    assert (
        "### Activity changed: Customers, subcontractors and business partners (alu:CustomerRelations)\n\n"
        "- **Categories of recipients**\n  - removed: Public authorities (recipient)\n"
    ) in md
    assert "### New findings (3)\n\n| Severity | Rule | On | Message |\n|---|---|---|---|\n" in md
    assert "| warning | `ROPA-A30-DATA-VAGUE` | Web shop (ordinary personal data) | GDPR Art. 30(1)(c)" in md
    assert (
        "| Severity | Rule | On | Now affects | No longer affects |\n|---|---|---|---|---|\n"
        "| violation | `ROPA-A30-CONTROLLER-GROUP` | Alumeco group | Newsletter | Web shop |\n"
    ) in md


def test_no_change_exits_0_and_bad_input_2(tmp_path: Path) -> None:
    code, out, _ = run_diff(str(alumeco_dir()), str(alumeco_dir()))
    assert code == 0 and out.endswith("No changes.\n")
    code, _, err = run_diff(str(alumeco_dir()), str(tmp_path / "nope"))
    assert code == 2 and "nope is neither an existing file or folder nor a git revision" in err


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_git_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    record = repo / "record"
    shutil.copytree(alumeco_dir(), record)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.name", "Test")
    _git(repo, "config", "user.email", "test@example.org")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "the record")
    (record / "webshop.ttl").unlink()
    (record / "newsletter.ttl").write_text(NEWSLETTER, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "newsletter instead of the web shop")
    monkeypatch.chdir(repo)  # no record file here: --path names the record's folder (for HEAD~1)
    written = tmp_path / "diff.json"
    code, out, _ = run_diff(
        "HEAD~1", "HEAD:record", "--path", "record", "--format", "json", "--output", str(written)
    )
    assert (code, out) == (1, "")
    document = json.loads(written.read_text(encoding="utf-8"))
    assert (document["old"], document["new"]) == ("HEAD~1:record", "HEAD:record")
    assert [a["id"] for a in document["activities"]["added"]] == ["alu:Newsletter"]
    assert [a["id"] for a in document["activities"]["removed"]] == ["alu:WebShop"]
    assert document["activities"]["changed"] == [] and document["parties"] == []
    assert len(document["findings"]["new"]) == 3
    monkeypatch.chdir(tmp_path)  # outside the repository a revision is unknown
    code, _, err = run_diff("HEAD~1", "HEAD")
    assert code == 2 and "HEAD~1 is neither" in err


# --------------------------------------------------------------------------------------------------
# validate --baseline


def run_validate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def alumeco_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = tmp_path_factory.mktemp("baseline") / "report.json"
    code, _, _ = run_validate(str(alumeco_dir()), "--format", "json", "--output", str(report))
    assert code == 1  # Alumeco has violations
    return report


def test_baseline_same_record_exits_0(alumeco_report: Path) -> None:
    total = len(json.loads(alumeco_report.read_text(encoding="utf-8"))["findings"])
    code, out, _ = run_validate(str(alumeco_dir()), "--baseline", str(alumeco_report), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["findings"] == []
    assert document["baseline"] == {
        "file": str(alumeco_report),
        "suppressed": total,
        "new": 0,
        "baseline_findings": total,
        "gone": 0,
        "matched_on": ["rule_id", "focus_node", "value"],
    }


def test_baseline_lists_only_the_new_finding(alumeco_report: Path, tmp_path: Path) -> None:
    record = tmp_path / "alumeco"
    shutil.copytree(alumeco_dir(), record)
    _replace(
        record / "webshop.ttl",
        "    dpv:hasLegalBasis eu-gdpr:A6-1-f-controller ;  # s-shop-basis, s-shop-balancing\n",
        "",
    )
    code, out, _ = run_validate(str(record), "--baseline", str(alumeco_report), "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert [(f["rule_id"], f["focus_node"]) for f in document["findings"]] == [
        ("ROPA-A6-LEGAL-BASIS", f"{ALU}WebShop")
    ]
    assert document["baseline"]["new"] == 1
    # the web shop's legitimate-interest finding went with its basis
    assert document["baseline"]["gone"] == 1
    code, text, _ = run_validate(str(record), "--baseline", str(alumeco_report))
    assert code == 1
    listed = [
        line.split()[1] for line in text.splitlines() if re.match(r"  \[(violation|warning|info)\] ", line)
    ]
    assert listed == ["ROPA-A6-LEGAL-BASIS"]  # the one new finding only
    assert (
        f"Baseline {alumeco_report}: {document['baseline']['suppressed']} known findings suppressed, 1 new"
        in text
    )


def test_baseline_message_change_still_known(alumeco_report: Path, tmp_path: Path) -> None:
    document = json.loads(alumeco_report.read_text(encoding="utf-8"))
    for finding in document["findings"]:
        finding["message"] = "reworded"
        finding["severity"] = "info"
    edited = tmp_path / "reworded.json"
    edited.write_text(json.dumps(document), encoding="utf-8")
    code, out, _ = run_validate(str(alumeco_dir()), "--baseline", str(edited), "--format", "sarif")
    assert code == 0
    run = json.loads(out)["runs"][0]
    assert run["results"] == []
    assert run["properties"]["baseline"]["suppressed"] == len(document["findings"])


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        ("{not json", "the baseline is not JSON"),
        ('{"schema_version": 1, "findings": []}', "not a report of `ropa validate --format json`"),
        ('{"schema_version": 2, "findings": [{"rule_id": 3}], "waived": []}', "findings[0] of the baseline"),
    ],
)
def test_bad_baseline_exits_2_naming_the_file(tmp_path: Path, content: str, cause: str) -> None:
    bad = tmp_path / "bad-baseline.json"
    bad.write_text(content, encoding="utf-8")
    code, _, err = run_validate(str(alumeco_dir()), "--baseline", str(bad))
    assert code == 2
    assert str(bad) in err and cause in err
