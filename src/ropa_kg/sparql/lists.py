"""Lists in query results in one order, whatever the engine: the items of every ``GROUP_CONCAT`` sorted.

SPARQL leaves the order of the values a ``GROUP_CONCAT`` joins to the engine, and engines differ (and
pyoxigraph differs between runs), so a register cell "Name | Email" could come back "Email | Name" and a
register kept in git would change without a change to the record. SPARQL 1.1 has no ordered aggregate,
so the fix is made around the query, in two steps that every runner (embedded, rdflib, remote, the
query worker) applies:

1. :func:`ordered_lists` gives each ``GROUP_CONCAT`` with a separator a private marker character (from
   Unicode's private use area) as its separator, in the text sent to the engine;
2. :meth:`ListRewrite.fix` splits a result value on each marker, sorts the items, and joins them with
   the separator the query asked for, innermost lists first (the ``GROUP_CONCAT`` nested deepest in
   braces is evaluated first, and its joined value may be an item of an outer list).

``GROUP_CONCAT`` with an empty separator (the register's pivot: one value per group) is left alone. Written
by hand: no SPARQL library offers it; the tokens come from :func:`ropa_kg.sparql.guard.tokenize` (the
package's lexer without whitespace and comments), whose ``start`` offsets locate the separators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from rdflib import Literal

from ropa_kg.sparql.guard import tokenize
from ropa_kg.sparql.lexer import Token

#: The first marker; the n-th ``GROUP_CONCAT`` of a query gets the n-th character from here.
_FIRST_MARKER = 0xE000
_MAX_MARKERS = 0x1000
_T = TypeVar("_T")


@dataclass(frozen=True)
class ListRewrite:
    """A query text with marker separators, and the (marker, separator) pairs, innermost first."""

    text: str
    markers: tuple[tuple[str, str], ...] = ()

    def fix(self, value: str) -> str:
        """``value`` with every marked list sorted and joined with its real separator."""
        if not self.markers or not any(marker in value for marker, _ in self.markers):
            return value
        for marker, separator in self.markers:
            if marker in value:
                value = separator.join(sorted(value.split(marker)))
        return value

    def fix_literal(self, term: _T) -> _T:
        """An rdflib term with :meth:`fix` applied to its value if it is a literal (same language and
        datatype); any other term as it is."""
        if not self.markers or not isinstance(term, Literal):
            return term
        fixed = self.fix(str(term))
        if fixed == str(term):
            return term
        return Literal(fixed, lang=term.language, datatype=term.datatype)  # type: ignore[return-value]  # a Literal for a Literal


def ordered_lists(text: str) -> ListRewrite:
    """Rewrite ``text`` so that :meth:`ListRewrite.fix` can sort its ``GROUP_CONCAT`` lists (see the module
    documentation). A text without ``GROUP_CONCAT`` comes back unchanged."""
    if "group_concat" not in text.lower():
        return ListRewrite(text)
    tokens = list(tokenize(text))
    edits: list[tuple[int, int, str]] = []
    found: list[tuple[int, int, str, str]] = []  # (depth, order, marker, separator)
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
            continue
        if token.kind != "word" or token.text.upper() != "GROUP_CONCAT" or len(found) >= _MAX_MARKERS:
            continue
        separator = _separator(tokens, index)
        if separator is None or separator[2] == "":
            continue
        marker = chr(_FIRST_MARKER + len(found))
        start, end, real = separator
        edits.append((start, end, f'"{marker}"'))
        if start == end:  # no separator given: SPARQL's default is a single space
            edits[-1] = (start, end, f'; separator="{marker}"')
        found.append((depth, len(found), marker, real))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    innermost_first = sorted(found, key=lambda item: (-item[0], item[1]))
    return ListRewrite(text, tuple((marker, real) for _, _, marker, real in innermost_first))


def _separator(tokens: list[Token], index: int) -> tuple[int, int, str] | None:
    """For the ``GROUP_CONCAT`` at ``tokens[index]``: the offsets of its separator string and the
    separator (an insertion point before the closing parenthesis and " " when none is given), or None
    when the call cannot be read."""
    if index + 1 >= len(tokens) or tokens[index + 1].text != "(":
        return None
    level = 0
    for position in range(index + 1, len(tokens)):
        token = tokens[position]
        if token.kind == "punct" and token.text == "(":
            level += 1
        elif token.kind == "punct" and token.text == ")":
            level -= 1
            if level == 0:
                return token.start, token.start, " "
        elif level == 1 and token.kind == "word" and token.text.lower() == "separator":
            value = tokens[position + 2] if position + 2 < len(tokens) else None
            if value is None or value.kind != "string" or tokens[position + 1].text != "=":
                return None
            return value.start, value.start + len(value.text), _unquote(value.text)
    return None


def _unquote(literal: str) -> str:
    """The value of a SPARQL string literal token (short or long, either quote, with escapes)."""
    quote = 3 if literal[:3] in {'"""', "'''"} else 1
    body = literal[quote:-quote]
    escapes = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in escapes:
            out.append(escapes[body[i + 1]])
            i += 2
            continue
        out.append(body[i])
        i += 1
    return "".join(out)


__all__ = ["ListRewrite", "ordered_lists"]
