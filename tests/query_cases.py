"""The saved-query runs the tests check against expected CSVs (shared by the embedded and server tests)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from ropa_kg.query.queries import catalogue

EXPECTED = Path(__file__).parent / "expected"
LIST_SEPARATOR = " | "

#: (query name, parameters) runs beside the default run of every saved query.
PARAM_CASES: list[tuple[str, dict[str, str]]] = [
    ("breach-impact-recipient", {"recipient": "alu:Google"}),
    ("breach-impact-recipient", {"recipient": "alu:Meta"}),
    ("breach-impact-data-category", {"category": "pd:Identifying"}),
    ("data-category-outside-eea", {"category": "pd:BrowsingBehaviour"}),
    ("fact-provenance", {"subject": "alu:Netop"}),
]


def all_cases() -> list[tuple[str, dict[str, str]]]:
    """Every saved query with its defaults, then the parameter cases."""
    names = [q.name for q in catalogue()]
    assert len(names) >= 15, names
    return [(name, {}) for name in names] + PARAM_CASES


def case_id(name: str, params: dict[str, str]) -> str:
    suffix = "".join(f"--{k}-{v.replace(':', '-')}" for k, v in sorted(params.items()))
    return name + suffix


def expected_path(name: str, params: dict[str, str]) -> Path:
    return EXPECTED / f"{case_id(name, params)}.csv"


def parse_csv(text: str) -> tuple[list[str], list[tuple[str, ...]]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, "no header row"
    return rows[0], [tuple(r) for r in rows[1:]]


def normalise(rows: Sequence[Sequence[str]], *, ordered: bool) -> list[tuple[str, ...]]:
    """Rows with list cells (``a | b``, from GROUP_CONCAT, whose order SPARQL leaves open) sorted; the
    rows sorted too unless ``ordered`` (the query has ORDER BY)."""
    out = [tuple(LIST_SEPARATOR.join(sorted(cell.split(LIST_SEPARATOR))) for cell in row) for row in rows]
    return out if ordered else sorted(out)


def is_ordered(query_text: str) -> bool:
    return "ORDER BY" in query_text.upper()
