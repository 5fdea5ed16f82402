"""Reading and writing the council's CSV and Excel files.

Rows come back with the line number a spreadsheet user sees (the header is line 1), so
every error can point at the exact cell. Writing neutralises formulas: a text cell that
starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is prefixed with an
apostrophe, because Excel and LibreOffice would otherwise run it (CSV/formula injection);
openpyxl writes such strings as live formulas. Reading reverses exactly that and nothing
else (:func:`unsafe_cell`), so an exported file imports back unchanged: the apostrophe is
taken off only where :func:`safe_cell` would have put it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.core.errors import InvalidInput

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


class FileRefused(InvalidInput):
    """The file as a whole cannot be read (wrong format, missing columns, empty)."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileRefused(f"{path.name}: expected a .csv or .xlsx file")
    return fmt


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_cells(path: Path) -> list[list[str]]:
    """Every line of a CSV file, or row of an XLSX file's first sheet, as text cells (a blank
    cell is ''): the one reader of the files people bring, for the importer and the match
    command alike. A CSV is read as UTF-8 (with or without Excel's byte order mark), else as
    Windows' code page, which Excel's "CSV" on Windows writes; a workbook's dates, numbers
    and true or false are written as the templates spell them (`_cell_text`). The caller
    checks the file's kind: anything but .csv is read as a workbook."""
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # Excel's "CSV" on Windows
        return list(csv.reader(io.StringIO(text, newline="")))
    import openpyxl  # only when a workbook is read: it is slow to import

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read_rows(path: Path, columns: Sequence[str], required: Sequence[str]) -> list[Row]:
    """Rows of a CSV or XLSX file whose header must name every required column.

    Unknown columns are refused rather than ignored: a misspelt optional column would
    otherwise silently import as blank.
    """
    if not path.exists():
        raise FileRefused(f"{path}: no such file")
    table = read_cells(path)
    if not table or not any(cell.strip() for cell in table[0]):
        raise FileRefused(f"{path.name}: the file is empty; line 1 must name the columns")
    header = [h.strip().lower() for h in table[0]]
    while header and not header[-1]:
        header.pop()
    unknown = [h for h in header if h not in columns]
    missing = [c for c in required if c not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise FileRefused(
            f"{path.name}, line 1: {'; '.join(parts)}. Expected columns: {', '.join(columns)}"
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        cells = [unsafe_cell(c) for c in padded[: len(header)]]
        rows.append(Row(number, dict(zip(header, cells, strict=True))))
    return rows


def _needs_apostrophe(text: str) -> bool:
    """A formula start, or apostrophes before one (so that a text that really begins with an
    apostrophe and then ``=`` keeps its apostrophe through a round trip)."""
    return text.lstrip("'").startswith(FORMULA_STARTS) and (
        text.startswith(FORMULA_STARTS) or text.startswith("'")
    )


def safe_cell(value: Any) -> Any:
    """A value that no spreadsheet will execute."""
    if isinstance(value, str) and _needs_apostrophe(value):
        return "'" + value
    if isinstance(value, Decimal):
        return float(value)
    return value


def unsafe_cell(text: str) -> str:
    """The text :func:`safe_cell` was given, from the text it wrote: one apostrophe off a
    cell that it prefixed, and every other cell as it is."""
    if text.startswith("'") and _needs_apostrophe(text[1:]):
        return text[1:]
    return text


def table_bytes(
    columns: Sequence[str], rows: Iterable[dict[str, Any]], fmt: str, *, sheet: str = "data"
) -> bytes:
    """Rows as the bytes of a CSV (UTF-8) or XLSX file, formula-safe: the one writer behind
    every file and download the planner produces from rows."""
    if fmt == "csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell_text(safe_cell(row.get(c))) for c in columns])
        return text.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise FileRefused(f"cannot write {fmt!r}: expected csv or xlsx")
    import openpyxl  # only when a workbook is asked for: it is slow to import

    book = openpyxl.Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31] or "data")
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([safe_cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to CSV or XLSX (by the file's suffix); returns how many were written."""
    listed = list(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(table_bytes(columns, listed, file_format(path), sheet=path.stem))
    return len(listed)
