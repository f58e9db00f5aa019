"""``ropa validate``: exit codes, --fail-on, waivers, --output, and every output format parsed back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SH

from ropa_kg.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
RULES = Path(__file__).parent / "fixtures" / "rules"
WAIVERS = Path(__file__).parent / "fixtures" / "waivers"
TRANSFER_FAIL = RULES / "ROPA-TRANSFER-MECHANISM" / "fail.ttl"
COUNTRY_FAIL = RULES / "ROPA-RECIPIENT-COUNTRY" / "fail.ttl"  # one warning only
PASSING = RULES / "ROPA-A30-PURPOSE" / "pass.ttl"
EX = "https://example.org/record#"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_passing_record_exits_0() -> None:
    code, out, _ = run(str(PASSING))
    assert code == 0
    assert "PASSED" in out


def test_violation_exits_1_and_names_rule_article_and_focus() -> None:
    code, out, _ = run(str(TRANSFER_FAIL))
    assert code == 1
    assert "ROPA-TRANSFER-MECHANISM" in out
    assert "Art. 44-46, 49" in out
    assert "ex:Activity" in out and "Hosting A/S" in out


@pytest.mark.parametrize(("fail_on", "code"), [("violation", 0), ("warning", 1), ("info", 1)])
def test_fail_on_threshold(fail_on: str, code: int) -> None:
    assert run(str(COUNTRY_FAIL), "--fail-on", fail_on)[0] == code


def test_missing_file_exits_2_with_its_name(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.ttl"))
    assert code == 2
    assert "nope.ttl" in err


def test_syntax_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\n\nex:a ex:b ex:c ;\n  ex:d .\n", encoding="utf-8")
    code, _, err = run(str(bad))
    assert code == 2
    assert "bad.ttl" in err and "line 4" in err


def test_unknown_format_is_a_usage_error() -> None:
    assert run(str(PASSING), "--format", "pdf")[0] == 2


def test_fast_engine_is_used_only_when_asked() -> None:
    code, _, err = run(str(PASSING), "--engine", "fast")
    try:
        import ropa_kg.rules.fast_engine  # type: ignore[import-not-found]  # noqa: F401 - may not exist yet
    except ImportError:
        assert code == 2 and "fast engine" in err
    else:
        assert code == 0


def test_valid_waiver_moves_finding_aside_and_passes() -> None:
    code, out, _ = run(str(TRANSFER_FAIL), str(WAIVERS / "valid.ttl"), "--today", "2026-06-01")
    assert code == 0, out
    assert "Waived" in out and "dpo@example.org" in out


def test_expired_waiver_fails() -> None:
    code, out, _ = run(
        str(TRANSFER_FAIL), str(WAIVERS / "valid.ttl"), "--today", "2027-01-01", "--format", "json"
    )
    assert code == 1
    report = json.loads(out)
    found = {(f["rule_id"], f["focus_node"]) for f in report["findings"]}
    assert found == {
        ("ROPA-TRANSFER-MECHANISM", EX + "Activity"),
        ("ROPA-WAIVER-EXPIRED", "https://example.org/waivers#us-hosting"),
    }
    assert report["waived"] == []


def test_waiver_is_valid_on_its_expiry_day() -> None:
    assert run(str(TRANSFER_FAIL), str(WAIVERS / "valid.ttl"), "--today", "2026-12-31")[0] == 0


def test_unused_waiver_fails() -> None:
    code, out, _ = run(str(PASSING), str(WAIVERS / "unused.ttl"), "--today", "2026-06-01", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [(f["rule_id"], f["focus_node"]) for f in report["findings"]] == [
        ("ROPA-WAIVER-UNUSED", "https://example.org/waivers#stale")
    ]


def test_malformed_waiver_is_bad_input() -> None:
    code, _, err = run(str(TRANSFER_FAIL), str(WAIVERS / "malformed.ttl"))
    assert code == 2
    assert "open-ended" in err and "expires" in err


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    code, out, _ = run(str(TRANSFER_FAIL), "--format", "json", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["violation"] == 1


def test_json_matches_its_schema() -> None:
    schema = json.loads((ROOT / "schemas" / "validation-report.schema.json").read_text(encoding="utf-8"))
    _, out, _ = run(
        str(TRANSFER_FAIL), str(WAIVERS / "valid.ttl"), "--today", "2026-06-01", "--format", "json"
    )
    report = json.loads(out)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
    assert report["conforms"] is True
    assert report["waived"][0]["rule_id"] == "ROPA-TRANSFER-MECHANISM"
    assert report["waived"][0]["value"] == EX + "Processor"
    _, out, _ = run(str(TRANSFER_FAIL), "--format", "json")
    report = json.loads(out)
    jsonschema.Draft202012Validator(schema).validate(report)
    [finding] = report["findings"]
    assert finding["legal_reference"] == "https://eur-lex.europa.eu/eli/reg/2016/679/art_44/oj"
    assert finding["focus_label"] == "ex:Activity"  # no label in the fixture: the compact name
    assert finding["activities"] == [EX + "Activity"]


def test_junit_has_one_testcase_per_rule_and_fails_the_right_one() -> None:
    _, out, _ = run(str(TRANSFER_FAIL), "--format", "junit")
    root = ET.fromstring(out)  # noqa: S314 - our own output
    suites = root.findall("testsuite")
    assert [s.get("id") for s in suites] == ["record", "notice", "lawfulness"]  # one suite per family
    cases = [c for s in suites for c in s.findall("testcase")]
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names)) == int(root.get("tests", "0"))
    assert sum(int(s.get("tests", "0")) for s in suites) == len(names)
    assert "ROPA-A30-PURPOSE" in names and "ROPA-WAIVER-EXPIRED" in names
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["ROPA-TRANSFER-MECHANISM"]
    [lawfulness] = [s for s in suites if s.get("id") == "lawfulness"]
    assert lawfulness.get("failures") == root.get("failures") == "1"


def test_junit_shows_warnings_below_threshold_as_output() -> None:
    _, out, _ = run(str(COUNTRY_FAIL), "--format", "junit")
    root = ET.fromstring(out)  # noqa: S314 - our own output
    assert root.get("failures") == "0"
    cases = [c for s in root.findall("testsuite") for c in s.findall("testcase")]
    [case] = [c for c in cases if c.get("name") == "ROPA-RECIPIENT-COUNTRY"]
    out_node = case.find("system-out")
    assert out_node is not None and "Hosting A/S" in (out_node.text or "")


def test_sarif_matches_schema_and_points_at_the_definition() -> None:
    schema = json.loads((ROOT / "schemas" / "sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))
    _, out, _ = run(str(TRANSFER_FAIL), "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
    run0 = log["runs"][0]
    [result] = run0["results"]
    assert result["ruleId"] == "ROPA-TRANSFER-MECHANISM" and result["level"] == "error"
    assert run0["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "ROPA-TRANSFER-MECHANISM"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("ROPA-TRANSFER-MECHANISM/fail.ttl")
    lines = TRANSFER_FAIL.read_text(encoding="utf-8").splitlines()
    assert lines[location["region"]["startLine"] - 1].startswith("ex:Activity a dpv:Process")


def test_turtle_is_a_shacl_validation_report() -> None:
    _, out, _ = run(str(TRANSFER_FAIL), "--format", "turtle")
    report = Graph().parse(data=out, format="turtle")
    [node] = list(report.subjects(SH.conforms, None))
    assert not report.value(node, SH.conforms).toPython()
    [res] = list(report.objects(node, SH.result))
    assert str(report.value(res, SH.focusNode)) == EX + "Activity"
    assert str(report.value(res, SH.sourceShape)) == "https://w3id.org/ropa-kg/shapes#TransferMechanism"
    assert report.value(res, SH.resultSeverity) == SH.Violation
    assert str(report.value(res, SH.value)) == EX + "Processor"
    assert report.value(res, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
    assert "Art. 44" in str(report.value(res, SH.resultMessage))


def test_turtle_keeps_alternative_paths() -> None:
    _, out, _ = run(str(RULES / "ROPA-A30-CONTROLLER-CONTACT" / "fail.ttl"), "--format", "turtle")
    report = Graph().parse(data=out, format="turtle")
    [res] = list(report.subjects(SH.focusNode, None))
    path = report.value(res, SH.resultPath)
    assert report.value(path, SH.alternativePath) is not None


def test_custom_shapes_folder(tmp_path: Path) -> None:
    import shutil

    from ropa_kg.core.resources import shapes_dir

    for name in ("prefixes.ttl", "transfers.ttl"):
        shutil.copy(shapes_dir() / name, tmp_path / name)
    code, out, _ = run(
        str(RULES / "ROPA-A30-PURPOSE" / "fail.ttl"), "--shapes", str(tmp_path), "--format", "json"
    )
    assert code == 0  # the purpose rule is not in this rule set
    assert [r["rule_id"] for r in json.loads(out)["rules"]] == [
        "ROPA-LOCATION-TEXT",
        "ROPA-TRANSFER-MECHANISM",
        "ROPA-TRANSFER-ONWARD",
        "ROPA-WAIVER-EXPIRED",
        "ROPA-WAIVER-UNUSED",
    ]
    assert run(str(PASSING), "--shapes", str(tmp_path / "missing"))[0] == 2


def test_text_on_alumeco_quotes_the_policy_sentence() -> None:
    code, out, _ = run("--format", "text")
    assert code == 1
    lawfulness = out[out.index("# Findings on lawfulness") :]
    website = lawfulness[lawfulness.index("== Website (alu:Website)") :]
    website = website[: website.index("\n== ")]
    assert "ROPA-COOKIE-CONSENT" in website
    cookie = website[website.index("ROPA-COOKIE-CONSENT") :]
    assert 'source [Verkkosivusto / Tietoa evästeistä]: "Evästeet ovat' in cookie.splitlines()[3]
    lines = out.splitlines()
    assert lines[0].startswith("# Findings on the record (Art. 30): ")  # the families in order
    assert lines[1] == "" and lines[2].startswith("== ")
    worst = "warning" if ": 0 violations," in lines[0] else "violation"
    assert lines[3].startswith(f"  [{worst}]"), "most severe first"
    headings = [line for line in lines if line.startswith("# Findings on ")]
    order = ["the record (Art. 30)", "the notice (Art. 12-14)", "lawfulness"]
    assert [h.split(": ")[0].removeprefix("# Findings on ") for h in headings] == [
        f for f in order if any(h.startswith(f"# Findings on {f}") for h in headings)
    ]
