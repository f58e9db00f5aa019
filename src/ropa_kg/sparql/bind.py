"""Bind query parameters for a remote endpoint: a ``VALUES`` block at the start of the ``WHERE`` group.

A SPARQL endpoint has no way to receive variable bindings beside the query, so the bindings travel in
the query as inline data. The block is built only from typed RDF terms serialised by rdflib's ``n3()``
(which escapes literals); IRIs are checked to hold no character an IRI may not contain before they get
here (:func:`ropa_kg.query.queries.parse_iri`). The position of the ``WHERE`` group is found on the tokens
of :func:`ropa_kg.sparql.lexer.tokenize` (so braces in comments, IRIs and string literals do not count),
and the result is parsed again by :func:`ropa_kg.sparql.guard.check_read_only` before it is sent.

``VALUES`` joined at the start of the top-level group gives the same answers as the engine-side
bindings (pyoxigraph ``substitutions``, rdflib ``initBindings``) for variables of that group, which is
where the saved queries keep their parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rdflib import BNode

from ropa_kg.core.errors import RopaUsageError
from ropa_kg.sparql.guard import QueryForm, check_read_only
from ropa_kg.sparql.lexer import tokenize
from ropa_kg.sparql.results import Term

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_QUOTES = frozenset({'"', "'"})
_PARENS = {"(": 1, ")": -1}
_BRACES = {"{": 1, "}": -1}


def values_block(bindings: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (<x> "y") }`` for ``bindings``.

    Raises:
        RopaUsageError: a name is not a SPARQL variable name, a term is a blank node, or an IRI holds a
            character IRIs may not contain.
    """
    names: list[str] = []
    terms: list[str] = []
    for name, term in bindings.items():
        names.append(f"?{_checked_name(name)}")
        terms.append(_term_text(name, term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def _checked_name(name: str) -> str:
    if not _VAR.match(name):
        raise RopaUsageError(f"{name!r} is not a SPARQL variable name")
    return name


def _term_text(name: str, term: Term) -> str:
    """``term`` as SPARQL (rdflib's ``n3()``, which escapes literals), checked as in :func:`values_block`."""
    if isinstance(term, BNode):
        raise RopaUsageError(f"parameter {name}: a blank node cannot be bound")
    if not hasattr(term, "language") and _IRI_FORBIDDEN.search(str(term)):
        raise RopaUsageError(f"parameter {name}: {str(term)!r} is not a valid IRI")
    return term.n3()


def top_level_braces(text: str) -> list[tuple[int, str]]:
    """Every ``{`` at nesting depth 0 (outside parentheses, braces, IRIs, strings, comments), as its
    offset and the upper-cased name just before it (``WHERE``, ``CONSTRUCT``, ...; ``""`` if none, or if
    anything but white space and ``{`` comes between).

    Raises:
        RopaUsageError: the query holds an unterminated string.
    """
    found: list[tuple[int, str]] = []
    parens = braces = 0
    word = ""
    for token in tokenize(text):
        if token.kind == "ws":
            continue
        if token.kind != "punct":
            word = token.upper if token.is_name else ""
            continue
        if token.text in _QUOTES:  # the lexer yields a lone quote for a string it cannot close
            raise RopaUsageError("unterminated string in the query")
        if token.text == "{" and parens == braces == 0:
            found.append((token.start, word))
        elif token.text != "{":
            word = ""
        parens += _PARENS.get(token.text, 0)
        braces += _BRACES.get(token.text, 0)
    return found


def bind_values(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with ``bindings`` as a ``VALUES`` block opening its ``WHERE`` group.

    Raises:
        RopaUsageError: the query has no ``WHERE`` group to bind into (``CONSTRUCT WHERE`` short form,
            ``DESCRIBE <iri>``), or the bound query is not read-only.
        RopaInputError: the query does not parse.
    """
    if not bindings:
        return text
    return _insert(text, values_block(bindings))


def bind_rows(text: str, name: str, terms: Sequence[Term]) -> str:
    """``text`` with one ``VALUES ?name { ... }`` block of many ``terms`` (one row each) opening its
    ``WHERE`` group, as :func:`bind_values` places it; an empty ``terms`` gives a query with no answer.

    Raises:
        as :func:`bind_values` and :func:`values_block`.
    """
    rows = " ".join(_term_text(name, term) for term in terms)
    block = f"VALUES ?{_checked_name(name)} {{ {rows} }}"
    return _insert(text, block)


def _insert(text: str, block: str) -> str:
    checked = check_read_only(text, strict=False)
    braces = top_level_braces(text)
    if checked.form is QueryForm.CONSTRUCT:
        if not braces or braces[0][1] != "CONSTRUCT":
            raise RopaUsageError("parameters cannot be bound in the CONSTRUCT WHERE { } short form")
        braces = braces[1:]  # skip the template
    if not braces:
        raise RopaUsageError("the query has no WHERE group to bind parameters into")
    at = braces[0][0] + 1
    bound = text[:at] + " " + block + " " + text[at:]
    check_read_only(bound, strict=False)
    return bound


__all__ = ["bind_rows", "bind_values", "top_level_braces", "values_block"]
