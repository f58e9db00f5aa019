"""The typed result of a query, whichever engine ran it, and its renderings.

Every engine's terms are turned into rdflib terms (:class:`~rdflib.URIRef`, :class:`~rdflib.Literal`,
:class:`~rdflib.BNode`) so that results from pyoxigraph, rdflib and a remote endpoint compare equal.
A plain literal and an ``xsd:string`` literal are the same term in RDF 1.1; both become a plain
:class:`~rdflib.Literal`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from ropa_kg.core.namespaces import PREFIXES
from ropa_kg.core.terms import Term, from_json, plain_literal, to_json
from ropa_kg.sparql.guard import QueryForm

#: The text formats ``ropa query --format`` offers.
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")

#: Separator the saved queries use inside ``GROUP_CONCAT``; a cell holding it is a list.
LIST_SEPARATOR = " | "


@dataclass(frozen=True)
class ResultTable:
    """Rows of a query result; ``None`` is an unbound cell.

    ASK results are one column ``result`` with one boolean literal; CONSTRUCT and DESCRIBE results are
    the columns ``subject``, ``predicate``, ``object`` with one row per triple.
    """

    form: QueryForm
    columns: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]

    @classmethod
    def ask(cls, answer: bool) -> ResultTable:
        return cls(QueryForm.ASK, ("result",), ((Literal(answer),),))

    @classmethod
    def triples(cls, form: QueryForm, triples: Iterable[tuple[Term, Term, Term]]) -> ResultTable:
        """A CONSTRUCT or DESCRIBE result: one row per triple, sorted (a graph has no order of its own,
        and engines return its triples in different orders), so the same graph gives the same table."""
        rows = sorted((tuple(t) for t in triples), key=_triple_key)
        return cls(form, ("subject", "predicate", "object"), tuple(rows))

    def text_rows(self, *, compact: bool = True) -> list[list[str]]:
        """Every row as display strings (see :func:`term_text`); unbound cells are empty strings."""
        return [[term_text(cell, compact=compact) for cell in row] for row in self.rows]


def _triple_key(row: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(term.n3() for term in row)


@lru_cache(maxsize=1 << 16)
def compact_iri(iri: str) -> str:
    """``alu:Chat`` for an IRI in one of the project's namespaces (longest match), else the IRI
    (memoised: the dashboard compacts the same IRIs many times)."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and len(ns) > len(best):
            local = iri[len(ns) :]
            if local and all(ch.isalnum() or ch in "-_." for ch in local) and not local.endswith("."):
                best = ns
                name = f"{prefix}:{local}"
    return name if best else iri


def term_text(term: Identifier | None, *, compact: bool = True) -> str:
    """A term as one display string: IRIs compacted with the project's prefixes (when ``compact``),
    literals as their lexical form (language tag and datatype dropped), blank nodes as ``_:id``."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact_iri(str(term)) if compact else str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def render(table: ResultTable, fmt: str) -> str:
    """``table`` as text in ``fmt`` (one of :data:`FORMATS`).

    ``csv`` has a header row and compacted IRIs; ``json`` is the W3C SPARQL 1.1 Query Results JSON
    format (full IRIs, datatypes and language tags kept); ``markdown`` is a pipe table; ``table`` is an
    aligned plain-text table. Raises ValueError for an unknown format.
    """
    if fmt == "json":
        return json.dumps(to_sparql_json(table), indent=2, ensure_ascii=False) + "\n"
    rows = table.text_rows()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows(rows)
        return out.getvalue()
    if fmt == "markdown":
        return _markdown(table.columns, rows)
    if fmt == "table":
        return _aligned(table.columns, rows)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def to_sparql_json(table: ResultTable) -> dict[str, Any]:
    """The W3C SPARQL 1.1 Query Results JSON form (for CONSTRUCT/DESCRIBE: one binding per triple)."""
    if table.form is QueryForm.ASK:
        cell = table.rows[0][0]
        return {"head": {}, "boolean": bool(cell is not None and cell.toPython())}
    bindings = [
        {name: to_json(cell) for name, cell in zip(table.columns, row, strict=True) if cell is not None}
        for row in table.rows
    ]
    return {"head": {"vars": list(table.columns)}, "results": {"bindings": bindings}}


def from_sparql_json(form: QueryForm, data: dict[str, Any]) -> ResultTable:
    """Build a table from W3C SPARQL 1.1 Query Results JSON (as returned by an endpoint).

    Raises:
        ValueError: the document is not SPARQL results JSON.
    """
    if "boolean" in data:
        return ResultTable.ask(bool(data["boolean"]))
    try:
        columns = tuple(str(v) for v in data["head"]["vars"])
        bindings = data["results"]["bindings"]
    except (KeyError, TypeError) as exc:
        raise ValueError("not SPARQL 1.1 JSON results") from exc
    rows = tuple(
        tuple(from_json(binding[c]) if c in binding else None for c in columns) for binding in bindings
    )
    return ResultTable(form, columns, rows)


def _markdown(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _aligned(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    flat = [[v.replace("\n", " ") for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in flat]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in flat]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


__all__ = [
    "FORMATS",
    "LIST_SEPARATOR",
    "ResultTable",
    "Term",
    "compact_iri",
    "from_sparql_json",
    "plain_literal",
    "render",
    "term_text",
    "to_sparql_json",
]
