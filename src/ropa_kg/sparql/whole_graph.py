"""Whether a query asks for the whole graph as it is: ``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }``.

The query layer answers that query without the engine's CONSTRUCT, reading the store subject by subject
in the printed order (:func:`ropa_kg.query.stream.graph_rows`); this module only tells the shape from the
query's tokens (:mod:`~ropa_kg.sparql.lexer`).
"""

from __future__ import annotations

from ropa_kg.sparql.lexer import Token, code, tokenize


def _prologue_end(tokens: list[Token]) -> int:
    """Index of the first token after the ``PREFIX`` and ``BASE`` declarations."""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.is_keyword("PREFIX") and _kinds(tokens[index + 1 : index + 3]) == ["pname", "iri"]:
            index += 3
        elif token.is_keyword("BASE") and _kinds(tokens[index + 1 : index + 2]) == ["iri"]:
            index += 2
        else:
            break
    return index


def _kinds(tokens: list[Token]) -> list[str]:
    return [t.kind for t in tokens]


def _triple_block(tokens: list[Token], start: int) -> tuple[tuple[str, ...], int] | None:
    """``{ ?a ?b ?c }`` (a final ``.`` allowed) at ``start``: the three variable names and the index
    after the ``}``; None for anything else."""
    block = tokens[start : start + 4]
    if len(block) < 4 or block[0].text != "{" or _kinds(block[1:]) != ["var", "var", "var"]:
        return None
    end = start + 4
    if end < len(tokens) and tokens[end].kind == "punct" and tokens[end].text == ".":
        end += 1
    if end >= len(tokens) or tokens[end].text != "}" or tokens[end].kind != "punct":
        return None
    return tuple(t.text[1:] for t in block[1:]), end + 1


def is_whole_graph(text: str) -> bool:
    """Whether ``text`` is ``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }`` after a prologue of ``PREFIX``
    and ``BASE`` declarations, and nothing else.

    Any three distinct variables (``?x`` and ``$x`` are one), the same in the template and the pattern and
    in the same places; keywords in any case, comments and layout anywhere; ``WHERE`` optional, a final
    ``.`` in either block allowed; the short form ``CONSTRUCT WHERE { ?s ?p ?o }`` too. A dataset clause
    (``FROM``), a solution modifier (``ORDER BY``, ``LIMIT``, ...), ``VALUES``, a ``FILTER``, another
    pattern or template, a repeated variable: not the whole graph. Never raises (text that does not parse
    is no match; the engine reports it)."""
    tokens = code(tokenize(text))
    index = _prologue_end(tokens)
    if index >= len(tokens) or not tokens[index].is_keyword("CONSTRUCT"):
        return False
    index += 1
    template: tuple[str, ...] | None = None
    if index < len(tokens) and tokens[index].text == "{":
        found = _triple_block(tokens, index)
        if found is None:
            return False
        template, index = found
    if index < len(tokens) and tokens[index].is_keyword("WHERE"):
        index += 1
    elif template is None:
        return False
    found = _triple_block(tokens, index)
    if found is None:
        return False
    pattern, index = found
    return index == len(tokens) and len(set(pattern)) == 3 and template in (None, pattern)


__all__ = ["is_whole_graph"]
