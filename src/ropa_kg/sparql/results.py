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
from rdflib.namespace import XSD
from rdflib.term import Identifier

from ropa_kg.core.namespaces import PREFIXES
from ropa_kg.sparql.guard import QueryForm

Term = URIRef | Literal | BNode

#: The text formats ``ropa query --format`` offers.
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")

#: Separator the saved queries use inside ``GROUP_CONCAT``; a cell holding it is a list.
LIST_SEPARATOR = " | "

_XSD_STRING = str(XSD.string)


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


def plain_literal(value: str, *, language: str | None = None, datatype: str | None = None) -> Literal:
    """An rdflib literal from its parts, with ``xsd:string`` folded into a plain literal."""
    if language:
        return Literal(value, lang=language)
    if datatype is None or datatype == _XSD_STRING:
        return Literal(value)
    return Literal(value, datatype=URIRef(datatype))


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
        {name: _json_term(cell) for name, cell in zip(table.columns, row, strict=True) if cell is not None}
        for row in table.rows
    ]
    return {"head": {"vars": list(table.columns)}, "results": {"bindings": bindings}}


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


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
        tuple(_term_from_json(binding[c]) if c in binding else None for c in columns) for binding in bindings
    )
    return ResultTable(form, columns, rows)


def _term_from_json(value: dict[str, str]) -> Term:
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in {"literal", "typed-literal"}:
        return plain_literal(value["value"], language=value.get("xml:lang"), datatype=value.get("datatype"))
    raise ValueError(f"unknown term type in SPARQL JSON results: {kind!r}")


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
