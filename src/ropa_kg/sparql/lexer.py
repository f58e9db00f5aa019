"""The one SPARQL lexer of the package, and the token helpers every reader of SPARQL text shares.

Every module that reads SPARQL text reads these tokens: the read-only guard (:mod:`~ropa_kg.sparql.guard`,
which drops whitespace and comments), the ``VALUES`` binder (:mod:`~ropa_kg.sparql.bind`), the
``GROUP_CONCAT`` rewriter (:mod:`~ropa_kg.sparql.lists`, through the guard's view) and the two query
rewriters (:mod:`~ropa_kg.sparql.exists`, :mod:`~ropa_kg.sparql.rewrite`, which join the tokens back into
text). Hand-written, on one regular expression: no Python library rewrites SPARQL text, and the parsers
(rdflib's pyparsing grammar) give a parse tree without the text's layout, from which a rewritten query
could not be joined back together unchanged where it was not rewritten.

The token kinds:

* ``ws`` and ``comment``: kept, so ``"".join(t.text for t in tokenize(text)) == text``;
* ``iri`` (``<...>``, a whole IRI reference: ``?a < ?b`` is a comparison, ``<`` a ``punct``), ``string``
  (the four quotings, with escapes), ``var`` (``?x``, ``$x``), ``langtag`` (``@en-GB``);
* ``pname``, a prefixed name (``dpv:Process``, ``:x``, ``ex:SERVICE``), and ``word``, a bare name
  (keywords, ``a``, ``true``, function names). A keyword is a ``word`` whose upper-cased text is the
  keyword, so ``?load``, ``ex:SERVICE`` and ``"LOAD"`` are no keywords, and ``select`` is ``SELECT``;
  :attr:`Token.is_name` is either of the two (where a rewriter needs "a name", e.g. a function call);
* ``punct``, anything else: one character, or one of the operators ``^^ && || != <= >=``.

The lexer never fails: an unterminated string or IRI yields ``punct`` tokens (its quote, its ``<``), and
the engine's parser reports the syntax error.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_LONG_STRING = r"""'''(?:[^'\\]|\\.|'(?!''))*'''|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}"""
_SHORT_STRING = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\""""
_PN_PREFIX = r"(?:[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?"
_PN_LOCAL = r"(?:[\w.\-:%\u00b7\u00c0-\uffff]|\\.)*"
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<comment>#[^\n]*)"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    rf"|(?P<string>{_LONG_STRING}|{_SHORT_STRING})"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)"
    r"|(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    rf"|(?P<pname>{_PN_PREFIX}:{_PN_LOCAL})"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<punct>\^\^|&&|\|\||!=|<=|>=|.)",
    re.DOTALL,
)

#: Kinds that are not code: the guard drops them, the rewriters skip them but keep them in the text.
LAYOUT = frozenset({"ws", "comment"})
_NAMES = frozenset({"word", "pname"})
_CLOSING = {"{": "}", "(": ")", "[": "]"}
_OPAQUE = frozenset({"ws", "comment", "string", "iri"})


class Token(NamedTuple):
    """A lexical token: its ``kind`` (see the module documentation), its ``text``, and where it starts in
    the text (``line``, from 1, and the offset ``start``; a token a rewriter makes has ``1`` and ``0``).
    A named tuple, not a dataclass: a query has thousands of tokens, and tuples are made fastest."""

    kind: str
    text: str
    line: int = 1
    start: int = 0

    @property
    def upper(self) -> str:
        """The text upper-cased (keywords are case-insensitive)."""
        return self.text.upper()

    @property
    def is_name(self) -> bool:
        """Whether the token is a bare or prefixed name (``word`` or ``pname``)."""
        return self.kind in _NAMES

    def is_keyword(self, *keywords: str) -> bool:
        """Whether the token is a ``word`` that is one of ``keywords`` (given upper-case)."""
        return self.kind == "word" and self.text.upper() in keywords


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, whitespace and comments included. Never fails (see the module docs)."""
    tokens: list[Token] = []
    line = 1
    for match in _TOKEN.finditer(text):
        value = match.group()
        tokens.append(Token(match.lastgroup or "punct", value, line, match.start()))
        if "\n" in value:
            line += value.count("\n")
    return tokens


def join(tokens: list[Token]) -> str:
    """The text of ``tokens``."""
    return "".join(t.text for t in tokens)


def code(tokens: list[Token]) -> list[Token]:
    """``tokens`` without whitespace and comments."""
    return [t for t in tokens if t.kind not in LAYOUT]


def next_code(tokens: list[Token], start: int) -> int | None:
    """Index of the first token at or after ``start`` that is not whitespace or a comment, or None."""
    for index in range(start, len(tokens)):
        if tokens[index].kind not in LAYOUT:
            return index
    return None


def matching_bracket(tokens: list[Token], start: int) -> int:
    """Index of the bracket closing the one at ``tokens[start]`` (``{``, ``(`` or ``[``).

    Raises:
        ValueError: the bracket is not closed.
    """
    opening = tokens[start].text
    closing = _CLOSING[opening]
    level = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind in _OPAQUE:
            continue
        if token.text == opening:
            level += 1
        elif token.text == closing:
            level -= 1
            if level == 0:
                return index
    raise ValueError("unbalanced brackets")


def variables(tokens: list[Token]) -> set[str]:
    """The names (without ``?``/``$``) of the variables among ``tokens``."""
    return {t.text[1:] for t in tokens if t.kind == "var"}


__all__ = [
    "LAYOUT",
    "Token",
    "code",
    "join",
    "matching_bracket",
    "next_code",
    "tokenize",
    "variables",
]
