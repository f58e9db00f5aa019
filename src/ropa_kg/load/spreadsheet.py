"""Spreadsheets as plain text grids: every sheet of an XLSX workbook, or one CSV file, as rows of strings.

Nothing here knows what the columns mean (that is :mod:`ropa_kg.app.importer`); this module only reads
the file, turns every cell into text (empty cells into ``""``, whole numbers without ``.0``, dates in ISO
8601) and keeps the merged cell ranges, so that a reader can refuse a merged heading. A file that is not
an XLSX workbook or a UTF-8 CSV file is a :class:`~ropa_kg.core.errors.RopaInputError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ropa_kg.core.errors import RopaInputError
from ropa_kg.load.safe_input import max_file_bytes

__all__ = ["CellRange", "Sheet", "read_csv", "read_spreadsheet", "read_xlsx"]

#: The name given to the one sheet of a CSV file.
CSV_SHEET = "CSV"


@dataclass(frozen=True)
class CellRange:
    """A merged range of cells, 1-based and inclusive (like openpyxl's)."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def covers_row(self, row: int) -> bool:
        """True when the range spans row ``row``."""
        return self.min_row <= row <= self.max_row


@dataclass(frozen=True)
class Sheet:
    """One sheet as text: ``rows[0]`` is the sheet's row 1; every row is as long as the longest."""

    name: str
    rows: tuple[tuple[str, ...], ...]
    merged: tuple[CellRange, ...] = ()

    def row(self, number: int) -> tuple[str, ...]:
        """Row ``number`` (1-based), or an empty row past the end."""
        return self.rows[number - 1] if 1 <= number <= len(self.rows) else ()


def read_spreadsheet(path: Path | str, *, data: bytes | None = None) -> tuple[Sheet, ...]:
    """The sheets of the XLSX workbook or CSV file at ``path`` (``data``: its bytes, when already read,
    e.g. an upload; ``path`` then only names it). A CSV file is one sheet named ``CSV``. The kind is
    told by the bytes (an XLSX file is a zip archive), not only by the name.

    Raises:
        RopaInputError: the file cannot be read, is larger than the loaders' size limit
            (:func:`ropa_kg.load.safe_input.max_file_bytes`), is neither an XLSX workbook nor a CSV file,
            or the CSV file is not UTF-8.
    """
    where = Path(path)
    limit = max_file_bytes()
    if data is None:
        try:
            if where.stat().st_size > limit:
                raise RopaInputError(f"the file is larger than the size limit ({limit:,} bytes)", where)
            data = where.read_bytes()
        except OSError as exc:
            raise RopaInputError(f"cannot read the file: {exc.strerror or exc}", where) from exc
    if len(data) > limit:
        raise RopaInputError(f"the file is larger than the size limit ({limit:,} bytes)", where)
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data, where)
    if where.suffix.lower() in {".xlsx", ".xlsm"}:
        raise RopaInputError("not an XLSX workbook (not a zip archive)", where)
    if where.suffix.lower() not in {".csv", ".txt", ""}:
        raise RopaInputError(f"not a spreadsheet this tool reads (.xlsx or .csv): {where.name}", where)
    return (read_csv(data, where),)


def read_csv(data: bytes, path: Path) -> Sheet:
    """A UTF-8 CSV file (with or without a byte order mark) as one sheet.

    Raises:
        RopaInputError: the bytes are not UTF-8, hold a NUL byte, or are not CSV.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RopaInputError(
            f"not a UTF-8 CSV file (byte {exc.start + 1} cannot be read as UTF-8; save it as CSV UTF-8)",
            path,
            line,
        ) from exc
    if "\x00" in text:
        raise RopaInputError("not a CSV file (it holds NUL bytes)", path)
    try:
        rows = [tuple(cell.strip() for cell in row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise RopaInputError(f"not a CSV file: {exc}", path) from exc
    return Sheet(CSV_SHEET, _padded(rows))


def read_xlsx(data: bytes, path: Path) -> tuple[Sheet, ...]:
    """Every worksheet of an XLSX workbook, in the workbook's order, with its merged ranges.

    Raises:
        RopaInputError: openpyxl cannot read the workbook.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise RopaInputError(f"not a readable XLSX workbook: {exc}", path) from exc
    sheets = []
    for sheet in book.worksheets:
        rows = [tuple(_text(value) for value in row) for row in sheet.iter_rows(values_only=True)]
        merged = tuple(
            CellRange(r.min_row, r.min_col, r.max_row, r.max_col)
            for r in sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        )
        sheets.append(Sheet(sheet.title, _padded(rows), merged))
    return tuple(sheets)


def _text(value: object) -> str:
    """A cell's value as text (see the module)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _padded(rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """The rows, each padded with empty cells to the longest, trailing empty rows dropped."""
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((len(row) for row in rows), default=0)
    return tuple(row + ("",) * (width - len(row)) for row in rows)
