"""Errors the library raises for bad input; the CLI turns them into a message and exit code 2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class RopaInputError(Exception):
    """Input that cannot be used: names the file, the line (when known) and the cause."""

    cause: str
    path: Path | str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        return f"{where}{self.cause}"


class RopaUsageError(Exception):
    """A command was asked for something it cannot do (unknown query name, bad parameter...)."""


class QueryRefused(RopaUsageError):
    """A SPARQL store refused one query (an HTTP error answer, or the query ran out of time), while it
    answers others: the caller may run that query elsewhere (``ropa validate --endpoint`` runs the rule
    on a copy of the graph)."""


__all__ = [
    "QueryRefused",
    "RopaInputError",
    "RopaUsageError",
]
