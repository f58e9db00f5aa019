"""SHACL-SPARQL pre-binding: what the spec forbids in a pre-bound query, and ``$this`` bound where it is used.

SHACL (section 5.3.1, "Pre-binding of variables") defines a constraint's query as run once per focus node
with ``$this`` (and for ASK validators ``$value``, and a component's parameters) replaced by a value. It
forbids what would make that replacement ill-defined: ``MINUS``, ``VALUES``, federated ``SERVICE``,
``AS ?v`` for a pre-bound ``?v``, and nested ``SELECT`` queries that do not project every pre-bound variable
the query uses. :func:`check_prebinding` refuses those (both engines call it before running a query).

The fast engine runs a constraint once for all focus nodes (:mod:`~ropa_kg.sparql.rewrite` joins the query
with the focus nodes). A join at the top level binds ``?this`` everywhere a triple pattern uses it, but not
inside a nested group's ``FILTER``/``BIND`` (evaluated before the join) or a sub-query (its variables are its
own): :func:`bind_this_where_used` repeats the focus-node pattern at the start of each such group, which is
what replacing ``$this`` by each value means. Hand-written on the package's lexer: no library rewrites
SPARQL text.
"""

from __future__ import annotations

from collections.abc import Iterable

from ropa_kg.core.errors import RopaInputError
from ropa_kg.sparql.lexer import LAYOUT, Token, code, matching_bracket, tokenize

__all__ = ["ForbiddenQuery", "bind_this_where_used", "check_prebinding"]

_FORBIDDEN = ("MINUS", "VALUES", "SERVICE")


class ForbiddenQuery(RopaInputError):
    """A SHACL-SPARQL query uses what SHACL forbids in a pre-bound query (names the feature)."""


def check_prebinding(text: str, *, prebound: Iterable[str], source: str = "a SPARQL constraint") -> None:
    """Refuse ``text`` if SHACL forbids it as a query with the variables ``prebound`` (names, no ``?``).

    Raises:
        ForbiddenQuery: ``MINUS``, ``VALUES`` or ``SERVICE``; ``AS ?v`` for a pre-bound ``?v``; a nested
            ``SELECT`` that does not project a pre-bound variable the query uses.
    """
    tokens = code(tokenize(text))
    names = set(prebound)
    used = {t.text[1:] for t in tokens if t.kind == "var"} & names
    depth = 0
    for k, t in enumerate(tokens):
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
        elif t.is_keyword(*_FORBIDDEN):
            raise ForbiddenQuery(f"{source}: SHACL forbids {t.upper} in a pre-bound query (SHACL 5.3.1)")
        elif t.is_keyword("AS") and k + 1 < len(tokens) and tokens[k + 1].kind == "var":
            if tokens[k + 1].text[1:] in names:
                raise ForbiddenQuery(
                    f"{source}: SHACL forbids AS {tokens[k + 1].text}: a pre-bound variable cannot be "
                    "bound again (SHACL 5.3.1)"
                )
        elif t.is_keyword("SELECT") and depth > 0:
            missing = used - _nested_projection(tokens, k)
            if missing:
                listed = ", ".join(f"${v}" for v in sorted(missing))
                raise ForbiddenQuery(
                    f"{source}: a nested SELECT must project the pre-bound {listed} (SHACL 5.3.1)"
                )


def _nested_projection(tokens: list[Token], select_at: int) -> set[str]:
    """The variables a nested ``SELECT`` projects; for ``SELECT *`` those its group binds (used outside
    filters), which is what ``*`` projects."""
    projected: set[str] = set()
    k = select_at + 1
    star = False
    while k < len(tokens) and not tokens[k].is_keyword("WHERE") and tokens[k].text != "{":
        if tokens[k].text == "*":
            star = True
        elif tokens[k].kind == "var" and (
            tokens[k - 1].upper == "AS" or _paren_depth(tokens, select_at, k) == 0
        ):
            projected.add(tokens[k].text[1:])
        k += 1
    if not star:
        return projected
    while k < len(tokens) and tokens[k].text != "{":
        k += 1
    if k >= len(tokens):
        return projected
    end = matching_bracket(tokens, k)
    return _bound_outside_filters(tokens[k + 1 : end])


def _paren_depth(tokens: list[Token], start: int, stop: int) -> int:
    depth = 0
    for t in tokens[start:stop]:
        depth += (t.text == "(") - (t.text == ")")
    return depth


def _bound_outside_filters(tokens: list[Token]) -> set[str]:
    found: set[str] = set()
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t.is_keyword("FILTER"):
            k = _skip_filter(tokens, k)
            continue
        if t.kind == "var":
            found.add(t.text[1:])
        k += 1
    return found


def _skip_filter(tokens: list[Token], k: int) -> int:
    """The index after the FILTER at ``tokens[k]`` (code tokens)."""
    j = k + 1
    while j < len(tokens) and tokens[j].upper in ("NOT", "EXISTS"):
        j += 1
    while j < len(tokens) and tokens[j].text not in ("(", "{"):
        j += 1
    if j >= len(tokens):
        return j
    try:
        return matching_bracket(tokens, j) + 1
    except ValueError:
        return len(tokens)


def bind_this_where_used(body: list[Token], focus: str) -> list[Token]:
    """``body`` (the tokens inside a query's ``WHERE`` braces) with ``focus`` (a group pattern binding
    ``?this``) inserted at the start of every nested group whose own ``FILTER``/``BIND`` mentions
    ``?this``, and of every nested sub-query's group that mentions it. Groups inside ``EXISTS`` are left
    alone: ``EXISTS`` sees the row's bindings. The top level is left alone: the caller joins it."""
    marks = _groups_needing_focus(body)
    if not marks:
        return body
    inserted = [Token("ws", " "), *tokenize(focus), Token("ws", " ")]
    out: list[Token] = []
    for index, token in enumerate(body):
        out.append(token)
        if index in marks:
            out.extend(inserted)
    return out


def _groups_needing_focus(body: list[Token]) -> set[int]:
    """Indices (into ``body``) of the ``{`` of each group that needs the focus nodes (see above)."""
    stack: list[tuple[int, str]] = []  # (index of "{", kind: group | exists | select | where)
    marks: set[int] = set()
    previous = ""
    pending_where = False
    for index, t in enumerate(body):
        if t.kind in LAYOUT:
            continue
        if t.text == "{":
            if previous == "EXISTS" or any(kind == "exists" for _, kind in stack):
                kind = "exists"
            elif pending_where:
                kind, pending_where = "where", False
            else:
                kind = "group"
            stack.append((index, kind))
        elif t.text == "}":
            if stack:
                stack.pop()
        elif t.is_keyword("SELECT") and stack:
            pending_where = True
        elif t.kind == "var" and t.text[1:] == "this" and stack:
            _mark(stack, body, index, marks)
        previous = t.upper
    return marks


def _mark(stack: list[tuple[int, str]], body: list[Token], index: int, marks: set[int]) -> None:
    """Mark the group where ``?this`` at ``body[index]`` needs a binding: the innermost sub-query group
    around it, and the innermost plain group if the mention is inside a FILTER or BIND of that group."""
    if all(kind == "exists" for _, kind in stack):
        return  # an EXISTS of the top level: the caller's join binds ?this
    for brace, kind in reversed(stack):
        if kind == "where":
            marks.add(brace)
            break
    innermost = next(((b, k) for b, k in reversed(stack) if k != "exists"), None)
    if innermost is not None and innermost[1] == "group" and _in_expression(body, innermost[0], index):
        marks.add(innermost[0])


def _in_expression(body: list[Token], group_at: int, index: int) -> bool:
    """Whether ``body[index]`` lies in a FILTER or BIND expression (or an EXISTS inside one) of the group
    opened at ``group_at``, rather than in a triple pattern."""
    depth = 0
    open_expression = -1
    for k in range(group_at + 1, index):
        t = body[k]
        if t.kind in LAYOUT:
            continue
        if t.text in "{(":
            depth += 1
        elif t.text in "})":
            depth -= 1
            if open_expression >= 0 and depth < open_expression:
                open_expression = -1
        elif t.is_keyword("FILTER", "BIND") and open_expression < 0:
            open_expression = depth + 1
    return open_expression >= 0
