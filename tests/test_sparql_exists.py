"""ropa_kg.sparql.exists: correlated EXISTS filters become joins only where the answer stays the same.

Each case runs the original and the rewritten query on the same small graph with pyoxigraph and compares
the bags of solutions; it also asserts whether the rewrite decorrelated the EXISTS (so a test fails both
when a rewrite changes results and when an exact rewrite is lost)."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from ropa_kg.sparql.exists import optimise_group, parse_group
from ropa_kg.sparql.lexer import tokenize

DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:p ex:x1 ; ex:p ex:x2 ; ex:q ex:y1 .
ex:b ex:p ex:x2 ; ex:r ex:z .
ex:c ex:q ex:y2 .
ex:d ex:p ex:x3 ; ex:q ex:y2 .
ex:x1 a ex:Good . ex:x2 a ex:Bad . ex:x3 a ex:Sub . ex:Sub ex:broader ex:Good .
ex:y1 ex:tag "t" . ex:z ex:tag "u" .
ex:x1 ex:owner ex:a . ex:x3 ex:owner ex:b .
"""
PREFIX = "PREFIX ex: <http://example.org/>\n"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return s


def _rewrite(where: str) -> str:
    return "".join(t.text for t in optimise_group(tokenize(where)))


def _bag(store: ox.Store, where: str, projection: str) -> Counter[tuple[str, ...]]:
    result = store.query(f"{PREFIX}SELECT {projection} WHERE {{ {where} }}")
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return Counter(tuple(str(row[n]) if row[n] is not None else "-" for n in names) for row in result)


CASES = [
    # (where, projection, decorrelated?)
    ("?s ex:p ?o FILTER EXISTS { ?o a ex:Good }", "?s ?o", True),
    ("?s ex:p ?o FILTER NOT EXISTS { ?o a ex:Good }", "?s ?o", True),
    ("?s ex:p ?o FILTER (EXISTS { ?o a ex:Good } || NOT EXISTS { ?s ex:q ?any })", "?s ?o", True),
    ("?s ex:p ?o FILTER EXISTS { ?o a/ex:broader* ex:Good }", "?s ?o", True),
    # a UNION in the body is split, each part joined on what it always binds
    ("?s ex:p ?o FILTER NOT EXISTS { { ?s ex:q ?t } UNION { ?o ex:owner ?t } }", "?s ?o", True),
    # uncorrelated: no shared variable
    ("?s ex:p ?o FILTER EXISTS { ?w ex:r ex:z }", "?s ?o", True),
    # nested: the EXISTS inside the body is decorrelated too
    ("?s ex:p ?o FILTER NOT EXISTS { ?o ex:owner ?who FILTER EXISTS { ?who ex:q ?v } }", "?s ?o", True),
    # shared variable only OPTIONALly bound in the group: must stay correlated
    ("?s ex:p ?o OPTIONAL { ?s ex:q ?t } FILTER NOT EXISTS { ?t ex:tag ?g }", "?s ?o ?t", False),
    # shared variable inside an OPTIONAL of the body, not bound before it: must stay correlated
    ("?s ex:p ?o FILTER EXISTS { ?o a ?k OPTIONAL { ?k ex:broader ?s } }", "?s ?o", False),
    # shared variable in a MINUS of the body: substitution and join differ
    ("?s ex:p ?o FILTER EXISTS { ?o a ?k MINUS { ?o ex:owner ?s } }", "?s ?o", False),
    # shared variable in a filter of a nested group of the body: its scope differs
    ("?s ex:p ?o FILTER EXISTS { ?o a ?k { ?k ?pp ?vv FILTER(?s = ex:a) } }", "?s ?o", False),
    # a filter at the top of an OPTIONAL sees the left side: left alone
    ("?s ex:p ?o OPTIONAL { ?s ex:q ?t FILTER NOT EXISTS { ?o a ex:Good } }", "?s ?o ?t", False),
]


@pytest.mark.parametrize(("where", "projection", "decorrelated"), CASES)
def test_rewrite_keeps_solutions(store: ox.Store, where: str, projection: str, decorrelated: bool) -> None:
    rewritten = _rewrite(where)
    assert _bag(store, rewritten, projection) == _bag(store, where, projection), rewritten
    assert ("EXISTS" not in rewritten) == decorrelated, rewritten


def test_cases_have_answers(store: ox.Store) -> None:
    """The graph makes the cases meaningful: most filters keep some rows and drop others."""
    informative = 0
    for where, projection, _ in CASES:
        base = where.split(" FILTER")[0].split(" OPTIONAL")[0]
        kept = sum(_bag(store, where, projection).values())
        if 0 < kept < sum(_bag(store, base, "*").values()):
            informative += 1
    assert informative >= 8


def test_parse_group_elements() -> None:
    kinds = [
        e.kind
        for e in parse_group(
            tokenize(
                "?s ex:p ?o . { ?a ?b ?c } UNION { ?d ?e ?f } OPTIONAL { ?s ex:q ?t } "
                "MINUS { ?s ex:r ?z } FILTER (?o != ex:x) BIND (1 AS ?one) VALUES ?v { 1 2 } "
                "{ SELECT ?s WHERE { ?s ?p ?o } } FILTER NOT EXISTS { ?s ex:q ?w }"
            )
        )
    ]
    assert kinds == [
        "triples",
        "union",
        "optional",
        "minus",
        "filter",
        "bind",
        "values",
        "subselect",
        "filter",
    ]


def test_unparseable_text_is_left_alone() -> None:
    text = "?s ex:p ?o FILTER EXISTS { ?o a ex:Good"
    assert _rewrite(text) == text
