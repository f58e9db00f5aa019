"""The saved queries that once grew with the square of the activities (issue 17 §3) keep a shape that
every engine evaluates in one pass, and give the answers their descriptions promise on a small record
that has each case: no time is asserted, only the structure of the text and the exact rows.

* ``activities-by-legal-basis``: no ``EXISTS`` (once per row, and Virtuoso 7.2 cannot compile
  ``EXISTS || EXISTS`` in a BIND); the kind of each distinct basis is worked out in a sub-query grouped
  by ``?basis``.
* ``consent-and-withdrawal``: every ``UNION`` inside an ``OPTIONAL`` binds, in each branch, all the
  variables the ``OPTIONAL`` shares with its left side (a branch binding fewer is compared with every
  row on the left instead of being joined on them).
"""

from __future__ import annotations

import pytest
from pyoxigraph import Store

from ropa_kg.load.store import load_store
from ropa_kg.query.queries import resolve, select_texts
from ropa_kg.sparql.exists import Element, certain_vars, parse_group
from ropa_kg.sparql.lexer import matching_bracket, tokenize, variables

EX = "https://example.org/scaling#"
RECORD = """
@prefix dpv: <https://w3id.org/dpv#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix ropa: <https://w3id.org/ropa-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://example.org/scaling#> .

ex:Org a dpv:DataController ; dpv:hasName "Org" .
ex:Notice a dpv:PrivacyNotice ; dpv:hasRight eu-gdpr:A7-3 ; ropa:withdrawalMethod "by e-mail" .
ex:OtherNotice a dpv:PrivacyNotice .
ex:OwnConsent skos:broader dpv:Consent .
ex:Health skos:broader eu-gdpr:A9-2-h .

# a notice that states the right and a method; consent through a concept of the record's own
ex:A a dpv:Process ; dpv:hasDataController ex:Org ; dpv:hasNotice ex:Notice ;
    dpv:hasLegalBasis ex:OwnConsent .
# no notice: the activity itself states the right and the method
ex:B a dpv:Process ; dpv:hasDataController ex:Org ; dpv:hasRight eu-gdpr:A7-3 ;
    ropa:withdrawalMethod "in the app" ; dpv:hasLegalBasis eu-gdpr:A6-1-b, ex:Health .
# two notices, one silent; its own method counts for both; its consent basis is its part's
ex:C a dpv:Process ; dpv:hasDataController ex:Org ; dpv:hasNotice ex:Notice, ex:OtherNotice ;
    ropa:withdrawalMethod "by post" ; dpv:hasProcess ex:CPart ; dpv:hasLegalBasis dpv:Consent .
ex:CPart a dpv:Process ; dpv:hasDataController ex:Org ; dpv:hasLegalBasis dpv:Consent .
# no notice, no right, no basis at all; a transfer mechanism and a basis of no known kind
ex:D a dpv:Process ; dpv:hasDataController ex:Org .
ex:E a dpv:Process ; dpv:hasDataController ex:Org ;
    dpv:hasLegalBasis eu-gdpr:A46-2-c, ex:Unknown .
eu-gdpr:A46-2-c skos:broader eu-gdpr:StandardContractualClauses .
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("scaling") / "record.ttl"
    path.write_text(RECORD, encoding="utf-8")
    loaded: Store = load_store([path])
    return loaded


def _short(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [
        tuple(
            cell.replace(EX, "ex:")
            .replace("https://w3id.org/dpv/legal/eu/gdpr#", "eu-gdpr:")
            .replace("https://w3id.org/dpv#", "dpv:")
            for cell in row
        )
        for row in rows
    ]


def test_activities_by_legal_basis_places_each_basis_by_the_most_telling_kind(store: Store) -> None:
    query = resolve("activities-by-legal-basis")
    assert _short(select_texts(query, store)) == [  # by basis IRI (example.org before w3id.org)
        ("", "none stated", "ex:D"),
        ("ex:Health", "Art. 9(2) condition", "ex:B"),
        ("ex:OwnConsent", "Art. 6(1) lawful basis", "ex:A"),
        ("ex:Unknown", "other", "ex:E"),
        ("dpv:Consent", "Art. 6(1) lawful basis", "ex:C"),
        ("dpv:Consent", "Art. 6(1) lawful basis", "ex:CPart"),
        ("eu-gdpr:A46-2-c", "Chapter V transfer mechanism", "ex:E"),
        ("eu-gdpr:A6-1-b", "Art. 6(1) lawful basis", "ex:B"),
    ]


def test_consent_and_withdrawal_reads_the_activity_or_its_notice(store: Store) -> None:
    query = resolve("consent-and-withdrawal")
    assert _short(select_texts(query, store)) == [
        ("ex:A", "ex:Notice", "true", "true", "by e-mail"),
        ("ex:B", "", "false", "true", "in the app"),
        ("ex:C", "ex:Notice", "false", "true", "by e-mail"),
        ("ex:C", "ex:Notice", "false", "true", "by post"),
        ("ex:C", "ex:OtherNotice", "false", "false", "by post"),
        # the part reads its parent's notices (reading 05); its consent basis is its own
        ("ex:CPart", "ex:Notice", "true", "true", "by e-mail"),
        ("ex:CPart", "ex:OtherNotice", "true", "false", ""),
        ("ex:D", "", "false", "false", ""),
        ("ex:E", "", "false", "false", ""),
    ]


def test_activities_by_legal_basis_has_no_exists_and_groups_the_kinds_by_basis() -> None:
    tokens = [t for t in tokenize(resolve("activities-by-legal-basis").text) if t.kind != "comment"]
    assert not any(t.is_keyword("EXISTS") for t in tokens)
    text = " ".join(t.text for t in tokens if t.kind not in ("space", "newline", "ws"))
    assert " ".join(text.split()).count("GROUP BY ?basis") == 1
    assert "SELECT DISTINCT ?basis" in " ".join(text.split())


def _optionals(elements: list[Element]) -> list[tuple[list[Element], Element]]:
    """Every OPTIONAL at any depth, with the elements of the group it is in."""
    found: list[tuple[list[Element], Element]] = []
    for el in elements:
        if el.kind == "optional":
            found.append((elements, el))
        for group in el.groups():
            inner = group
            if el.kind == "subselect":
                brace = next(i for i, t in enumerate(group) if t.text == "{")
                inner = group[brace + 1 : matching_bracket(group, brace)]
            found.extend(_optionals(parse_group(inner)))
    return found


def test_consent_and_withdrawal_joins_every_union_branch_on_the_activity() -> None:
    """In each UNION inside an OPTIONAL that reads the activity or its notice, every branch binds
    ?activity (and ?notice where it names it), so the engine joins on them."""
    tokens = tokenize(resolve("consent-and-withdrawal").text)
    where = next(i for i, t in enumerate(tokens) if t.is_keyword("WHERE"))
    brace = next(i for i in range(where, len(tokens)) if tokens[i].text == "{")
    checked = 0
    for _, optional in _optionals(parse_group(tokens[brace + 1 : matching_bracket(tokens, brace)])):
        for union in (el for el in parse_group(optional.groups()[0]) if el.kind == "union"):
            if not variables(union.tokens) & {"activity", "notice"}:
                continue  # (the consent concepts: joined on ?basis inside the group)
            for branch in union.groups():
                keys = {"activity"} | (variables(branch) & {"notice"})
                assert keys <= certain_vars(parse_group(branch)), "".join(t.text for t in branch)
                checked += 1
    assert checked == 5  # the rights (2 branches) and the withdrawal methods (3 branches)
