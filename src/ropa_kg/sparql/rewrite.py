"""Rewrite one SHACL-SPARQL ``SELECT`` constraint so it runs once for all focus nodes.

SHACL pre-binds ``$this`` to one focus node per run. :func:`rewrite_for_all_focus_nodes` turns that into
a join: it keeps ``?this`` a variable, joins the query's ``WHERE`` group with a sub-query that yields
every focus node, projects ``?this`` and adds it to any ``GROUP BY`` (or adds ``GROUP BY ?this`` when the
query aggregates without grouping). ``$PATH`` is replaced by the property shape's path, and
``$currentShape`` by the shape's IRI. The text is read as tokens of :func:`ropa_kg.sparql.lexer.tokenize`
(strings, IRIs, comments and nesting are respected), not with regular expressions over the raw text, and
joined back unchanged where it is not rewritten. Hand-written: no SPARQL library offers this rewrite.

Queries that cannot be rewritten exactly (``LIMIT``/``OFFSET``, a trailing ``VALUES``, ``FROM``,
``$shapesGraph``, a form other than ``SELECT``) raise :class:`NotRewritable`; the engine then runs the
shape with pyshacl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ropa_kg.sparql.exists import optimise_group
from ropa_kg.sparql.lexer import LAYOUT, Token, code, join, matching_bracket, tokenize, variables
from ropa_kg.sparql.prebinding import bind_this_where_used

AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
_OTHER_FORMS = ("ASK", "CONSTRUCT", "DESCRIBE")
_LEADING_MODIFIER = re.compile(r"^\s*(DISTINCT|REDUCED)\b", re.IGNORECASE)


class NotRewritable(Exception):
    """The query uses something that cannot be run once for all focus nodes without changing results."""


@dataclass(frozen=True)
class RewrittenQuery:
    """A query that runs for all focus nodes, and what the original projected."""

    text: str
    projects_all: bool
    projected: frozenset[str]


def rewrite_for_all_focus_nodes(
    select_text: str,
    *,
    focus_subquery: str,
    prefixes: dict[str, str],
    path_sparql: str | None,
    current_shape_iri: str | None,
    substitutions: dict[str, str] | None = None,
    decorrelate: bool = True,
) -> RewrittenQuery:
    """Return ``select_text`` joined with ``focus_subquery`` (a group pattern that binds ``?this``);
    ``?this`` is bound in nested groups and sub-queries too
    (:func:`~ropa_kg.sparql.prebinding.bind_this_where_used`). ``substitutions`` replaces pre-bound
    variables (a constraint component's parameters, by name) with terms (SPARQL text). With
    ``decorrelate`` (the default), correlated ``EXISTS`` blocks become joins evaluated once (for Oxigraph);
    without, they are left as written (for a store that evaluates them well but not the joins: Virtuoso
    enumerates every node for ``?x skos:broader* C`` with ``?x`` unbound).

    Raises:
        NotRewritable: the query cannot be rewritten exactly (see the module docstring).
    """
    tokens = _substitute(
        tokenize(select_text),
        path_sparql=path_sparql,
        current_shape_iri=current_shape_iri,
        substitutions=substitutions or {},
    )
    query = _read_select(tokens)
    body = bind_this_where_used(query.body, focus_subquery)
    body = (
        _decorrelate(body, focus_subquery)
        if decorrelate
        else [*tokenize(focus_subquery), Token("ws", "\n"), *body]
    )
    declared = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
    text = (
        f"{declared}{join(query.prologue)}SELECT {query.projection.modifier}{query.extra_this()} "
        f"{query.projection_text()} WHERE {{\n{join(body)}\n}}{query.solution_modifiers_text()}"
    )
    return RewrittenQuery(
        text=text, projects_all=query.projection.projects_all, projected=frozenset(query.projection.projected)
    )


# --------------------------------------------------------------------------------------------------
# Reading the query
# --------------------------------------------------------------------------------------------------


def _substitute(
    tokens: list[Token],
    *,
    path_sparql: str | None,
    current_shape_iri: str | None,
    substitutions: dict[str, str],
) -> list[Token]:
    """``tokens`` with ``$PATH``, ``$currentShape`` and the ``substitutions`` replaced. Raises NotRewritable
    when one of them has no value here, or for ``$shapesGraph``."""
    out: list[Token] = []
    for tok in tokens:
        name = tok.text[1:] if tok.kind == "var" else ""
        if name in substitutions:
            tok = Token("iri", substitutions[name])
        elif name == "PATH":
            if path_sparql is None:
                raise NotRewritable("$PATH used in a constraint of a node shape")
            tok = Token("punct", f"({path_sparql})")
        elif name == "currentShape":
            if current_shape_iri is None:
                raise NotRewritable("$currentShape on a blank-node shape")
            tok = Token("iri", f"<{current_shape_iri}>")
        elif name == "shapesGraph":
            raise NotRewritable("$shapesGraph is not supported")
        out.append(tok)
    return out


@dataclass
class _Projection:
    """What the projection (between ``SELECT`` and ``WHERE``) says."""

    projected: set[str] = field(default_factory=set)
    projects_all: bool = False
    aggregated: bool = False
    #: ``DISTINCT`` or ``REDUCED`` (upper-cased) when the projection starts with it
    modifier: str = ""


@dataclass
class _SolutionModifiers:
    """What the text after the ``WHERE`` group says."""

    grouped: bool = False
    aggregated: bool = False
    #: the variables from the first ``GROUP`` on
    group_vars: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Select:
    """A ``SELECT`` query cut into its parts (token lists) and what they say."""

    prologue: list[Token]
    projection_tokens: list[Token]
    body: list[Token]
    modifiers: list[Token]
    projection: _Projection
    solution: _SolutionModifiers

    def extra_this(self) -> str:
        """`` ?this`` when the projection lacks it."""
        return "" if self.projection.projects_all or "this" in self.projection.projected else " ?this"

    def projection_text(self) -> str:
        """The projection without its leading ``DISTINCT``/``REDUCED`` (written again before ``?this``)."""
        text = join(self.projection_tokens)
        if self.projection.modifier:
            text = _LEADING_MODIFIER.sub("", text, count=1)
        return text.strip()

    def solution_modifiers_text(self) -> str:
        """The solution modifiers, grouped by ``?this`` where the query aggregates."""
        if (self.projection.aggregated or self.solution.aggregated) and not self.solution.grouped:
            return "\nGROUP BY ?this " + join(self.modifiers)
        if self.solution.grouped and "this" not in self.solution.group_vars:
            return _group_by_this(self.modifiers)
        return join(self.modifiers)


def _read_select(tokens: list[Token]) -> _Select:
    """Cut the query into prologue, projection, ``WHERE`` group and solution modifiers.

    Raises:
        NotRewritable: not a ``SELECT`` query, a ``FROM`` clause, no or an unclosed ``WHERE`` group, or a
            solution modifier that applies to all focus nodes at once.
    """
    select_at = _select_index(tokens)
    where_at, open_at = _where_group(tokens, select_at)
    projection_tokens = tokens[select_at + 1 : where_at if where_at is not None else open_at]
    projection = _read_projection(code(projection_tokens))
    try:
        close_at = matching_bracket(tokens, open_at)
    except ValueError:
        raise NotRewritable("unbalanced braces") from None
    modifiers = tokens[close_at + 1 :]
    return _Select(
        prologue=tokens[:select_at],
        projection_tokens=projection_tokens,
        body=tokens[open_at + 1 : close_at],
        modifiers=modifiers,
        projection=projection,
        solution=_read_solution_modifiers(code(modifiers)),
    )


def _select_index(tokens: list[Token]) -> int:
    """Index of the top-level ``SELECT``. Raises NotRewritable for another query form or none."""
    depth = 0
    for index, t in enumerate(tokens):
        if t.kind in LAYOUT:
            continue
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
        elif depth == 0 and t.is_keyword(*_OTHER_FORMS):
            raise NotRewritable(f"a {t.upper} query is not a SELECT constraint")
        elif depth == 0 and t.is_keyword("SELECT"):
            return index
    raise NotRewritable("no SELECT")


def _where_group(tokens: list[Token], select_at: int) -> tuple[int | None, int]:
    """(index of the last ``WHERE`` if any, index of the ``{`` opening the group) after ``SELECT``.
    Raises NotRewritable for a ``FROM`` clause or no group."""
    where_at = None
    for index in range(select_at + 1, len(tokens)):
        t = tokens[index]
        if t.is_keyword("FROM"):
            raise NotRewritable("FROM clause")
        if t.is_keyword("WHERE"):
            where_at = index
        elif t.text == "{":
            return where_at, index
    raise NotRewritable("no WHERE group")


def _calls_aggregate(tokens: list[Token], index: int) -> bool:
    """Whether ``tokens[index]`` (code tokens) names an aggregate called with ``(``."""
    return tokens[index].is_keyword(*AGGREGATES) and index + 1 < len(tokens) and tokens[index + 1].text == "("


def _read_projection(tokens: list[Token]) -> _Projection:
    """Read the projection's code tokens. Raises NotRewritable when it binds ``?this`` with ``AS``."""
    found = _Projection()
    paren = 0
    for k, t in enumerate(tokens):
        if t.text == "(":
            paren += 1
        elif t.text == ")":
            paren -= 1
        elif t.text == "*" and paren == 0:
            found.projects_all = True
        elif t.kind == "var" and (paren == 0 or (k > 0 and tokens[k - 1].upper == "AS")):
            if paren != 0 and t.text[1:] == "this":
                raise NotRewritable("the query binds ?this with AS")
            found.projected.add(t.text[1:])
        elif k == 0 and t.is_keyword("DISTINCT", "REDUCED"):
            found.modifier = t.upper
        found.aggregated = found.aggregated or _calls_aggregate(tokens, k)
    return found


def _read_solution_modifiers(tokens: list[Token]) -> _SolutionModifiers:
    """Read the code tokens after the ``WHERE`` group. Raises NotRewritable for ``LIMIT``, ``OFFSET`` or
    a trailing ``VALUES``."""
    found = _SolutionModifiers()
    for k, t in enumerate(tokens):
        if t.is_keyword("LIMIT", "OFFSET"):
            raise NotRewritable(f"{t.upper} applies to all focus nodes at once")
        if t.is_keyword("VALUES"):
            raise NotRewritable("trailing VALUES")
        found.aggregated = found.aggregated or _calls_aggregate(tokens, k)
        found.grouped = found.grouped or t.is_keyword("GROUP")
        if found.grouped and t.kind == "var":
            found.group_vars.add(t.text[1:])
    return found


def _group_by_this(modifiers: list[Token]) -> str:
    """The text of ``modifiers`` with `` ?this`` inserted after its first ``GROUP BY``."""
    parts: list[str] = []
    seen_group = inserted = False
    for t in modifiers:
        parts.append(t.text)
        if inserted:
            continue
        if t.is_keyword("GROUP"):
            seen_group = True
        elif seen_group and t.is_keyword("BY"):
            parts.append(" ?this")
            inserted = True
    return "".join(parts)


# --------------------------------------------------------------------------------------------------
# Decorrelating the group
# --------------------------------------------------------------------------------------------------

_UNSAFE_IN_EXISTS = frozenset({"OPTIONAL", "UNION", "MINUS", "VALUES", "BIND", "GRAPH", "SERVICE", "SELECT"})


def _closing(tokens: list[Token], index: int) -> int | None:
    """Index of the bracket closing ``tokens[index]``, or None when it is not closed."""
    try:
        return matching_bracket(tokens, index)
    except ValueError:
        return None


def _filter_end(tokens: list[Token], k: int) -> int | None:
    """Index of the last token of the FILTER at ``tokens[k]`` (code tokens), or None if unreadable."""
    if k + 1 >= len(tokens):
        return None
    nxt = tokens[k + 1]
    j = k + 2 if nxt.upper == "NOT" else k + 1
    if j + 1 < len(tokens) and tokens[j].upper == "EXISTS" and tokens[j + 1].text == "{":
        return _closing(tokens, j + 1)
    if nxt.text == "(":
        return _closing(tokens, k + 1)
    if nxt.is_name and k + 2 < len(tokens) and tokens[k + 2].text == "(":
        return _closing(tokens, k + 2)
    return None


def _outer_triples(body: list[Token]) -> tuple[str, set[str]] | None:
    """The group's triple patterns (filters removed) and their variables, or None when the group holds
    anything but triples and filters at its top level."""
    tokens = code(body)
    kept: list[Token] = []
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t.is_keyword("FILTER"):
            end = _filter_end(tokens, k)
            if end is None:
                return None
            k = end + 1
            continue
        if t.text in ("{", "}") or t.is_keyword(*_UNSAFE_IN_EXISTS):
            return None
        kept.append(t)
        k += 1
    while kept and kept[-1].text == ".":
        kept.pop()
    text = " ".join(t.text for t in kept)
    return (text + " ." if text else ""), variables(kept)


def _mergeable(pattern: list[Token]) -> bool:
    """``P`` can be evaluated inline with the group's triples: no sub-query, GRAPH or SERVICE, and its
    nested groups (outside EXISTS blocks, whose filters need the row's bindings) hold only triples."""
    stack: list[str] = []
    previous = ""
    for t in code(pattern):
        if t.is_keyword("SELECT", "GRAPH", "SERVICE"):
            return False
        if t.text == "{":
            stack.append("exists" if previous == "EXISTS" or "exists" in stack else "group")
        elif t.text == "}":
            if stack:
                stack.pop()
        elif stack and stack[-1] == "group" and t.is_keyword("FILTER", "BIND", "OPTIONAL", "MINUS", "VALUES"):
            return False
        previous = t.upper
    return True


def _decorrelate(body: list[Token], focus: str) -> list[Token]:
    """The focus sub-query followed by ``body``, its correlated ``EXISTS`` blocks turned into joins
    evaluated once (:func:`ropa_kg.sparql.exists.optimise_group`).

    Where an ``EXISTS`` body shares variables the rules of that module cannot join on (a shared variable
    in a nested filter, say) and the group holds only triples and filters, the body is evaluated together
    with the focus nodes and the group's triples (``{FOCUS T P}``) and joined on all their variables,
    which is what substituting the row's bindings into ``P`` means. Oxigraph evaluates a correlated
    EXISTS once per row, a join once: on large records this is the difference between seconds and hours.
    """
    outer = _outer_triples(body)

    def fallback(pattern: list[Token]) -> tuple[str, str] | None:
        if outer is None or not _mergeable(pattern):
            return None
        triples_text, triple_vars = outer
        keys = " ".join(f"?{v}" for v in sorted({"this", *triple_vars}))
        return f"{focus}\n{triples_text}\n{join(pattern)}", keys

    return optimise_group([*tokenize(focus), Token("ws", "\n"), *body], fallback=fallback)


__all__ = ["AGGREGATES", "NotRewritable", "RewrittenQuery", "rewrite_for_all_focus_nodes"]
