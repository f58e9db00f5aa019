"""The Alumeco record: the exact findings (rule id, focus node, severity) the rule set reports.

Each one is explained, with the policy sentence behind it, in docs/alumeco-findings.md; a change here
must be reflected there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ropa_kg.core.findings import Severity
from ropa_kg.core.namespaces import ALU
from ropa_kg.rules.validation import ValidationResult

V, W = Severity.VIOLATION, Severity.WARNING
ACTIVITIES_WITHOUT_RETENTION = [
    "Chat", "RightsRequests", "SocialMediaFacebook", "SocialMediaInstagram", "SocialMediaLinkedIn",
    "SocialMediaYouTube", "VisitorIdentification", "WebShop", "Website",
]  # fmt: skip
LEGITIMATE_INTEREST_ACTIVITIES = [
    "Chat", "CustomerRelations", "SocialMediaFacebook", "SocialMediaInstagram", "SocialMediaLinkedIn",
    "SocialMediaYouTube", "VisitorIdentification", "WebShop", "Website",
]  # fmt: skip
ALL_ACTIVITIES = sorted({*LEGITIMATE_INTEREST_ACTIVITIES, "RightsRequests"})

EXPECTED: set[tuple[str, str, Severity]] = {
    ("ROPA-A26-ARRANGEMENT", "AlumecoMetaJointControllers", V),
    ("ROPA-A26-PAGE-INSIGHTS", "SocialMediaLinkedIn", V),
    ("ROPA-A26-PAGE-INSIGHTS", "SocialMediaYouTube", V),
    ("ROPA-A28-CONTRACT", "LeadfeederOy", V),
    ("ROPA-A28-CONTRACT", "Netop", V),
    ("ROPA-A28-RETENTION", "CustomerDataProcessors", V),
    ("ROPA-A28-RETENTION", "LeadfeederOy", V),
    ("ROPA-A28-RETENTION", "Netop", V),
    ("ROPA-A30-CONTROLLER-CONTACT", "Meta", V),
    ("ROPA-A30-LEGAL-BASIS", "RightsRequests", V),
    ("ROPA-A30-RECIPIENTS", "RightsRequests", V),
    *{("ROPA-A30-RETENTION", a, V) for a in ACTIVITIES_WITHOUT_RETENTION},
    ("ROPA-A37-DPO", "Alumeco", V),
    ("ROPA-COOKIE-CONSENT", "VisitorIdentification", V),
    ("ROPA-COOKIE-CONSENT", "Website", V),
    *{("ROPA-LI-INTEREST", a, V) for a in LEGITIMATE_INTEREST_ACTIVITIES},
    ("ROPA-PROFILING-DECLARED", "VisitorIdentification", V),
    *{("ROPA-RIGHT-COMPLAINT", a, V) for a in ALL_ACTIVITIES},
    ("ROPA-RIGHT-PORTABILITY", "CustomerRelations", V),
    ("ROPA-TRANSFER-MECHANISM", "SocialMediaYouTube", V),
    ("ROPA-TRANSFER-MECHANISM", "Website", V),
    ("ROPA-RECIPIENT-COUNTRY", "AlumecoGroupCompanies", W),
    ("ROPA-RECIPIENT-COUNTRY", "CustomerDataProcessors", W),
    ("ROPA-RECIPIENT-COUNTRY", "PublicAuthorities", W),
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
    assert len(result.active) == len(EXPECTED)  # no gap is reported twice
    assert result.waived == [] and result.waiver_problems == []


def test_transfers_go_to_google(result: ValidationResult) -> None:
    values = {f.value for f in result.active if f.rule_id == "ROPA-TRANSFER-MECHANISM"}
    assert values == {str(ALU.Google)}


def test_every_finding_is_explained_in_the_doc() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "alumeco-findings.md").read_text(
        encoding="utf-8"
    )
    for rule_id, focus, _ in EXPECTED:
        section = re.search(rf"^## [^\n]*{re.escape(rule_id)} .*?(?=^## |\Z)", doc, flags=re.M | re.S)
        assert section, f"docs/alumeco-findings.md has no section for {rule_id}"
        assert f"alu:{focus}" in section.group(0), f"{rule_id} on alu:{focus} is not explained"
