"""The Alumeco record: the exact findings (rule id, focus node, severity) the rule set reports, their
families, and the activities a notice's or controller's finding names.

Each one is explained, with the policy sentence behind it, in docs/alumeco-findings.md; a change here
must be reflected there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ropa_kg.core.findings import Family, Scope, Severity
from ropa_kg.core.namespaces import ALU
from ropa_kg.rules.shapes import load_shapes, rule_catalogue
from ropa_kg.rules.validation import ValidationResult

V, W, I = Severity.VIOLATION, Severity.WARNING, Severity.INFO  # noqa: E741
ACTIVITIES_WITHOUT_RETENTION = [
    "Chat", "RightsRequests", "SocialMediaFacebook", "SocialMediaInstagram", "SocialMediaLinkedIn",
    "SocialMediaYouTube", "VisitorIdentification", "WebShop", "Website",
]  # fmt: skip
LEGITIMATE_INTEREST_ACTIVITIES = [
    "Chat", "CustomerRelations", "SocialMediaFacebook", "SocialMediaInstagram", "SocialMediaLinkedIn",
    "SocialMediaYouTube", "VisitorIdentification", "WebShop", "Website",
]  # fmt: skip
ALL_ACTIVITIES = sorted({*LEGITIMATE_INTEREST_ACTIVITIES, "RightsRequests"})
SOCIAL = ["SocialMediaFacebook", "SocialMediaInstagram", "SocialMediaLinkedIn", "SocialMediaYouTube"]

EXPECTED: set[tuple[str, str, Severity]] = {
    # the record (Art. 30)
    ("ROPA-A30-CONTROLLER-CONTACT", "Meta", V),
    ("ROPA-A30-CONTROLLER-GROUP", "Alumeco", V),
    ("ROPA-A30-JOINT-CONTROLLERS", "AlumecoGroupJointControllers", V),
    ("ROPA-A30-RECIPIENTS", "RightsRequests", V),
    ("ROPA-A30-RECIPIENTS", "SocialMediaLinkedIn", V),
    ("ROPA-A30-RECIPIENTS", "SocialMediaYouTube", V),
    ("ROPA-A30-DATA-VAGUE", "CustomerRelations", W),
    ("ROPA-A30-DATA-VAGUE", "WebShop", W),
    ("ROPA-A30-DATA-VAGUE", "Website", W),
    *{("ROPA-A30-DATA-VAGUE", a, W) for a in SOCIAL},
    ("ROPA-A30-RECRUITMENT", "Alumeco", W),
    *{("ROPA-A30-RETENTION", a, W) for a in ACTIVITIES_WITHOUT_RETENTION},
    ("ROPA-A30-SECURITY", "Chat", W),
    ("ROPA-ANONYMOUS-CONTRADICTION", "VisitorIdentification", V),
    ("ROPA-PROFILING-DECLARED", "VisitorIdentification", W),
    ("ROPA-RECIPIENT-COUNTRY", "AlumecoGroupCompanies", W),
    ("ROPA-RECIPIENT-COUNTRY", "CustomerDataProcessors", W),
    ("ROPA-RECIPIENT-ROLE", "AlumecoGroupCompanies", W),
    ("ROPA-RECIPIENT-ROLE", "Google", W),
    ("ROPA-RETENTION-HEDGED", "CustomerRelations", W),
    ("ROPA-STORAGE-CONTRADICTION", "Chat", W),
    ("ROPA-A37-DPO", "Alumeco", I),
    # the notice (Art. 12-14)
    *{("ROPA-LI-INTEREST", a, V) for a in LEGITIMATE_INTEREST_ACTIVITIES},
    ("ROPA-RIGHT-COMPLAINT", "PrivacyPolicy", V),
    ("ROPA-RIGHT-OBJECT-MARKETING", "PrivacyPolicy", V),
    ("ROPA-RIGHT-PORTABILITY", "PrivacyPolicy", V),
    ("ROPA-A14-SOURCE-UNSTATED", "CustomerRelations", W),
    ("ROPA-A14-SOURCE-UNSTATED", "WebShop", W),
    ("ROPA-COOKIE-INFO", "VisitorIdentification", W),
    ("ROPA-COOKIE-INFO", "Website", W),
    ("ROPA-NOTICE-PROMISE-CONSENT", "CustomerRelations", W),
    ("ROPA-RIGHT-PARTIAL", "PrivacyPolicy", W),
    ("ROPA-NOTICE-CHANGES", "PrivacyPolicy", I),
    ("ROPA-NOTICE-VERSION", "PrivacyPolicy", I),
    # lawfulness
    ("ROPA-A26-ARRANGEMENT", "AlumecoGroupJointControllers", W),
    ("ROPA-COOKIE-CONSENT", "VisitorIdentification", V),
    ("ROPA-COOKIE-CONSENT", "Website", V),
    ("ROPA-A26-PAGE-INSIGHTS-ANALOGY", "SocialMediaLinkedIn", W),
    ("ROPA-A28-CONTRACT", "LiidioOy", W),
    ("ROPA-A28-CONTRACT", "Netop", W),
    ("ROPA-A6-CONTRACT-CONTACT-PERSONS", "CustomerRelations", W),
    ("ROPA-LI-ASSESSMENT", "VisitorIdentification", W),
    ("ROPA-LI-BOILERPLATE", "Alumeco", W),
    ("ROPA-RIGHTS-HANDLING", "RightsRequests", W),
    *{("ROPA-TRANSFER-ONWARD", a, W) for a in [*SOCIAL, "Website"]},
    ("ROPA-A26-PAGE-INSIGHTS-UNSETTLED", "SocialMediaYouTube", I),
    ("ROPA-A28-DELETE-OR-RETURN", "ProcessorAgreements", I),
    *{("ROPA-A9-INDIRECT", a, I) for a in [*SOCIAL, "VisitorIdentification"]},
}

#: (rule, focus) -> the activities a notice's or controller's finding names
AFFECTS: dict[tuple[str, str], list[str]] = {
    ("ROPA-RIGHT-COMPLAINT", "PrivacyPolicy"): ALL_ACTIVITIES,
    ("ROPA-RIGHT-PARTIAL", "PrivacyPolicy"): ALL_ACTIVITIES,
    ("ROPA-NOTICE-CHANGES", "PrivacyPolicy"): ALL_ACTIVITIES,
    ("ROPA-NOTICE-VERSION", "PrivacyPolicy"): ALL_ACTIVITIES,
    ("ROPA-RIGHT-PORTABILITY", "PrivacyPolicy"): ["CustomerRelations"],
    ("ROPA-RIGHT-OBJECT-MARKETING", "PrivacyPolicy"): ["CustomerRelations"],
    ("ROPA-A30-CONTROLLER-GROUP", "Alumeco"): ALL_ACTIVITIES,
    ("ROPA-A30-JOINT-CONTROLLERS", "AlumecoGroupJointControllers"): ALL_ACTIVITIES,
    ("ROPA-A37-DPO", "Alumeco"): ALL_ACTIVITIES,
    ("ROPA-A30-RECRUITMENT", "Alumeco"): [
        "SocialMediaFacebook",
        "SocialMediaInstagram",
        "SocialMediaLinkedIn",
    ],
    ("ROPA-LI-BOILERPLATE", "Alumeco"): sorted(
        set(LEGITIMATE_INTEREST_ACTIVITIES) - {"VisitorIdentification"}
    ),
}


@pytest.fixture(scope="module")
def result(alumeco_validation: ValidationResult) -> ValidationResult:
    return alumeco_validation


def local(iri: str) -> str:
    assert iri.startswith(str(ALU)), iri
    return iri.removeprefix(str(ALU))


def test_exact_findings(result: ValidationResult) -> None:
    found = {(f.rule_id, local(f.focus_node), f.severity) for f in result.active}
    assert found == EXPECTED
    # no gap is reported twice: one finding per rule, focus and value (the social-media sections name two
    # vague categories each, "tavanomaisia" and "käyttäjätietojen")
    assert len({(f.rule_id, f.focus_node, f.value) for f in result.active}) == len(result.active) == 79
    assert result.waived == [] and result.waiver_problems == []


def test_a_notice_or_controller_duty_is_one_finding_naming_its_activities(result: ValidationResult) -> None:
    """Issue 15: one Art. 77 finding, naming the activities it affects, not ten."""
    rules = rule_catalogue(load_shapes())
    scoped = {(f.rule_id, local(f.focus_node)): [local(a) for a in f.affects] for f in result.active
              if rules[f.rule_id].scope is not Scope.ACTIVITY}  # fmt: skip
    assert scoped == AFFECTS
    activities = set(ALL_ACTIVITIES)
    for rule_id, focus in scoped:
        assert focus not in activities, f"{rule_id} is a notice or controller duty but reported on {focus}"
    # and no activity-scope finding is a copy of a notice's duty
    per_activity = [f for f in result.active if rules[f.rule_id].scope is Scope.ACTIVITY]
    assert not [
        f
        for f in per_activity
        if rules[f.rule_id].family is Family.NOTICE and f.rule_id.startswith("ROPA-RIGHT-")
    ]


def test_findings_by_family_and_severity(result: ValidationResult) -> None:
    counts = {(f.family, f.severity): 0 for f in result.active}
    for f in result.active:
        counts[(f.family, f.severity)] += 1
    assert counts == {
        (Family.RECORD, V): 7, (Family.RECORD, W): 29, (Family.RECORD, I): 1,
        (Family.NOTICE, V): 12, (Family.NOTICE, W): 6, (Family.NOTICE, I): 2,
        (Family.LAWFULNESS, V): 2, (Family.LAWFULNESS, W): 13, (Family.LAWFULNESS, I): 7,
    }  # fmt: skip


def test_onward_transfers_go_to_the_platforms_us_parents(result: ValidationResult) -> None:
    values = {local(f.value or "") for f in result.active if f.rule_id == "ROPA-TRANSFER-ONWARD"}
    assert values == {"GoogleOnwardTransfer", "MetaOnwardTransfer", "LinkedInOnwardTransfer"}
    assert not [f for f in result.active if f.rule_id == "ROPA-TRANSFER-MECHANISM"]


def test_every_finding_is_explained_in_the_doc() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "alumeco-findings.md").read_text(
        encoding="utf-8"
    )
    for rule_id, focus, _ in EXPECTED:
        section = re.search(rf"^### [^\n]*{re.escape(rule_id)}\b.*?(?=^##|\Z)", doc, flags=re.M | re.S)
        assert section, f"docs/alumeco-findings.md has no section for {rule_id}"
        assert f"alu:{focus}" in section.group(0), f"{rule_id} on alu:{focus} is not explained"


@pytest.mark.slow
def test_pyshacl_reports_the_same_findings(result: ValidationResult) -> None:
    """The reference engine on the whole rule set and the whole record (the differential test runs each rule
    alone on its fixtures)."""
    from ropa_kg.rules.validation import validate

    def bag(r: ValidationResult) -> list[tuple[object, ...]]:
        return sorted((f.key, f.value or "", f.affects) for f in r.active)

    assert bag(validate(engine="pyshacl")) == bag(result)
