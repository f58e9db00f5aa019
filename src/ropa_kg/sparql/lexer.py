"""The lexer of the SPARQL rewriters (:mod:`ropa_kg.sparql.exists`, :mod:`ropa_kg.sparql.rewrite`): tokens
that keep whitespace and comments, so that a rewritten text can be joined back together unchanged where it
was not rewritten. (The guard's lexer, :func:`ropa_kg.sparql.guard.tokenize`, drops them and tells
prefixed names from keywords; merging the two is open work.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[A-Za-z0-9_\-.:%]*)?|:[A-Za-z0-9_\-.:%]*)
  | (?P<other>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokenize(text: str) -> list[Token]:
    """Split SPARQL text into tokens; whitespace and comments are kept so the text can be rebuilt."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # pragma: no cover - the last alternative matches any character
            raise ValueError(f"cannot tokenize at offset {pos}")
        kind = match.lastgroup or "other"
        tokens.append(Token(kind, match.group(0)))
        pos = match.end()
    return tokens


__all__ = ["Token", "tokenize"]
