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
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from ropa_kg.core.namespaces import PREFIXES
from ropa_kg.core.terms import Term, from_json, plain_literal, to_json, to_oxigraph
from ropa_kg.sparql.guard import QueryForm

#: The text formats ``ropa query --format`` offers.
FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "markdown")
#: The formats written row by row as the rows arrive (:class:`StreamWriter`); the others need the whole
#: table (column widths).
STREAM_FORMATS: tuple[str, ...] = ("csv", "tsv", "json")

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


#: The project's prefixes and their namespaces as strings, read once.
_NAMESPACES = tuple((prefix, str(namespace)) for prefix, namespace in PREFIXES.items())


@lru_cache(maxsize=1 << 16)
def compact_iri(iri: str) -> str:
    """``alu:Chat`` for an IRI in one of the project's namespaces (longest match), else the IRI
    (memoised: the dashboard compacts the same IRIs many times)."""
    best = ""
    for prefix, ns in _NAMESPACES:
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


def cell_text(term: object, *, compact: bool = True) -> str:
    """:func:`term_text` of an rdflib or a pyoxigraph term (the streamed rows are pyoxigraph terms)."""
    if isinstance(term, ox.NamedNode):
        return compact_iri(term.value) if compact else term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return term_text(term, compact=compact)  # type: ignore[arg-type]  # an rdflib term or None


def tsv_term(term: object) -> str:
    """A cell of the W3C SPARQL 1.1 TSV results format: the term in N-Triples syntax ("" unbound)."""
    if term is None:
        return ""
    if isinstance(term, URIRef | BNode | Literal):
        term = to_oxigraph(term)
    return str(term)


#: The characters that make csv.writer quote a cell (QUOTE_MINIMAL, lineterminator "\n").
_CSV_SPECIAL = frozenset(',"\n\r')


class TextSink(Protocol):
    """Where a :class:`StreamWriter` writes (a text file, ``sys.stdout``, a frame buffer)."""

    def write(self, text: str, /) -> Any: ...


class StreamWriter:
    """Writes a result row by row to ``out`` in one of :data:`STREAM_FORMATS`, the same bytes as
    :func:`render` gives for the whole table: nothing but the current row is held.

    ``write`` takes a row of rdflib or pyoxigraph terms (``None`` unbound); ``close`` ends the document
    (the JSON brackets) and returns the number of rows written. Raises ValueError for another format.
    """

    def __init__(self, out: TextSink, fmt: str, columns: Sequence[str]) -> None:
        if fmt not in STREAM_FORMATS:
            raise ValueError(f"format {fmt!r} is not streamed; expected one of {', '.join(STREAM_FORMATS)}")
        self.out, self.fmt, self.columns, self.count = out, fmt, tuple(columns), 0
        if fmt == "json":
            whole = json.dumps(
                {"head": {"vars": list(columns)}, "results": {"bindings": []}}, indent=2, ensure_ascii=False
            )
            head, self._tail = whole.rsplit("[]", 1)
            out.write(head + "[")
        elif fmt == "csv":
            self._csv = csv.writer(out, lineterminator="\n")
            self._csv.writerow(self.columns)
        else:
            out.write("\t".join(f"?{c}" for c in self.columns) + "\n")

    def text(self, row: Sequence[object]) -> str:
        """One row's text as :meth:`write_text` takes it (the CSV or TSV line; the JSON binding)."""
        if self.fmt == "csv":
            cells = [cell_text(cell) for cell in row]
            if len(cells) > 1 and not any(_CSV_SPECIAL.intersection(cell) for cell in cells):
                return ",".join(cells) + "\n"  # what csv.writer writes for cells it need not quote
            line = io.StringIO()
            csv.writer(line, lineterminator="\n").writerow(cells)
            return line.getvalue()
        if self.fmt == "tsv":
            return "\t".join(tsv_term(cell) for cell in row) + "\n"
        binding = {c: to_json(cell) for c, cell in zip(self.columns, row, strict=True) if cell is not None}
        return json.dumps(binding, indent=2, ensure_ascii=False).replace("\n", "\n      ")

    def write(self, row: Sequence[object]) -> None:
        """Write one row (its cells in the order of the columns)."""
        if self.fmt == "csv":
            self._csv.writerow([cell_text(cell) for cell in row])
            self.count += 1
        else:
            self.write_text(self.text(row))

    def write_text(self, text: str) -> None:
        """Write one row given as its :meth:`text` (rows sorted on disk are kept as text)."""
        if self.fmt == "json":
            self.out.write(("\n      " if self.count == 0 else ",\n      ") + text)
        else:
            self.out.write(text)
        self.count += 1

    def close(self) -> int:
        """End the document; the number of rows written."""
        if self.fmt == "json":
            self.out.write(("\n    " if self.count else "") + "]" + self._tail + "\n")
        return self.count


def render(table: ResultTable, fmt: str) -> str:
    """``table`` as text in ``fmt`` (one of :data:`FORMATS`).

    ``csv`` has a header row and compacted IRIs; ``tsv`` is the W3C SPARQL 1.1 TSV results format
    (``?name`` headers, terms in N-Triples syntax); ``json`` is the W3C SPARQL 1.1 Query Results JSON
    format (full IRIs, datatypes and language tags kept); ``markdown`` is a pipe table; ``table`` is an
    aligned plain-text table. Raises ValueError for an unknown format.
    """
    if fmt == "json":
        return json.dumps(to_sparql_json(table), indent=2, ensure_ascii=False) + "\n"
    if fmt == "tsv":
        out = io.StringIO()
        stream = StreamWriter(out, "tsv", table.columns)
        for row in table.rows:
            stream.write(row)
        stream.close()
        return out.getvalue()
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
    "STREAM_FORMATS",
    "ResultTable",
    "StreamWriter",
    "Term",
    "TextSink",
    "cell_text",
    "compact_iri",
    "from_sparql_json",
    "plain_literal",
    "render",
    "term_text",
    "to_sparql_json",
    "tsv_term",
]
