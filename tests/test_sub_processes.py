"""Processes inside processes (``dpv:hasProcess``): context flows down, data roll up, and data can be
scoped to a recipient by a part (tests/fixtures/sub-processes/support.ttl: Zendesk gets names and
e-mails from the ticketing part, not the IP addresses the login-audit part keeps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store

from ropa_kg.load.store import load_store, record_stats
from ropa_kg.query.queries import execute_oxigraph, resolve
from ropa_kg.rules.validation import validate
from ropa_kg.sparql.results import ResultTable

RECORD = Path(__file__).parent / "fixtures" / "sub-processes" / "support.ttl"
EX = "https://example.org/record#"


@pytest.fixture(scope="module")
def store() -> Store:
    return load_store([RECORD])


def rows(store: Store, name: str, **params: str) -> list[dict[str, str]]:
    query = resolve(name)
    table: ResultTable = execute_oxigraph(query, store, query.bindings(params))
    texts = ([cell.replace(EX, "ex:") for cell in row] for row in table.text_rows(compact=True))
    return [dict(zip(table.columns, row, strict=True)) for row in texts]


def test_each_part_is_an_activity_and_the_record_passes(store: Store) -> None:
    assert record_stats(store).activities == 3
    result = validate(RECORD)
    assert [(f.rule_id, f.focus_node) for f in result.findings] == []


def test_context_flows_down_and_data_roll_up(store: Store) -> None:
    register = {r["activity"]: r for r in rows(store, "art30-register")}
    assert set(register) == {"ex:CustomerSupport", "ex:Ticketing", "ex:LoginAudit"}
    for part in ("ex:Ticketing", "ex:LoginAudit"):
        assert register[part]["controller"] == "Acme Oy"
        assert register[part]["retention"] == "P2Y"
        assert register[part]["art6Basis"] == "Art 6(1-b) contract"
        assert register[part]["partOf"] == "Customer support"
    assert register["ex:CustomerSupport"]["partOf"] == ""
    assert register["ex:CustomerSupport"]["personalData"] == "Email Address | IP Address | Name"
    assert register["ex:LoginAudit"]["personalData"] == "IP Address"


def test_a_recipient_gets_only_what_its_part_shares(store: Store) -> None:
    breach = rows(store, "breach-impact-recipient", recipient=f"<{EX}Zendesk>")
    assert [(r["activity"], r["personalData"]) for r in breach] == [("ex:Ticketing", "EmailAddress | Name")]
    assert rows(store, "data-category-outside-eea", category="pd:IPAddress") == []
    outside = rows(store, "data-category-outside-eea", category="pd:EmailAddress")
    assert [(r["activity"], r["recipient"], r["status"]) for r in outside] == [
        ("ex:Ticketing", "ex:Zendesk", "mechanism stated")
    ]


def test_a_part_without_its_own_basis_is_reported_not_its_parent(tmp_path: Path) -> None:
    text = RECORD.read_text(encoding="utf-8")
    text = text.replace(
        "dpv:hasLegalBasis eu-gdpr:A6-1-b, eu-gdpr:A46-2-c ;", "dpv:hasLegalBasis eu-gdpr:A46-2-c ;"
    )
    text = text.replace(
        "    dpv:hasDataProcessor ex:Zendesk .",
        "    dpv:hasDataProcessor ex:Zendesk ;\n    dpv:hasLegalBasis eu-gdpr:A6-1-b .",
    )
    path = tmp_path / "support.ttl"
    path.write_text(text, encoding="utf-8")
    found = {(f.rule_id, f.focus_node) for f in validate(path).findings}
    assert found == {("ROPA-A6-LEGAL-BASIS", EX + "LoginAudit")}
