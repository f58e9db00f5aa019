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
that filter sees. The rewrite is purely textual on tokens of :func:`ropa_kg.sparql.lexer.tokenize`, and
the text is joined back unchanged where nothing is rewritten; keywords are matched case-insensitively.
Hand-written: no SPARQL library offers this rewrite, and going through rdflib's parse tree would cost
about a second for the largest saved query (see :mod:`ropa_kg.sparql.guard`) and lose the query's layout.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from ropa_kg.sparql.lexer import LAYOUT, Token, join, matching_bracket, next_code, tokenize, variables

#: A hook for the top-level group: given an EXISTS body the rules refuse, (pattern text, join keys) or None.
Fallback = Callable[[list[Token]], "tuple[str, str] | None"]

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


def _tok(text: str) -> Token:
    """A token the rewrite makes (its kind matters to no reader)."""
    return Token("punct", text)


def _first_brace(tokens: list[Token]) -> int | None:
    """Index of the first ``{`` among ``tokens`` (outside comments), or None."""
    return next((i for i, t in enumerate(tokens) if t.kind not in LAYOUT and t.text == "{"), None)


def _is_select(inner: list[Token]) -> bool:
    first = next_code(inner, 0)
    return first is not None and inner[first].is_keyword("SELECT")


# --------------------------------------------------------------------------------------------------
# Reading a group into its elements
# --------------------------------------------------------------------------------------------------


def parse_group(inner: list[Token]) -> list[Element]:
    """Split the inside of a group (between its braces) into elements. Raises ValueError."""
    return _GroupReader(inner).read()


class _GroupReader:
    """Reads the inside of a group element by element; the tokens between elements are its triples."""

    def __init__(self, inner: list[Token]) -> None:
        self.inner = inner
        self.elements: list[Element] = []
        self.triples: list[Token] = []

    def read(self) -> list[Element]:
        index = 0
        while index < len(self.inner):
            index = self._element_at(index)
        self._flush()
        return self.elements

    def _element_at(self, index: int) -> int:
        """Read the element (or triple token) at ``index``; the index after it."""
        token = self.inner[index]
        word = token.upper if token.kind == "word" else ""
        if token.text == "{":
            return self._add(*self._braced(index))
        if word in _GROUP_KEYWORDS:
            brace = self._brace_after(index, f"{word} without a group")
            end = matching_bracket(self.inner, brace)
            kind = word.lower() if word in ("OPTIONAL", "MINUS") else "other"
            return self._add(kind, index, end, [(brace + 1, end)])
        if word in ("FILTER", "BIND"):
            return self._add(word.lower(), index, self._expression_end(index, word), [])
        if word == "VALUES":
            end = matching_bracket(self.inner, self._brace_after(index, "VALUES without data"))
            return self._add("values", index, end, [])
        if token.text in ("(", "["):  # collections and blank node property lists belong to the triples
            end = matching_bracket(self.inner, index)
            self.triples.extend(self.inner[index : end + 1])
            return end + 1
        self.triples.append(token)
        return index + 1

    def _add(self, kind: str, start: int, stop: int, spans: list[tuple[int, int]]) -> int:
        """Add the element ``inner[start..stop]`` (spans relative to ``inner``); the index after it."""
        self._flush()
        relative = [(a - start, b - start) for a, b in spans]
        self.elements.append(Element(kind, self.inner[start : stop + 1], relative))
        return stop + 1

    def _flush(self) -> None:
        triples = self.triples
        if any(t.kind not in LAYOUT for t in triples):
            self.elements.append(Element("triples", list(triples)))
        elif triples and self.elements:  # white space and comments stay with the element before
            self.elements[-1].tokens.extend(triples)
        elif triples:
            self.elements.append(Element("other", list(triples)))
        triples.clear()

    def _braced(self, start: int) -> tuple[str, int, int, list[tuple[int, int]]]:
        """The group, ``UNION`` chain or sub-query opening at ``start``: (kind, start, stop, spans)."""
        end = matching_bracket(self.inner, start)
        spans = [(start + 1, end)]
        stop = end
        while (union := self._union_after(stop)) is not None:
            brace = next_code(self.inner, union + 1)
            if brace is None or self.inner[brace].text != "{":
                raise ValueError("UNION without a group")
            stop = matching_bracket(self.inner, brace)
            spans.append((brace + 1, stop))
        if len(spans) > 1:
            return "union", start, stop, spans
        return ("subselect" if _is_select(self.inner[start + 1 : end]) else "group"), start, stop, spans

    def _union_after(self, index: int) -> int | None:
        """Index of the ``UNION`` that follows ``inner[index]`` (white space between), or None."""
        following = next_code(self.inner, index + 1)
        return following if following is not None and self.inner[following].is_keyword("UNION") else None

    def _brace_after(self, index: int, error: str) -> int:
        """Index of the first ``{`` after ``index``. Raises ValueError(error) when there is none."""
        brace = next_code(self.inner, index + 1)
        while brace is not None and self.inner[brace].text != "{":
            brace = next_code(self.inner, brace + 1)
        if brace is None:
            raise ValueError(error)
        return brace

    def _expression_end(self, index: int, word: str) -> int:
        """Index of the last token of the expression of the ``FILTER``/``BIND`` at ``index``: ``( ... )``,
        ``[NOT] EXISTS { ... }`` or a function call ``name ( ... )``. Raises ValueError."""
        first = next_code(self.inner, index + 1)
        if first is None:
            raise ValueError(f"{word} without an expression")
        if self.inner[first].text == "(":
            return matching_bracket(self.inner, first)
        if self.inner[first].is_keyword("NOT", "EXISTS"):
            exists = next_code(self.inner, first + 1) if self.inner[first].upper == "NOT" else first
            brace = next_code(self.inner, exists + 1) if exists is not None else None
            if brace is None or self.inner[brace].text != "{":
                raise ValueError("EXISTS without a group")
            return matching_bracket(self.inner, brace)
        paren = next_code(self.inner, first + 1)
        if paren is None or self.inner[paren].text != "(":
            raise ValueError("FILTER without a parenthesised expression")
        return matching_bracket(self.inner, paren)


# --------------------------------------------------------------------------------------------------
# Which variables are certain, and where shared variables may occur
# --------------------------------------------------------------------------------------------------


def _projection(inner: list[Token]) -> tuple[set[str], bool, list[Token]]:
    """(plainly projected variables, whether it aggregates or projects *, the WHERE group's inside)."""
    brace = _first_brace(inner)
    if brace is None:
        raise ValueError("sub-query without WHERE")
    end = matching_bracket(inner, brace)
    plain: set[str] = set()
    level = 0
    complex_ = False
    for t in inner[:brace]:
        if t.text == "(":
            level += 1
        elif t.text == ")":
            level -= 1
        elif t.text == "*":
            complex_ = True
        elif t.kind == "var" and level == 0:
            plain.add(t.text[1:])
    if any(t.is_keyword("GROUP", "HAVING", "LIMIT", "OFFSET", "VALUES") for t in inner[end + 1 :]):
        complex_ = True
    return plain, complex_, inner[brace + 1 : end]


def certain_vars(elements: list[Element]) -> set[str]:
    """Variables bound in every solution of the group (a safe under-approximation)."""
    bound: set[str] = set()
    for el in elements:
        if el.kind == "triples":
            bound |= variables(el.tokens)
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
        used = variables(el.tokens) & shared
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


# --------------------------------------------------------------------------------------------------
# Rewriting
# --------------------------------------------------------------------------------------------------


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
        frozenset(outer | variables([t for other in elements if other is not el for t in other.tokens]))
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
    brace = _first_brace(inner)
    if brace is None:
        return inner
    end = matching_bracket(inner, brace)
    where = optimise_group(inner[brace + 1 : end], outer=outer, counter=counter)
    return [*inner[: brace + 1], *where, *inner[end:]]


def _exists_at(tokens: list[Token], index: int) -> tuple[bool, int] | None:
    """``(negated, index of its {)`` when ``[NOT] EXISTS {`` starts at ``tokens[index]``, else None."""
    if not tokens[index].is_keyword("NOT", "EXISTS"):
        return None
    negated = tokens[index].upper == "NOT"
    exists = next_code(tokens, index + 1) if negated else index
    brace = next_code(tokens, exists + 1) if exists is not None else None
    if (
        exists is None
        or brace is None
        or not tokens[exists].is_keyword("EXISTS")
        or tokens[brace].text != "{"
    ):
        return None
    return negated, brace


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
    index = 0
    while index < len(tokens):
        found = _exists_at(tokens, index)
        if found is None:
            out.append(tokens[index])
            index += 1
            continue
        negated, brace = found
        end = matching_bracket(tokens, brace)
        body = tokens[brace + 1 : end]
        replacement = _decorrelate_exists(body, context, certain, counter, appended, fallback)
        if replacement is not None:
            out.append(_tok(("!" if negated else "") + replacement))
        else:  # kept; its body is optimised with the context as the substituted variables
            out.extend(tokens[index : brace + 1])
            out.extend(optimise_group(body, outer=frozenset(context), counter=counter))
            out.append(tokens[end])
        index = end + 1
    first = next_code(tokens, 1)
    if first is not None and tokens[first].is_keyword("NOT", "EXISTS"):
        # FILTER [NOT] EXISTS {...} became FILTER !(...): parenthesise
        return [*out[:first], _tok("("), *out[first:], _tok(")")]
    return out


def _iri_list(tokens: list[Token]) -> tuple[str, list[Token]] | None:
    """``(var, IRIs)`` when ``tokens`` is exactly ``FILTER ( ?var IN ( iri, ... ) )``."""
    code = [t for t in tokens if t.kind not in LAYOUT]
    if len(code) < 8 or code[1].text != "(" or code[2].kind != "var":
        return None
    if code[3].upper != "IN" or code[4].text != "(" or [t.text for t in code[-2:]] != [")", ")"]:
        return None
    items = code[5:-2]
    iris = items[0::2]
    if any(t.text != "," for t in items[1::2]) or not iris:
        return None
    if not all(t.kind in ("iri", "pname") for t in iris):
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
            values.extend(tokenize(f"VALUES {var} {{ {' '.join(t.text for t in iris)} }}\n"))
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
        shared = variables(variant) & context
        if (
            shared <= certain
            and shared <= certain_vars(elements)
            and _safe_occurrences(elements, shared, top=True)
        ):
            anchored = _anchor_in_filters(elements)
            optimised = optimise_group(anchored, outer=frozenset(shared), counter=counter)
            parts.append((" ".join(f"?{v}" for v in sorted(shared)), join(optimised)))
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
            tokenize(f"\nOPTIONAL {{ SELECT DISTINCT {keys} (true AS {var}) WHERE {{ {pattern} }} }}")
        )
        tests.append(f"BOUND({var})")
    return "(" + " || ".join(tests) + ")"


def _where_brace(tokens: list[Token]) -> int | None:
    """Index of the ``{`` opening the query's ``WHERE`` group: the first at depth 0 after ``WHERE``, or
    after the form for ``SELECT``/``ASK`` (whose ``WHERE`` is optional); None if there is none."""
    depth = 0
    where_seen = False
    form = ""
    for index, t in enumerate(tokens):
        word = t.upper if t.kind == "word" and depth == 0 else ""
        form = form or (word if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else "")
        where_seen = where_seen or word == "WHERE"
        if t.text == "{":
            if depth == 0 and (where_seen or form in ("SELECT", "ASK")):
                return index
            depth += 1
        elif t.text == "}":
            depth -= 1
    return None


def optimise_query(text: str, *, bound: frozenset[str] = frozenset()) -> str:
    """A whole query (any form) with the groups of its ``WHERE`` clause optimised; the text unchanged
    when it has none or does not parse. ``bound`` names variables given values from outside (query
    parameters, pre-bound like SPARQL's substitution).
    """
    try:
        tokens = tokenize(text)
    except Exception:  # the tokenizer is total; be safe with odd input anyway
        return text
    start = _where_brace(tokens)
    if start is None:
        return text
    try:
        end = matching_bracket(tokens, start)
    except ValueError:
        return text
    # parameters count as variables of the context: an EXISTS body using one is only rewritten when the
    # group binds it too, exactly as for a variable of an enclosing group
    optimised = optimise_group(tokens[start + 1 : end], outer=bound)
    return join([*tokens[: start + 1], *optimised, *tokens[end:]])


__all__ = ["Element", "Fallback", "certain_vars", "optimise_group", "optimise_query", "parse_group"]
