"""ropa_kg.sparql.lexer: the one SPARQL lexer, and the readers built on it (the guard's view, the ``VALUES``
binder's top-level braces, the focus-node rewrite).

The token kinds are the contract between the lexer and its readers: the guard fails closed only if
``?load``, ``ex:SERVICE`` and ``"LOAD"`` are no keywords, the rewriters join tokens back with spaces only
if ``^^``, ``&&``, ``<=`` ... are single tokens, and a ``<`` is an IRI only when a whole IRI follows."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from ropa_kg.core.errors import RopaUsageError
from ropa_kg.sparql.bind import top_level_braces
from ropa_kg.sparql.guard import tokenize as guard_tokenize
from ropa_kg.sparql.lexer import LAYOUT, join, matching_bracket, tokenize, variables
from ropa_kg.sparql.rewrite import rewrite_for_all_focus_nodes

REPO = Path(__file__).resolve().parents[1]


def _texts() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(REPO.glob("queries/**/*.rq"))]
    for path in sorted(REPO.glob("shapes/*.ttl")):
        graph = Graph().parse(path, format="turtle")
        texts.extend(sorted(str(o) for o in graph.objects(None, SH.select)))
    return texts


def test_saved_queries_and_shapes_join_back_with_offsets_and_lines() -> None:
    texts = _texts()
    assert len(texts) > 20
    for text in texts:
        tokens = tokenize(text)
        assert join(tokens) == text
        for token in tokens:
            assert text.startswith(token.text, token.start)
            assert token.line == text.count("\n", 0, token.start) + 1
        assert list(guard_tokenize(text)) == [t for t in tokens if t.kind not in LAYOUT]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("?load", [("var", "?load")]),
        ("$this", [("var", "$this")]),
        ("ex:SERVICE", [("pname", "ex:SERVICE")]),
        ("dpv:Process", [("pname", "dpv:Process")]),
        (":x", [("pname", ":x")]),
        ('"LOAD"', [("string", '"LOAD"')]),
        ("'''a ' b'''", [("string", "'''a ' b'''")]),
        ("service", [("word", "service")]),
        ("a", [("word", "a")]),
        ('"x"@en-GB', [("string", '"x"'), ("langtag", "@en-GB")]),
        ('"1"^^xsd:int', [("string", '"1"'), ("punct", "^^"), ("pname", "xsd:int")]),
        ("&& || != <= >= !", [("punct", op) for op in ("&&", "||", "!=", "<=", ">=", "!")]),
        ("<http://x/y#z>", [("iri", "<http://x/y#z>")]),
        ("?a < ?b", [("var", "?a"), ("punct", "<"), ("var", "?b")]),
        ("?a<=?b", [("var", "?a"), ("punct", "<="), ("var", "?b")]),
        ("# SELECT {\nASK", [("comment", "# SELECT {"), ("ws", "\n"), ("word", "ASK")]),
        ('"open', [("punct", '"'), ("word", "open")]),
    ],
)
def test_token_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(t.kind, t.text) for t in tokenize(text) if t.kind != "ws" or "\n" in t.text] == expected


def test_keywords_are_words_only() -> None:
    tokens = tokenize('select ?select ex:select "select" <select>')
    assert [t.kind for t in tokens if t.is_keyword("SELECT")] == ["word"]
    assert [t.is_name for t in tokens if t.kind not in LAYOUT] == [True, False, True, False, False]


def test_matching_bracket_skips_strings_and_comments() -> None:
    tokens = tokenize('{ "}" \'{\' """}""" # }\n ( ) }')
    assert matching_bracket(tokens, 0) == len(tokens) - 1
    with pytest.raises(ValueError, match="unbalanced"):
        matching_bracket(tokenize("{ ( }"), 2)
    assert variables(tokens + tokenize("?a $b ?a")) == {"a", "b"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", [(10, "CONSTRUCT"), (29, "WHERE")]),
        ("SELECT * { ?s ?p '{' }", [(9, "")]),
        ('SELECT * WHERE { ?s <x{> "}" } # {', [(15, "WHERE")]),
        ("SELECT (1 AS ?x) { ( { } ) }", [(17, "")]),
    ],
)
def test_top_level_braces(text: str, expected: list[tuple[int, str]]) -> None:
    assert top_level_braces(text) == expected
    for at, _ in expected:
        assert text[at] == "{"


def test_top_level_braces_refuses_an_unterminated_string() -> None:
    with pytest.raises(RopaUsageError, match="unterminated string"):
        top_level_braces("SELECT * WHERE { ?s ?p 'open }")


FOCUS = "{ VALUES ?this { ex:a } }"
PROLOGUE = "PREFIX ex: <http://example.org/>\n"


@pytest.mark.parametrize(
    ("query", "path", "shape", "expected"),
    [
        (
            "SELECT DISTINCT $this ?value WHERE { $this $PATH ?value . FILTER (?value != $currentShape) }",
            "ex:p",
            "http://e/S",
            "SELECT DISTINCT $this ?value WHERE {\n{ VALUES ?this { ex:a } }\n"
            " $this (ex:p) ?value . FILTER (?value != <http://e/S>) \n}",
        ),
        (
            "SELECT $this (COUNT(?v) AS ?n) WHERE { $this ex:p ?v } GROUP BY ?v HAVING (COUNT(?v) > 1)",
            None,
            None,
            "SELECT  $this (COUNT(?v) AS ?n) WHERE {\n{ VALUES ?this { ex:a } }\n $this ex:p ?v \n}"
            " GROUP BY ?this ?v HAVING (COUNT(?v) > 1)",
        ),
        (
            "select ?v (MAX(?w) AS ?m) where { ?this ex:p ?v ; ex:w ?w }",
            None,
            None,
            "SELECT  ?this ?v (MAX(?w) AS ?m) WHERE {\n{ VALUES ?this { ex:a } }\n"
            " ?this ex:p ?v ; ex:w ?w \n}\nGROUP BY ?this ",
        ),
    ],
)
def test_focus_rewrite_text(query: str, path: str | None, shape: str | None, expected: str) -> None:
    """The exact text of the rewrite (recorded before the lexers were merged)."""
    rewritten = rewrite_for_all_focus_nodes(
        query,
        focus_subquery=FOCUS,
        prefixes={"ex": "http://example.org/"},
        path_sparql=path,
        current_shape_iri=shape,
    )
    assert rewritten.text == PROLOGUE + expected
