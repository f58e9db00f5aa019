"""One page of a query's result, computed by the engine: ``LIMIT`` and ``OFFSET`` set on the query's tokens.

:func:`page_query` works on the tokens of :func:`ropa_kg.sparql.lexer.tokenize`, never by formatting user
text: the page's numbers are validated ``int`` values, and only the outermost query's ``LIMIT`` /
``OFFSET`` (bracket depth 0) are read and replaced; a sub-query's stay as they are. A query that already
has a ``LIMIT`` or ``OFFSET`` gets the intersection of its own window and the page (page 2 of a
``LIMIT 25`` query with pages of 10 is its rows 11-20, page 3 its rows 21-25). The new clause stands
where the old one stood, or after the solution modifiers (before a trailing ``VALUES`` block).

Pages of an ``ORDER BY`` query are stable: they are slices of the one ordered result (pyoxigraph sorts
the whole solution sequence, with a stable sort, before it skips and takes). Without ``ORDER BY`` a page
is a slice of the order the engine happens to produce.
"""

from __future__ import annotations

from dataclasses import dataclass

from ropa_kg.core.errors import RopaInputError
from ropa_kg.sparql.lexer import LAYOUT, Token, join, next_code, tokenize

_OPEN = frozenset({"{", "("})
_CLOSE = frozenset({"}", ")"})


@dataclass(frozen=True)
class Window:
    """The rows ``offset`` .. ``offset + limit - 1`` of a result (``limit`` ``None``: all the rest)."""

    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        for value in (self.limit, self.offset):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"a page's limit and offset are integers >= 0, not {value!r}")

    def within(self, outer: Window) -> Window:
        """This window taken inside the rows ``outer`` selects (the intersection, as rows of the
        whole result)."""
        offset = outer.offset + self.offset
        if outer.limit is None:
            return Window(self.limit, offset)
        room = max(outer.limit - self.offset, 0)
        return Window(room if self.limit is None else min(room, self.limit), offset)


#: No page: the whole result (the default of every ``window`` option).
WHOLE = Window()


def _number(tokens: list[Token], keyword: int, source: str) -> tuple[int, int]:
    """The integer after the keyword at ``keyword`` and the index after its last digit (the lexer gives
    one ``punct`` token per digit)."""
    start = next_code(tokens, keyword + 1)
    end = start
    while (
        end is not None and end < len(tokens) and tokens[end].kind == "punct" and tokens[end].text.isdigit()
    ):
        end += 1
    if start is None or end == start:
        raise RopaInputError(f"{tokens[keyword].upper} needs an integer", source, tokens[keyword].line)
    assert end is not None
    return int(join(tokens[start:end])), end


def _clauses(tokens: list[Token], source: str) -> tuple[Window, list[tuple[int, int]], int | None]:
    """The outermost query's window, the spans of its LIMIT/OFFSET clauses, and the index of a trailing
    ``VALUES`` block (depth 0), if any."""
    depth = 0
    found: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    values: int | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "punct" and token.text in _OPEN:
            depth += 1
        elif token.kind == "punct" and token.text in _CLOSE:
            depth -= 1
        elif depth == 0 and token.is_keyword("LIMIT", "OFFSET"):
            found[token.upper], end = _number(tokens, index, source)
            spans.append((index, end))
            index = end
            continue
        elif depth == 0 and token.is_keyword("VALUES") and values is None:
            values = index
        index += 1
    return Window(found.get("LIMIT"), found.get("OFFSET", 0)), spans, values


def query_window(text: str, *, source: str = "query") -> Window:
    """The window the outermost query's own ``LIMIT`` / ``OFFSET`` select (``Window()``: none).

    Raises:
        RopaInputError: a ``LIMIT`` or ``OFFSET`` without an integer (names ``source`` and the line).
    """
    return _clauses(tokenize(text), source)[0]


def page_query(text: str, page: Window, *, source: str = "query") -> str:
    """``text`` with the outermost ``LIMIT`` / ``OFFSET`` set to ``page`` taken within the query's own
    window (see the module documentation); the rest of the text is unchanged, byte for byte.

    Raises:
        RopaInputError: a ``LIMIT`` or ``OFFSET`` without an integer (names ``source`` and the line).
    """
    tokens = tokenize(text)
    own, spans, values = _clauses(tokens, source)
    window = page.within(own)
    clause = (
        [] if window.limit is None else [Token("word", "LIMIT"), Token("ws", " "), *_digits(window.limit)]
    )
    if window.offset:
        clause += [Token("ws", " ")] if clause else []
        clause += [Token("word", "OFFSET"), Token("ws", " "), *_digits(window.offset)]
    if spans:
        at = spans[0][0]
        if len(spans) == 2 and all(t.kind == "ws" for t in tokens[spans[0][1] : spans[1][0]]):
            spans = [(at, spans[1][1])]  # "OFFSET 5 LIMIT 25": the space between goes too
        kept = [t for i, t in enumerate(tokens) if not any(a <= i < b for a, b in spans)]
        return join(kept[:at] + clause + kept[at:])  # nothing before the first clause was removed
    if not clause:
        return text
    if values is not None:
        return join([*tokens[:values], *clause, Token("ws", " "), *tokens[values:]])
    last = max((i for i, t in enumerate(tokens) if t.kind not in LAYOUT), default=len(tokens) - 1)
    return join([*tokens[: last + 1], Token("ws", " "), *clause, *tokens[last + 1 :]])


def _digits(number: int) -> list[Token]:
    return [Token("punct", digit) for digit in str(number)]


__all__ = ["WHOLE", "Window", "page_query", "query_window"]
