"""Turn correlated ``[NOT] EXISTS`` filters into joins evaluated once, wherever that is exact.

Oxigraph evaluates ``FILTER EXISTS { P }`` once per solution of the group: with a property path in ``P``
(``?basis skos:broader* eu-gdpr:A6-1-f``) and a hundred thousand activities, that is most of a
validation run. :func:`optimise_group` rewrites every group of a query (nested groups, ``UNION``
branches, ``OPTIONAL``/``MINUS`` bodies, sub-queries, the bodies of ``EXISTS`` themselves) so that

    ``FILTER (... [NOT] EXISTS { P } ...)``

becomes ``FILTER (... [!]BOUND(?__existsN) ...)`` with
``OPTIONAL { SELECT DISTINCT ?k1 ?k2 (true AS ?__existsN) WHERE { P } }`` added to the group, where the
``?k`` are the variables ``P`` shares with the group. ``P`` is then evaluated once and joined on a hash
of its keys. A ``UNION`` at the top of ``P`` is first split (``EXISTS {{A} UNION {B} R}`` is
``EXISTS {A R} || EXISTS {B R}``), so each part joins on variables it always binds.

SPARQL defines ``EXISTS`` by substituting the solution's values into ``P``; the join gives the same
answer only when (checked, else the ``EXISTS`` is left as it is):

* every shared variable is bound in every solution of the group (its triples, nested groups, both sides
  of a ``UNION``; not ``OPTIONAL``, ``BIND``, ``VALUES``), and in every solution of ``P``;
* inside ``P`` a shared variable occurs only in triple patterns (at any depth of plain groups, ``UNION``
  and ``OPTIONAL``) and in filters at ``P``'s top level, never in ``MINUS``, ``BIND``, ``VALUES``,
  sub-queries, ``GRAPH``/``SERVICE`` or the filters of nested groups (whose scope differs);
Variables of the context (``outer``) are treated as shared: in the body of an ``EXISTS`` they are the
ones the substitution replaces, and in the filter of an ``OPTIONAL`` the variables on its left, which
that filter sees. The rewrite is purely textual on tokens of
:func:`ropa_kg.sparql.lexer.tokenize`; keywords are matched case-insensitively.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - only for annotations
    from ropa_kg.sparql.lexer import Token

#: A hook for the top-level group: given an EXISTS body the rules refuse, (pattern text, join keys) or None.
Fallback = Callable[[list["Token"]], "tuple[str, str] | None"]

_GROUP_KEYWORDS = frozenset({"OPTIONAL", "MINUS", "GRAPH", "SERVICE"})
_MAX_VARIANTS = 16


@dataclass
class Element:
    """One element of a group graph pattern: its kind, its tokens, and where its groups are."""

    kind: str  # triples | group | union | optional | minus | filter | bind | values | subselect | other
    tokens: list[Token]
    #: (start, end) of the inside of each group (between its braces) in ``tokens``
    spans: list[tuple[int, int]] = field(default_factory=list)

    def groups(self) -> list[list[Token]]:
        """The inside of each of its groups."""
        return [self.tokens[a:b] for a, b in self.spans]


class _Counter:
    def __init__(self, start: int = 0) -> None:
        self.value = start

    def next(self) -> int:
        self.value += 1
        return self.value


def _code(tokens: list[Token]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]


def _close(tokens: list[Token], start: int) -> int:
    """Index of the bracket closing the one at ``start`` (``{``, ``(`` or ``[``). Raises ValueError."""
    opening = tokens[start].text
    closing = {"{": "}", "(": ")", "[": "]"}[opening]
    level = 0
    for i in range(start, len(tokens)):
        if tokens[i].kind in ("ws", "comment", "string", "iri"):
            continue
        if tokens[i].text == opening:
            level += 1
        elif tokens[i].text == closing:
            level -= 1
            if level == 0:
                return i
    raise ValueError("unbalanced brackets")


def _next_code(tokens: list[Token], i: int) -> int | None:
    for j in range(i, len(tokens)):
        if tokens[j].kind not in ("ws", "comment"):
            return j
    return None


def _is_select(inner: list[Token]) -> bool:
    first = _next_code(inner, 0)
    return first is not None and inner[first].kind == "word" and inner[first].upper == "SELECT"


def parse_group(inner: list[Token]) -> list[Element]:
    """Split the inside of a group (between its braces) into elements. Raises ValueError."""
    elements: list[Element] = []
    triples: list[Token] = []

    def flush() -> None:
        if any(t.kind not in ("ws", "comment") for t in triples):
            elements.append(Element("triples", list(triples)))
        elif triples and elements:  # white space and comments stay with the element before
            elements[-1].tokens.extend(triples)
        elif triples:
            elements.append(Element("other", list(triples)))
        triples.clear()

    def add(kind: str, start: int, stop: int, spans: list[tuple[int, int]]) -> None:
        elements.append(Element(kind, inner[start : stop + 1], [(x - start, y - start) for x, y in spans]))

    i = 0
    n = len(inner)
    while i < n:
        t = inner[i]
        word = t.upper if t.kind == "word" else ""
        if t.text == "{":
            flush()
            end = _close(inner, i)
            spans = [(i + 1, end)]
            stop = end
            while True:  # a UNION chain
                j = _next_code(inner, stop + 1)
                if j is None or not (inner[j].kind == "word" and inner[j].upper == "UNION"):
                    break
                k = _next_code(inner, j + 1)
                if k is None or inner[k].text != "{":
                    raise ValueError("UNION without a group")
                stop = _close(inner, k)
                spans.append((k + 1, stop))
            kind = "union" if len(spans) > 1 else "group"
            if kind == "group" and _is_select(inner[i + 1 : end]):
                kind = "subselect"
            add(kind, i, stop, spans)
            i = stop + 1
            continue
        if word in _GROUP_KEYWORDS:
            flush()
            j = _next_code(inner, i + 1)
            while j is not None and inner[j].text != "{":
                j = _next_code(inner, j + 1)
            if j is None:
                raise ValueError(f"{word} without a group")
            end = _close(inner, j)
            add(word.lower() if word in ("OPTIONAL", "MINUS") else "other", i, end, [(j + 1, end)])
            i = end + 1
            continue
        if word in ("FILTER", "BIND"):
            flush()
            j = _next_code(inner, i + 1)
            if j is None:
                raise ValueError(f"{word} without an expression")
            if inner[j].text == "(":
                end = _close(inner, j)
            elif inner[j].kind == "word" and inner[j].upper in ("NOT", "EXISTS"):
                k = _next_code(inner, j + 1) if inner[j].upper == "NOT" else j
                b = _next_code(inner, k + 1) if k is not None else None
                if b is None or inner[b].text != "{":
                    raise ValueError("EXISTS without a group")
                end = _close(inner, b)
            else:  # a function call: name ( ... )
                p = _next_code(inner, j + 1)
                if p is None or inner[p].text != "(":
                    raise ValueError("FILTER without a parenthesised expression")
                end = _close(inner, p)
            add(word.lower(), i, end, [])
            i = end + 1
            continue
        if word == "VALUES":
            flush()
            j = _next_code(inner, i + 1)
            while j is not None and inner[j].text != "{":
                j = _next_code(inner, j + 1)
            if j is None:
                raise ValueError("VALUES without data")
            end = _close(inner, j)
            add("values", i, end, [])
            i = end + 1
            continue
        if t.text in ("(", "["):  # collections and blank node property lists belong to the triples
            end = _close(inner, i)
            triples.extend(inner[i : end + 1])
            i = end + 1
            continue
        triples.append(t)
        i += 1
    flush()
    return elements


def _vars(tokens: list[Token]) -> set[str]:
    return {t.text[1:] for t in tokens if t.kind == "var"}


def _projection(inner: list[Token]) -> tuple[set[str], bool, list[Token]]:
    """(plainly projected variables, whether it aggregates or projects *, the WHERE group's inside)."""
    code = _code(inner)
    brace = next((i for i in code if inner[i].text == "{"), None)
    if brace is None:
        raise ValueError("sub-query without WHERE")
    end = _close(inner, brace)
    head = inner[:brace]
    tail = inner[end + 1 :]
    plain: set[str] = set()
    level = 0
    complex_ = False
    for t in head:
        if t.text == "(":
            level += 1
        elif t.text == ")":
            level -= 1
        elif t.text == "*":
            complex_ = True
        elif t.kind == "var" and level == 0:
            plain.add(t.text[1:])
    if any(t.kind == "word" and t.upper in ("GROUP", "HAVING", "LIMIT", "OFFSET", "VALUES") for t in tail):
        complex_ = True
    return plain, complex_, inner[brace + 1 : end]


def certain_vars(elements: list[Element]) -> set[str]:
    """Variables bound in every solution of the group (a safe under-approximation)."""
    bound: set[str] = set()
    for el in elements:
        if el.kind == "triples":
            bound |= _vars(el.tokens)
        elif el.kind == "group":
            bound |= certain_vars(parse_group(el.groups()[0]))
        elif el.kind == "union":
            sets = [certain_vars(parse_group(g)) for g in el.groups()]
            bound |= set.intersection(*sets)
        elif el.kind == "subselect":
            plain, complex_, where = _projection(el.groups()[0])
            if not complex_:
                bound |= plain & certain_vars(parse_group(where))
    return bound


def _safe_occurrences(elements: list[Element], shared: set[str], *, top: bool) -> bool:
    """Whether the shared variables occur only where substituting them equals joining on them."""
    for el in elements:
        used = _vars(el.tokens) & shared
        if not used:
            continue
        if el.kind == "triples":
            continue
        if el.kind == "filter" and top:
            continue
        if el.kind in ("group", "union", "optional"):
            if all(_safe_occurrences(parse_group(g), shared, top=False) for g in el.groups()):
                continue
            return False
        return False
    return True


def _split_unions(inner: list[Token]) -> list[list[Token]]:
    """Variants of a group with each top-level UNION replaced by one of its branches (their union is
    the group); the group itself when it has none or too many combinations."""
    elements = parse_group(inner)
    choices: list[list[list[Token]]] = []
    for el in elements:
        if el.kind == "union":
            choices.append([[_tok("{"), *g, _tok("}")] for g in el.groups()])
        else:
            choices.append([el.tokens])
    count = 1
    for c in choices:
        count *= len(c)
    if count == 1 or count > _MAX_VARIANTS:
        return [inner]
    return [[tok for part in combo for tok in part] for combo in itertools.product(*choices)]


def _tok(text: str) -> Token:
    from ropa_kg.sparql.lexer import Token

    return Token("other", text)


def _tokens(text: str) -> list[Token]:
    from ropa_kg.sparql.lexer import tokenize

    return tokenize(text)


def _render(tokens: list[Token]) -> str:
    return "".join(t.text for t in tokens)


def optimise_group(
    inner: list[Token],
    *,
    outer: frozenset[str] = frozenset(),
    counter: _Counter | None = None,
    fallback: Fallback | None = None,
) -> list[Token]:
    """Return the inside of a group with its correlated EXISTS filters decorrelated where exact.

    ``outer`` are the variables a surrounding EXISTS may substitute; ``fallback`` is tried (top level
    only) for an EXISTS body the rules refuse. Text it cannot parse is returned unchanged.
    """
    counter = counter or _Counter()
    try:
        elements = parse_group(inner)
        certain = certain_vars(elements)
    except ValueError:
        return inner
    contexts = [
        frozenset(outer | _vars([t for other in elements if other is not el for t in other.tokens]))
        for el in elements
    ]
    appended: list[Token] = []
    for el, context in zip(elements, contexts, strict=True):
        if el.kind in ("group", "union", "optional", "minus"):
            el.tokens = _replace_spans(
                el,
                [optimise_group(g, outer=context, counter=counter) for g in el.groups()],
            )
        elif el.kind == "subselect":
            el.tokens = _replace_spans(el, [_optimise_subselect(el.groups()[0], context, counter)])
        elif el.kind == "filter":
            el.tokens = _rewrite_filter(el.tokens, set(context), certain, counter, appended, fallback)
    return [tok for el in elements for tok in el.tokens] + appended


def _replace_spans(el: Element, groups: list[list[Token]]) -> list[Token]:
    """The element's tokens with the inside of each group replaced."""
    out: list[Token] = []
    pos = 0
    for (a, b), group in zip(el.spans, groups, strict=True):
        out.extend(el.tokens[pos:a])
        out.extend(group)
        pos = b
    out.extend(el.tokens[pos:])
    return out


def _optimise_subselect(inner: list[Token], outer: frozenset[str], counter: _Counter) -> list[Token]:
    """A sub-query's text with its WHERE group optimised."""
    code = _code(inner)
    brace = next((i for i in code if inner[i].text == "{"), None)
    if brace is None:
        return inner
    end = _close(inner, brace)
    where = optimise_group(inner[brace + 1 : end], outer=outer, counter=counter)
    return [*inner[: brace + 1], *where, *inner[end:]]


def _rewrite_filter(
    tokens: list[Token],
    context: set[str],
    certain: set[str],
    counter: _Counter,
    appended: list[Token],
    fallback: Fallback | None,
) -> list[Token]:
    """The FILTER element with each decorrelatable [NOT] EXISTS replaced by BOUND tests."""
    out: list[Token] = []
    i = 0
    n = len(tokens)
    first = _next_code(tokens, 1)
    bare = first is not None and tokens[first].kind == "word" and tokens[first].upper in ("NOT", "EXISTS")
    while i < n:
        t = tokens[i]
        if t.kind == "word" and t.upper in ("NOT", "EXISTS"):
            negated = t.upper == "NOT"
            e = _next_code(tokens, i + 1) if negated else i
            b = _next_code(tokens, e + 1) if e is not None else None
            if (
                e is not None
                and b is not None
                and tokens[e].kind == "word"
                and tokens[e].upper == "EXISTS"
                and tokens[b].text == "{"
            ):
                end = _close(tokens, b)
                body = tokens[b + 1 : end]
                replacement = _decorrelate_exists(body, context, certain, counter, appended, fallback)
                if replacement is not None:
                    out.append(_tok(("!" if negated else "") + replacement))
                else:  # kept; its body is optimised with the context as the substituted variables
                    out.extend(tokens[i : b + 1])
                    out.extend(optimise_group(body, outer=frozenset(context), counter=counter))
                    out.append(tokens[end])
                i = end + 1
                continue
        out.append(t)
        i += 1
    if bare and first is not None:  # FILTER [NOT] EXISTS {...} became FILTER !(...): parenthesise
        return [*out[:first], _tok("("), *out[first:], _tok(")")]
    return out


def _iri_list(tokens: list[Token]) -> tuple[str, list[Token]] | None:
    """``(var, IRIs)`` when ``tokens`` is exactly ``FILTER ( ?var IN ( iri, ... ) )``."""
    code = [t for t in tokens if t.kind not in ("ws", "comment")]
    if len(code) < 8 or [t.text for t in code[:2]] != [code[0].text, "("] or code[2].kind != "var":
        return None
    if code[3].upper != "IN" or code[4].text != "(" or [t.text for t in code[-2:]] != [")", ")"]:
        return None
    items = code[5:-2]
    iris = items[0::2]
    if any(t.text != "," for t in items[1::2]) or not iris:
        return None
    if not all(t.kind == "iri" or (t.kind == "word" and ":" in t.text) for t in iris):
        return None
    return code[2].text, iris


def _anchor_in_filters(elements: list[Element]) -> list[Token]:
    """The group with each top-level ``FILTER (?v IN (<iri>, ...))`` on a variable its triples always bind
    turned into ``VALUES ?v { <iri> ... }`` at its start: the same solutions (IRIs are equal only to
    themselves), but an evaluated-once body then starts from those IRIs instead of scanning every node
    (Oxigraph does not push such filters into property paths)."""
    certain = certain_vars(elements)
    values: list[Token] = []
    kept: list[Token] = []
    for el in elements:
        found = _iri_list(el.tokens) if el.kind == "filter" else None
        if found is not None and found[0][1:] in certain:
            var, iris = found
            values.extend(_tokens(f"VALUES {var} {{ {' '.join(t.text for t in iris)} }}\n"))
            continue
        kept.extend(el.tokens)
    return [*values, *kept]


def _decorrelate_exists(
    body: list[Token],
    context: set[str],
    certain: set[str],
    counter: _Counter,
    appended: list[Token],
    fallback: Fallback | None,
) -> str | None:
    """A boolean expression replacing ``EXISTS { body }`` (OPTIONALs appended), or None to keep it."""
    try:
        variants = _split_unions(body)
        parsed = [parse_group(v) for v in variants]
    except ValueError:
        return None
    parts: list[tuple[str, str]] = []  # (keys, pattern text)
    for variant, elements in zip(variants, parsed, strict=True):
        shared = _vars(variant) & context
        if (
            shared <= certain
            and shared <= certain_vars(elements)
            and _safe_occurrences(elements, shared, top=True)
        ):
            anchored = _anchor_in_filters(elements)
            optimised = optimise_group(anchored, outer=frozenset(shared), counter=counter)
            parts.append((" ".join(f"?{v}" for v in sorted(shared)), _render(optimised)))
            continue
        found = fallback(body) if fallback is not None and len(variants) == 1 else None
        if found is None:
            return None
        pattern, keys = found
        parts.append((keys, pattern))
    tests = []
    for keys, pattern in parts:
        var = f"?__exists{counter.next()}"
        appended.extend(
            _tokens(f"\nOPTIONAL {{ SELECT DISTINCT {keys} (true AS {var}) WHERE {{ {pattern} }} }}")
        )
        tests.append(f"BOUND({var})")
    return "(" + " || ".join(tests) + ")"


def optimise_query(text: str, *, bound: frozenset[str] = frozenset()) -> str:
    """A whole query (any form) with the groups of its ``WHERE`` clause optimised; the text unchanged
    when it has none or does not parse. ``bound`` names variables given values from outside (query
    parameters, pre-bound like SPARQL's substitution).
    """
    from ropa_kg.sparql.lexer import tokenize

    try:
        tokens = tokenize(text)
    except Exception:  # the tokenizer is total; be safe with odd input anyway
        return text
    code = _code(tokens)
    depth = 0
    where_seen = False
    form = ""
    start = None
    for i in code:
        t = tokens[i]
        word = t.upper if t.kind == "word" and depth == 0 else ""
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and not form:
            form = word
        if word == "WHERE":
            where_seen = True
        if t.text == "{":
            if depth == 0 and (where_seen or form in ("SELECT", "ASK")):
                start = i
                break
            depth += 1
        elif t.text == "}":
            depth -= 1
    if start is None:
        return text
    try:
        end = _close(tokens, start)
    except ValueError:
        return text
    # parameters count as variables of the context: an EXISTS body using one is only rewritten when the
    # group binds it too, exactly as for a variable of an enclosing group
    optimised = optimise_group(tokens[start + 1 : end], outer=bound)
    return _render([*tokens[: start + 1], *optimised, *tokens[end:]])
