"""Rewrite one SHACL-SPARQL ``SELECT`` constraint so it runs once for all focus nodes.

SHACL pre-binds ``$this`` to one focus node per run. :func:`rewrite_for_all_focus_nodes` turns that into
a join: it keeps ``?this`` a variable, joins the query's ``WHERE`` group with a sub-query that yields
every focus node, projects ``?this`` and adds it to any ``GROUP BY`` (or adds ``GROUP BY ?this`` when the
query aggregates without grouping). ``$PATH`` is replaced by the property shape's path, and
``$currentShape`` by the shape's IRI. The text is scanned with a small SPARQL tokenizer (strings, IRIs,
comments and nesting are respected), not with regular expressions over the raw text.

Queries that cannot be rewritten exactly (``LIMIT``/``OFFSET``, a trailing ``VALUES``, ``FROM``,
``$shapesGraph``, a form other than ``SELECT``) raise :class:`NotRewritable`; the engine then runs the
shape with pyshacl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ropa_kg.sparql.exists import optimise_group
from ropa_kg.sparql.lexer import Token, tokenize

AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})


class NotRewritable(Exception):
    """The query uses something that cannot be run once for all focus nodes without changing results."""


def _join(tokens: list[Token]) -> str:
    return "".join(t.text for t in tokens)


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
) -> RewrittenQuery:
    """Return ``select_text`` joined with ``focus_subquery`` (a group pattern that binds ``?this``).

    Raises:
        NotRewritable: the query cannot be rewritten exactly (see the module docstring).
    """
    tokens = tokenize(select_text)
    # substitute $PATH / $currentShape, refuse $shapesGraph
    out: list[Token] = []
    for tok in tokens:
        if tok.kind == "var":
            name = tok.text[1:]
            if name == "PATH":
                if path_sparql is None:
                    raise NotRewritable("$PATH used in a constraint of a node shape")
                out.append(Token("other", f"({path_sparql})"))
                continue
            if name == "currentShape":
                if current_shape_iri is None:
                    raise NotRewritable("$currentShape on a blank-node shape")
                out.append(Token("iri", f"<{current_shape_iri}>"))
                continue
            if name == "shapesGraph":
                raise NotRewritable("$shapesGraph is not supported")
        out.append(tok)
    tokens = out
    code = [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]

    depth = 0
    select_at = None
    for i in code:
        t = tokens[i]
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
        elif depth == 0 and t.kind == "word" and t.upper in ("ASK", "CONSTRUCT", "DESCRIBE"):
            raise NotRewritable(f"a {t.upper} query is not a SELECT constraint")
        elif depth == 0 and t.kind == "word" and t.upper == "SELECT":
            select_at = i
            break
    if select_at is None:
        raise NotRewritable("no SELECT")
    # projection: from SELECT to WHERE or the first '{'
    open_at = None
    where_at = None
    for i in code:
        if i <= select_at:
            continue
        t = tokens[i]
        if t.kind == "word" and t.upper == "FROM":
            raise NotRewritable("FROM clause")
        if t.kind == "word" and t.upper == "WHERE":
            where_at = i
            continue
        if t.text == "{":
            open_at = i
            break
    if open_at is None:
        raise NotRewritable("no WHERE group")
    proj_end = where_at if where_at is not None else open_at
    projection = tokens[select_at + 1 : proj_end]
    projected: set[str] = set()
    projects_all = False
    paren = 0
    aggregated = False
    modifier = ""
    proj_code = [t for t in projection if t.kind not in ("ws", "comment")]
    for k, t in enumerate(proj_code):
        if t.text == "(":
            paren += 1
        elif t.text == ")":
            paren -= 1
        elif t.text == "*" and paren == 0:
            projects_all = True
        elif t.kind == "var" and paren == 0:
            projected.add(t.text[1:])
        elif t.kind == "var" and k > 0 and proj_code[k - 1].upper == "AS":
            if t.text[1:] == "this":
                raise NotRewritable("the query binds ?this with AS")
            projected.add(t.text[1:])
        elif t.kind == "word" and t.upper in ("DISTINCT", "REDUCED") and k == 0:
            modifier = t.upper
        if (
            t.kind == "word"
            and t.upper in AGGREGATES
            and k + 1 < len(proj_code)
            and proj_code[k + 1].text == "("
        ):
            aggregated = True
    # the main group: matching brace
    depth = 0
    close_at = None
    for i in code:
        if i < open_at:
            continue
        if tokens[i].text == "{":
            depth += 1
        elif tokens[i].text == "}":
            depth -= 1
            if depth == 0:
                close_at = i
                break
    if close_at is None:
        raise NotRewritable("unbalanced braces")
    body = tokens[open_at + 1 : close_at]
    modifiers = tokens[close_at + 1 :]
    mod_code = [t for t in modifiers if t.kind not in ("ws", "comment")]
    group_by_at = None
    group_vars: set[str] = set()
    for k, t in enumerate(mod_code):
        if t.kind == "word" and t.upper in ("LIMIT", "OFFSET"):
            raise NotRewritable(f"{t.upper} applies to all focus nodes at once")
        if t.kind == "word" and t.upper == "VALUES":
            raise NotRewritable("trailing VALUES")
        if (
            t.kind == "word"
            and t.upper in AGGREGATES
            and k + 1 < len(mod_code)
            and mod_code[k + 1].text == "("
        ):
            aggregated = True
        if t.kind == "word" and t.upper == "GROUP":
            group_by_at = k
        if group_by_at is not None and t.kind == "var":
            group_vars.add(t.text[1:])
    if group_by_at is not None:
        aggregated = True

    body = _decorrelate(body, focus_subquery)

    prologue = _join(tokens[:select_at])
    declared = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
    proj_text = _join(projection)
    if modifier:
        # drop the leading DISTINCT/REDUCED, re-added below
        proj_text = re.sub(r"^\s*(DISTINCT|REDUCED)\b", "", proj_text, count=1, flags=re.IGNORECASE)
    extra_this = "" if projects_all or "this" in projected else " ?this"
    mod_text_parts: list[str] = []
    if aggregated and group_by_at is None:
        mod_text_parts.append("\nGROUP BY ?this ")
        mod_text_parts.append(_join(modifiers))
    elif group_by_at is not None and "this" not in group_vars:
        # insert ?this after "GROUP BY"
        seen_group = False
        inserted = False
        for t in modifiers:
            mod_text_parts.append(t.text)
            if not inserted and t.kind == "word" and t.upper == "GROUP":
                seen_group = True
            elif not inserted and seen_group and t.kind == "word" and t.upper == "BY":
                mod_text_parts.append(" ?this")
                inserted = True
    else:
        mod_text_parts.append(_join(modifiers))
    text = (
        f"{declared}{prologue}SELECT {modifier}{extra_this} {proj_text.strip()} WHERE {{\n"
        f"{_join(body)}\n}}{''.join(mod_text_parts)}"
    )
    return RewrittenQuery(text=text, projects_all=projects_all, projected=frozenset(projected))


_UNSAFE_IN_EXISTS = frozenset({"OPTIONAL", "UNION", "MINUS", "VALUES", "BIND", "GRAPH", "SERVICE", "SELECT"})


def _vars(tokens: list[Token]) -> set[str]:
    return {t.text[1:] for t in tokens if t.kind == "var"}


def _filter_end(body: list[Token], code: list[int], k: int) -> int | None:
    """Index into ``code`` of the last token of the FILTER starting at ``code[k]``."""
    if k + 1 >= len(code):
        return None
    nxt = body[code[k + 1]]
    j = k + 2 if nxt.upper == "NOT" else k + 1
    if j + 1 < len(code) and body[code[j]].upper == "EXISTS" and body[code[j + 1]].text == "{":
        return _match_brace(body, code, j + 1)
    if nxt.text == "(":
        return _match_brace(body, code, k + 1)
    if nxt.kind == "word" and k + 2 < len(code) and body[code[k + 2]].text == "(":
        return _match_brace(body, code, k + 2)
    return None


def _outer_triples(body: list[Token]) -> tuple[str, set[str]] | None:
    """The group's triple patterns (filters removed) and their variables, or None when the group holds
    anything but triples and filters at its top level."""
    code = [i for i, t in enumerate(body) if t.kind not in ("ws", "comment")]
    kept: list[Token] = []
    k = 0
    while k < len(code):
        t = body[code[k]]
        if t.kind == "word" and t.upper == "FILTER":
            end = _filter_end(body, code, k)
            if end is None:
                return None
            k = end + 1
            continue
        if t.text in ("{", "}") or (t.kind == "word" and t.upper in _UNSAFE_IN_EXISTS):
            return None
        kept.append(t)
        k += 1
    while kept and kept[-1].text == ".":
        kept.pop()
    text = " ".join(t.text for t in kept)
    return (text + " ." if text else ""), _vars(kept)


def _mergeable(pattern: list[Token]) -> bool:
    """``P`` can be evaluated inline with the group's triples: no sub-query, GRAPH or SERVICE, and its
    nested groups (outside EXISTS blocks, whose filters need the row's bindings) hold only triples."""
    code = [t for t in pattern if t.kind not in ("ws", "comment")]
    stack: list[str] = []
    previous = ""
    for t in code:
        if t.kind == "word" and t.upper in ("SELECT", "GRAPH", "SERVICE"):
            return False
        if t.text == "{":
            stack.append("exists" if previous == "EXISTS" or "exists" in stack else "group")
        elif t.text == "}":
            if stack:
                stack.pop()
        elif (
            stack
            and stack[-1] == "group"
            and t.kind == "word"
            and t.upper in ("FILTER", "BIND", "OPTIONAL", "MINUS", "VALUES")
        ):
            return False
        previous = t.upper
    return True


def _match_brace(body: list[Token], code: list[int], k: int) -> int | None:
    """Index into ``code`` of the ``}`` (or ``)``) closing the one at ``code[k]``."""
    opening = body[code[k]].text
    closing = "}" if opening == "{" else ")"
    level = 0
    for m in range(k, len(code)):
        txt = body[code[m]].text
        if txt == opening:
            level += 1
        elif txt == closing:
            level -= 1
            if level == 0:
                return m
    return None


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
        return f"{focus}\n{triples_text}\n{_join(pattern)}", keys

    return optimise_group([*tokenize(focus), Token("ws", "\n"), *body], fallback=fallback)
