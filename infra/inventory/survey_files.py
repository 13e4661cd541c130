"""Reading survey files (CSV and XLSX) into validated survey rows, and writing CSV back.

A survey arrives as one CSV file per kind (named after it: ``rooms.csv``, ``servers.csv``…)
or as one workbook with a sheet per kind.  Headers and enum values may be the English field
names or the Chinese words a city's form uses (机房编码, 购置年份, 电子政务外网, 中国联通…).
Every problem is reported as a :class:`RowError` naming the file, the line (the header is
line 1), the column and the reason; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from infra.inventory.survey import ROW_TYPE_BY_KIND, ROW_TYPES, SurveyRow, columns
from infra.tabular import (
    LIMITS,
    Oversize,
    TableError,
    csv_rows,
    csv_text,
    decode,
    xlsx_bytes,
    xlsx_sheets,
)
from infra.text import restore_cell

MAX_ROWS = LIMITS.max_rows
# At most this many problems are kept per upload: the answer stays small whatever the file.
MAX_ERRORS = 1000

# The Chinese words on a city's survey form, by survey kind and field.
KIND_ALIASES = {
    "机房": "rooms",
    "应用": "applications",
    "应用系统": "applications",
    "服务器": "servers",
    "设备": "devices",
    "线路": "lines",
    "专线": "lines",
}
HEADER_ALIASES = {
    "机房编码": "code",
    "系统编码": "code",
    "部门": "department",
    "部门编码": "department",
    "名称": "name",
    "机房名称": "name",
    "系统名称": "name",
    "设备名称": "name",
    "面积": "floor_area_m2",
    "面积(m²)": "floor_area_m2",
    "地址": "address",
    "网络类型": "zone",
    "等保级别": "mlps_level",
    "机房": "room",
    "所属系统": "application",
    "型号": "model",
    "vcpu": "vcpu",
    "核数": "cores",
    "内存(gib)": "memory_gib",
    "磁盘(gib)": "disk_gib",
    "功率(w)": "power_draw_w",
    "购置年份": "purchase_year",
    "设备类型": "device_type",
    "线路编号": "circuit_id",
    "运营商": "carrier",
    "带宽(mbps)": "bandwidth_mbps",
    "对端": "z_end",
    "月租(元)": "monthly_cost",
}
VALUE_ALIASES = {
    "zone": {
        "互联网": "internet",
        "互联网区": "internet",
        "电子政务外网": "extranet",
        "外网": "extranet",
        "电子政务内网": "intranet",
        "内网": "intranet",
        "业务专网": "private",
        "专网": "private",
    },
    "carrier": {
        "中国联通": "china_unicom",
        "联通": "china_unicom",
        "中国移动": "china_mobile",
        "移动": "china_mobile",
        "中国电信": "china_telecom",
        "电信": "china_telecom",
        "中国广电": "china_broadnet",
        "广电": "china_broadnet",
        "其他": "other",
    },
    "device_type": {"存储": "storage", "网络": "network", "安全": "security"},
}


@dataclass(frozen=True, order=True)
class RowError:
    """One refused row (or header, line 1; or the whole file, line 0)."""

    file: str
    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class SourcedRow:
    file: str
    line: int
    row: SurveyRow


@dataclass
class SurveyBatch:
    """Validated rows by kind, in the order they were read, and every problem found."""

    rows: dict[str, list[SourcedRow]] = field(
        default_factory=lambda: {row.kind: [] for row in ROW_TYPES}
    )
    errors: list[RowError] = field(default_factory=list)
    # Keys of rows refused on their own: other rows may still name them without a second error.
    refused_keys: dict[str, set[str]] = field(
        default_factory=lambda: {row.kind: set() for row in ROW_TYPES}
    )

    def extend(self, other: SurveyBatch) -> None:
        for kind, rows in other.rows.items():
            self.rows[kind].extend(rows)
            self.refused_keys[kind] |= other.refused_keys[kind]
        self.errors.extend(other.errors)

    @classmethod
    def of(cls, rows: Iterable[SurveyRow], *, file: str = "generated") -> SurveyBatch:
        """A batch from rows built in code (the demo city), numbered as if from a file."""
        batch = cls()
        counters: dict[str, int] = {}
        for row in rows:
            counters[row.kind] = counters.get(row.kind, 1) + 1
            batch.rows[row.kind].append(SourcedRow(f"{file}/{row.kind}", counters[row.kind], row))
        return batch

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _kind_of_name(name: str) -> str | None:
    stem = name.strip().lower()
    if stem in ROW_TYPE_BY_KIND:
        return stem
    if stem in KIND_ALIASES:
        return KIND_ALIASES[stem]
    matches = [kind for kind in ROW_TYPE_BY_KIND if kind in stem]
    return matches[0] if len(matches) == 1 else None


def _normalise_header(cell: Any) -> str:
    text = str(cell).strip() if cell is not None else ""
    text = text.replace("（", "(").replace("）", ")").replace(" ", "")
    return HEADER_ALIASES.get(text.lower(), HEADER_ALIASES.get(text, text.lower()))


def _cell(value: Any) -> Any:
    """A cell as the row models take it: blanks dropped, whole floats as ints, text trimmed."""
    if value is None:
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else str(Decimal(repr(value)))
    if isinstance(value, dt.date):  # a purchase date where the form asks for the year
        return value.year
    if isinstance(value, str):
        value = restore_cell(value.strip())
        return value or None
    return value


def parse_rows(file: str, kind: str, lines: Iterator[tuple[int, Sequence[Any]]]) -> SurveyBatch:
    """Validate the rows of one sheet whose first line is the header; a table the reader
    gives up on (too big, unreadable) is one more problem, at its line."""
    batch = SurveyBatch()
    try:
        _parse_rows(batch, file, kind, lines)
    except TableError as exc:
        batch.errors.append(RowError(file, exc.line, "", exc.message))
    return batch


def _parse_rows(
    batch: SurveyBatch, file: str, kind: str, lines: Iterator[tuple[int, Sequence[Any]]]
) -> None:
    row_type = ROW_TYPE_BY_KIND[kind]
    known = columns(row_type)
    try:
        _, header_cells = next(lines)
    except StopIteration:
        batch.errors.append(RowError(file, 0, "", "the file is empty: no header line"))
        return
    if any(isinstance(c, Oversize) for c in header_cells):
        batch.errors.append(RowError(file, 1, "", "a header cell is too long"))
        return
    header = [_normalise_header(c) for c in header_cells]
    for position, name in enumerate(header):
        if name and name not in known:
            expected = ", ".join(known)
            batch.errors.append(
                RowError(file, 1, name, f"unknown column {position + 1}; {kind} has {expected}")
            )
    required = [n for n, f in row_type.model_fields.items() if f.is_required()]
    for name in required:
        if name not in header:
            batch.errors.append(RowError(file, 1, name, "required column is missing"))
    if batch.errors:
        return
    for line, cells in lines:
        if len(batch.errors) >= MAX_ERRORS:
            batch.errors.append(RowError(file, line, "", f"more than {MAX_ERRORS} problems"))
            break
        oversize = [
            RowError(file, line, header[i] if i < len(header) else "", str(c))
            for i, c in enumerate(cells)
            if isinstance(c, Oversize)
        ]
        if oversize:
            batch.errors.extend(oversize)
            continue
        values = {
            name: _cell(value)
            for name, value in zip(header, cells, strict=False)
            if name and _cell(value) is not None
        }
        if not values:
            continue  # blank line
        extra = len(cells) - len(header)
        if extra > 0 and any(_cell(c) is not None for c in cells[len(header) :]):
            batch.errors.append(RowError(file, line, "", f"{extra} more cells than the header"))
            continue
        for name, aliases in VALUE_ALIASES.items():
            if isinstance(values.get(name), str):
                values[name] = aliases.get(values[name], values[name])
        try:
            batch.rows[kind].append(SourcedRow(file, line, row_type.model_validate(values)))
        except ValidationError as exc:
            batch.refused_keys[kind].add(str(values.get(row_type.key_field, "")))
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else ""
                reason = str(error["msg"]).removeprefix("Value error, ")
                given = values.get(column)
                if given is not None:
                    reason += f" (given {repr(given)[:80]})"
                batch.errors.append(RowError(file, line, column, reason))


def read_csv(file: str, data: bytes, *, kind: str | None = None) -> SurveyBatch:
    """One CSV file of one kind (from ``kind``, else the file name, else the header)."""
    try:
        text = decode(data)
    except TableError as exc:
        return SurveyBatch(errors=[RowError(file, 0, "", f"{file}: {exc.message}")])
    lines = csv_rows(text)
    kind = kind or _kind_of_name(PurePath(file).stem) or _kind_of_header(text)
    if kind is None:
        kinds = ", ".join(ROW_TYPE_BY_KIND)
        reason = f"cannot tell the survey kind: name the file after one of {kinds}"
        return SurveyBatch(errors=[RowError(file, 0, "", reason)])
    return parse_rows(file, kind, lines)


def _kind_of_header(text: str) -> str | None:
    try:
        _, first = next(csv_rows(text.split("\n", 1)[0][: LIMITS.max_field]), (1, []))
    except TableError:
        return None
    header = {_normalise_header(c) for c in first} - {""}
    for row_type in ROW_TYPES:
        required = {n for n, f in row_type.model_fields.items() if f.is_required()}
        if header and required <= header <= set(columns(row_type)):
            return row_type.kind
    return None


def read_xlsx(file: str, data: bytes) -> SurveyBatch:
    """A workbook with one sheet per kind, named after it (rooms, servers… or 机房, 服务器…)."""
    batch = SurveyBatch()
    try:
        for title, cells in xlsx_sheets(data):
            kind = _kind_of_name(title)
            if kind is None:
                if any(values for _, values in cells):
                    kinds = ", ".join(ROW_TYPE_BY_KIND)
                    reason = f"unknown sheet {title[:60]!r}: name it one of {kinds}"
                    batch.errors.append(RowError(file, 0, "", reason))
                continue
            batch.extend(parse_rows(f"{file}[{title[:60]}]", kind, cells))
    except TableError as exc:
        batch.errors.append(RowError(file, exc.line, "", exc.message))
    return batch


def read_file(file: str, data: bytes, *, kind: str | None = None) -> SurveyBatch:
    """A survey file by its extension: ``.xlsx`` or ``.csv``."""
    suffix = PurePath(file).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(file, data)
    if suffix in (".csv", ".txt", ""):
        return read_csv(file, data, kind=kind)
    reason = f"unsupported file type {suffix!r}: send .csv or .xlsx"
    return SurveyBatch(errors=[RowError(file, 0, "", reason)])


def write_csv(kind: str, rows: Iterable[SurveyRow]) -> str:
    """Rows of one kind as CSV text with the canonical header (what ``read_csv`` reads)."""
    header = columns(ROW_TYPE_BY_KIND[kind])
    dumped = (row.model_dump(mode="json") for row in rows)
    return csv_text(header, ([d[name] for name in header] for d in dumped))


def write_xlsx(rows_by_kind: dict[str, list[SurveyRow]]) -> bytes:
    """A workbook with a sheet per kind and the canonical headers (what ``read_xlsx`` reads)."""
    sheets = {}
    for kind, rows in rows_by_kind.items():
        header = columns(ROW_TYPE_BY_KIND[kind])
        dumped = [row.model_dump(mode="json") for row in rows]
        sheets[kind] = (header, [[d[name] for name in header] for d in dumped])
    return xlsx_bytes(sheets)
