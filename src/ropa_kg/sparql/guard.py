"""Refuse every SPARQL request that is not a read-only query.

Two layers, both failing closed:

1. the package's SPARQL lexer (:mod:`ropa_kg.sparql.lexer`: comments, IRIs, strings, variables, prefixed
   names and language tags are told apart, so ``?load``, ``ex:SERVICE`` or ``"LOAD"`` are not keywords;
   keywords are matched case-insensitively) refuses any update keyword or ``SERVICE`` and finds the query
   form; it takes microseconds;
2. with ``strict`` (the default, and always for text a user gives), rdflib's SPARQL 1.1 parser must
   accept the text as a query, and its parse tree is searched for ``SERVICE`` as well. rdflib's parser
   needs about a second for the largest saved query, so the bundled queries, which the test suite
   parses with it, are run with the lexer layer only.

What is accepted and refused:

* ``SELECT``, ``ASK``, ``CONSTRUCT`` and ``DESCRIBE`` queries are accepted;
* any SPARQL Update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``, ``MOVE``,
  ``COPY``) is refused: the tool only reads;
* a ``SERVICE`` clause anywhere in the query (also inside sub-queries, ``OPTIONAL``, ``EXISTS``) is
  refused: it would make the engine send a request to another server;
* a text that parses as neither is a syntax error naming the line and column.

Refusals raise :class:`~ropa_kg.core.errors.RopaUsageError` (the CLI exits with code 2); syntax errors raise
:class:`~ropa_kg.core.errors.RopaInputError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from ropa_kg.core.errors import RopaInputError, RopaUsageError
from ropa_kg.sparql import lexer
from ropa_kg.sparql.lexer import LAYOUT, Token


class QueryForm(StrEnum):
    """The four read-only SPARQL query forms."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"


_FORMS: dict[str, QueryForm] = {
    "SelectQuery": QueryForm.SELECT,
    "AskQuery": QueryForm.ASK,
    "ConstructQuery": QueryForm.CONSTRUCT,
    "DescribeQuery": QueryForm.DESCRIBE,
}

#: rdflib's names of update operations, and how to name them to a user.
_UPDATES: dict[str, str] = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}


@dataclass(frozen=True)
class CheckedQuery:
    """What the guard learnt about an accepted query."""

    form: QueryForm
    #: True when the query names its dataset with ``FROM``/``FROM NAMED``.
    has_dataset_clause: bool


def check_read_only(text: str, *, source: Path | str | None = None, strict: bool = True) -> CheckedQuery:
    """Accept ``text`` only if it is a read-only query without ``SERVICE``.

    ``source`` names where the text came from (a file) in error messages; ``strict`` adds the full
    rdflib parse (see the module documentation).

    Raises:
        RopaUsageError: the text is a SPARQL Update (``LOAD`` included) or uses ``SERVICE``.
        RopaInputError: the text is not valid SPARQL 1.1 (no query form; with ``strict``, any syntax
            error); names the line and column.
    """
    words = [tok for tok in tokenize(text) if tok.kind == "word"]
    updates = [w.upper for w in words if w.upper in _UPDATE_WORDS]
    if updates:
        names = ", ".join(dict.fromkeys(_UPDATE_NAMES.get(u, u) for u in updates))
        raise RopaUsageError(
            f"{_where(source)}refused: SPARQL Update ({names}) is not allowed; "
            "only read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) can be run"
        )
    if any(w.upper == "SERVICE" for w in words):
        raise RopaUsageError(
            f"{_where(source)}refused: SERVICE is not allowed; a query may not make the engine "
            "contact another server"
        )
    form_word = next((w for w in words if w.upper not in {"PREFIX", "BASE"}), None)
    if form_word is None or form_word.upper not in QueryForm.__members__:
        raise RopaInputError(
            "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prefixes",
            source if source is not None else "query",
            form_word.line if form_word else 1,
        )
    form = QueryForm[form_word.upper]
    has_dataset = any(w.upper == "FROM" for w in words)
    if strict:
        _parse_strictly(text, source, form)
    return CheckedQuery(form=form, has_dataset_clause=has_dataset)


def _parse_strictly(text: str, source: Path | str | None, form: QueryForm) -> None:
    try:
        tree = parseQuery(text)
    except ParseBaseException as query_error:
        operations = _update_operations(text)
        if operations is not None:  # pragma: no cover - the lexer refuses updates first
            raise RopaUsageError(f"{_where(source)}refused: SPARQL Update is not allowed") from query_error
        raise RopaInputError(
            f"not a valid SPARQL 1.1 query: {query_error.msg} (column {query_error.col})",
            source if source is not None else "query",
            query_error.lineno,
        ) from query_error
    body = tree[1]
    if not isinstance(body, CompValue) or _FORMS.get(body.name) is not form:
        raise RopaUsageError(f"{_where(source)}refused: not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if any(node.name == "ServiceGraphPattern" for node in _walk(body)):  # pragma: no cover - lexer first
        raise RopaUsageError(f"{_where(source)}refused: SERVICE is not allowed")


def tokenize(text: str) -> Iterator[Token]:
    """The code tokens of ``text`` (:func:`ropa_kg.sparql.lexer.tokenize` without whitespace and
    comments). Never fails: an unterminated string or IRI yields punctuation tokens, and the engine's
    parser reports the syntax error."""
    return (token for token in lexer.tokenize(text) if token.kind not in LAYOUT)


#: Keywords that only occur in SPARQL Update.
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_UPDATE_NAMES = {"INSERT": "INSERT", "DELETE": "DELETE", "WITH": "WITH ... DELETE/INSERT"}


def _update_operations(text: str) -> list[str] | None:
    """The update operations in ``text`` if it parses as SPARQL Update, else None."""
    try:
        update = parseUpdate(text)
    except ParseBaseException:
        return None
    return [
        _UPDATES.get(op.name, op.name)
        for op in dict.get(update, "request") or []
        if isinstance(op, CompValue)
    ]


def _walk(node: Any) -> Iterator[CompValue]:
    """Every rdflib parse-tree node below ``node`` (itself included)."""
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, ParseResults | list | tuple):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _walk(value)


def _where(source: Path | str | None) -> str:
    return f"{source}: " if source is not None else ""


__all__ = ["CheckedQuery", "QueryForm", "Token", "check_read_only", "tokenize"]
