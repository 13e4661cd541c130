"""The one reader for uploaded tables (CSV and XLSX), with limits checked before the work.

Every upload that arrives as a table (inventory surveys, discovery targets) is read here, so a
hostile file meets the same caps everywhere: bytes, rows, columns, cells, one field's length,
and for a workbook its unpacked size and compression ratio (a zip bomb) — and a workbook's
declared dimension (``A1:XFD100001``) is ignored, since it is the sender's word, not its cells.
A bare CR ends a line as LF does; a field beyond the csv module's limit is a row problem.

Reading is pure (bytes in, rows out), so callers can do it before they open a transaction.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.text import neutralise_cell


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_columns: int = 64
    max_cells: int = 2_000_000
    max_field: int = 4_000
    max_unpacked: int = 100 * 1024 * 1024  # a workbook's parts, all told, once inflated
    max_ratio: int = 200  # inflated / compressed, per part of more than 1 MiB


LIMITS = Limits()


class TableError(Exception):
    """A problem that ends the reading of a table: ``line`` 0 means the whole file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


Row = tuple[int, list[Any]]


def decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else GB18030 (Excel in China)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(0, "neither UTF-8 nor GB18030 text")


def csv_rows(text: str, limits: Limits = LIMITS) -> Iterator[Row]:
    """(line, cells) of a CSV text, the header being line 1; raises TableError on the first
    problem that makes the rest unreadable (a row too wide, too many rows or cells)."""
    if len(text) > limits.max_bytes:
        raise TableError(0, f"larger than {limits.max_bytes:,} characters")
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # a bare CR is a line end too
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    counter = _Counter(limits)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TableError(reader.line_num, f"unreadable CSV: {exc}") from None
        yield counter.check(reader.line_num, cells)


def xlsx_sheets(data: bytes, limits: Limits = LIMITS) -> Iterator[tuple[str, Iterator[Row]]]:
    """(title, rows) of each sheet of a workbook, after checking the archive's sizes."""
    from openpyxl import load_workbook  # the one module that reads workbooks

    check_archive(data, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise TableError(0, f"not a readable XLSX workbook: {str(exc)[:200]}") from None
    try:
        for sheet in book.worksheets:
            yield sheet.title, _sheet_rows(sheet, limits)
    finally:
        book.close()


def _sheet_rows(sheet: Any, limits: Limits) -> Iterator[Row]:
    sheet.reset_dimensions()  # the declared dimension is not to be trusted
    counter = _Counter(limits)
    rows = sheet.iter_rows(values_only=True, max_col=limits.max_columns + 1)
    for number, values in enumerate(rows, start=1):
        yield counter.check(number, list(values))


def check_archive(data: bytes, limits: Limits = LIMITS) -> None:
    """Refuse a workbook whose parts would inflate beyond the limits (before inflating)."""
    if len(data) > limits.max_bytes:
        raise TableError(0, f"larger than {limits.max_bytes:,} bytes")
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(0, f"not a readable XLSX workbook: {exc}") from None
    total = sum(part.file_size for part in parts)
    if total > limits.max_unpacked:
        raise TableError(0, f"unpacks to more than {limits.max_unpacked:,} bytes")
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and ratio > limits.max_ratio:
            raise TableError(0, f"{part.filename[:100]} inflates {ratio:.0f}-fold (a zip bomb?)")


class _Counter:
    """Counts rows and cells of one table and checks each row's width and fields."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0

    def check(self, line: int, cells: list[Any]) -> Row:
        limits = self.limits
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()  # trailing blanks: not cells anyone wrote
        if line > limits.max_rows + 1:
            raise TableError(line, f"more than {limits.max_rows:,} rows")
        if len(cells) > limits.max_columns:
            raise TableError(line, f"more than {limits.max_columns} columns")
        self.cells += len(cells)
        if self.cells > limits.max_cells:
            raise TableError(line, f"more than {limits.max_cells:,} cells")
        for position, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > limits.max_field:
                cells[position] = Oversize(limits.max_field)
        return line, cells


@dataclass(frozen=True)
class Oversize:
    """Stands for a cell beyond the field limit: a problem of its row (reading goes on)."""

    limit: int

    def __str__(self) -> str:
        return f"longer than {self.limit:,} characters"


# -- writing: every export goes through these, so no cell is ever a live formula ----------


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV of ``rows`` under ``header``; text a spreadsheet would run as a formula gets a
    leading apostrophe (numbers such as ``-5.00`` stay numbers)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise_cell(name) for name in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise_cell(cell) for cell in row])
    return out.getvalue()


def xlsx_bytes(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per entry; text never becomes a formula (openpyxl writes any
    string starting with "=" as one), Decimals travel as text (a float would round them)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append([neutralise_cell(name) for name in header])
        for row in rows:
            sheet.append([_xlsx_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return neutralise_cell(str(value))
