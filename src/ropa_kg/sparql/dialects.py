"""What one SPARQL store answers differently from SPARQL 1.1, found on a query's tokens.

OpenLink Virtuoso 7.2 (Debian's ``virtuoso-opensource``) compiles SPARQL to SQL; measured against the fast
engine on the bundled record, it answers some queries without an error but with other rows than SPARQL 1.1
gives. The shapes it got wrong share two forms, which :func:`virtuoso_unsafe` finds:

* ``EXISTS`` inside an expression (``FILTER (EXISTS {...} || ...)``, ``BIND (EXISTS ...)``): a plain
  ``FILTER EXISTS`` / ``FILTER NOT EXISTS`` is fine;
* a transitive path (``*`` or ``+``) between two variables (``?right skos:broader+ ?article``): a path from a
  constant, or to one, is fine.

Where a query has either, ``ropa validate --endpoint`` runs that rule on a copy of the graph instead
(:mod:`ropa_kg.rules.pushdown`). The test that proves the list complete for the project's rules is
``tests/test_pushdown.py`` (push-down on Virtuoso gives the same findings as local validation).
"""

from __future__ import annotations

from ropa_kg.sparql.lexer import Token, code, tokenize

__all__ = ["virtuoso_unsafe"]

#: Tokens a property path is made of (besides IRIs and prefixed names).
_PATH_PUNCT = frozenset({"/", "|", "(", ")", "^", "?", "*", "+", "!"})


def _exists_in_expression(tokens: list[Token]) -> bool:
    for k, token in enumerate(tokens):
        if token.is_keyword("EXISTS") and k > 0:
            before = tokens[k - 1]
            if before.is_keyword("NOT") and k > 1:
                before = tokens[k - 2]
            if not before.is_keyword("FILTER"):
                return True
    return False


def _is_path_part(token: Token) -> bool:
    return token.kind in {"iri", "pname"} or token.text in _PATH_PUNCT or token.text == "a"


def _closure_between_variables(tokens: list[Token]) -> bool:
    k = 0
    while k < len(tokens):
        if tokens[k].kind != "var":
            k += 1
            continue
        end = k + 1
        while end < len(tokens) and _is_path_part(tokens[end]):
            end += 1
        path = tokens[k + 1 : end]
        closure = any(
            t.text in {"*", "+"}
            and i > 0
            and (path[i - 1].text == ")" or path[i - 1].kind in {"iri", "pname"})
            for i, t in enumerate(path)
        )
        if closure and end < len(tokens) and tokens[end].kind == "var":
            return True
        k = max(end, k + 1)
    return False


def virtuoso_unsafe(text: str) -> str | None:
    """Why Virtuoso 7.2 may answer the query ``text`` wrongly (see the module docstring), or None."""
    tokens = code(tokenize(text))
    if _exists_in_expression(tokens):
        return "uses EXISTS inside an expression, which Virtuoso 7.2 evaluates differently"
    if _closure_between_variables(tokens):
        return "has a transitive path between two variables, which Virtuoso 7.2 evaluates differently"
    return None
