"""The one list query: declared columns, sort, text search, typed filters and paging.

A list (a page's table, an API list endpoint, their CSV and XLSX exports) is a :class:`ListSpec`
over a *read model*: a scoped ``select(Model)`` from ``infra/<domain>/queries.py`` (joins and
tenancy there, nowhere else).  :func:`parse_params` turns raw query parameters into
:class:`ListParams`, refusing what the spec does not declare with an :class:`InvalidInput` that
names the field and the allowed values (a 422, never a 500); :func:`run` builds and runs the
statement.  The page, the API and the exports all call :func:`run`, so they cannot disagree.

Ordering is the same on every backend: the chosen column (NULLs last either way; text by code
point, ``COLLATE "C"`` on PostgreSQL), then the row id, so paging is stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from infra.errors import FieldProblem, InvalidInput
from infra.text import MAX_INTEGER, parse_int64, text_problem

Kind = Literal["text", "code", "enum", "int", "decimal", "datetime", "date", "bool", "ref"]
TEXT_KINDS = frozenset({"text", "code"})
COLLATED = TEXT_KINDS | {"enum"}  # stored as text: sorted by code point (an enum by its value)
MAX_SEARCH = 200  # characters of a search: a name or a code, not an essay
MAX_LIMIT = 500  # the API's largest page (PageParams agrees)
EXPORT_MAX = 10_000  # rows in one export; more and the reader is asked to narrow the filters
RESERVED = frozenset({"sort", "q", "limit", "offset", "format"})


@dataclass(frozen=True)
class Column:
    """One column: ``key`` names it in URLs and exports, ``label`` is its msgid, ``expr`` the
    SQL expression (a column of the read model's tables) it shows, sorts and filters by."""

    key: str
    label: str
    expr: Any
    kind: Kind = "text"
    sortable: bool = True


@dataclass(frozen=True)
class EnumFilter:
    name: str
    label: str
    expr: Any
    enum: type[StrEnum]

    @property
    def params(self) -> tuple[str, ...]:
        return (self.name,)

    def parse(self, raw: Mapping[str, str]) -> StrEnum | None:
        text = raw.get(self.name, "")
        if not text:
            return None
        try:
            return self.enum(text)
        except ValueError:
            allowed = ", ".join(m.value for m in self.enum)
            raise InvalidInput.one(self.name, f"must be one of: {allowed}") from None

    def where(self, value: Any) -> Any:
        return self.expr == value


@dataclass(frozen=True)
class IntFilter:
    name: str
    label: str
    expr: Any

    @property
    def params(self) -> tuple[str, ...]:
        return (self.name,)

    def parse(self, raw: Mapping[str, str]) -> int | None:
        text = raw.get(self.name, "").strip()
        if not text:
            return None
        value = parse_int64(text)
        if value is None:
            raise InvalidInput.one(
                self.name, f"must be a whole number between {-MAX_INTEGER:,} and {MAX_INTEGER:,}"
            )
        return value

    def where(self, value: Any) -> Any:
        return self.expr == value


@dataclass(frozen=True)
class DateRangeFilter:
    """``<name>_from`` and ``<name>_to`` (ISO dates, both included) on a date or an aware
    datetime column (days are UTC days)."""

    name: str
    label: str
    expr: Any
    timestamps: bool = True  # the column holds datetimes (else dates)

    @property
    def params(self) -> tuple[str, ...]:
        return (f"{self.name}_from", f"{self.name}_to")

    def parse(self, raw: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None] | None:
        ends = tuple(_iso_date(param, raw.get(param, "").strip()) for param in self.params)
        start, end = ends
        if start is not None and end is not None and end < start:
            raise InvalidInput.one(self.params[1], f"must not be before {start.isoformat()}")
        return None if start is None and end is None else (start, end)

    def where(self, value: tuple[dt.date | None, dt.date | None]) -> Any:
        start, end = value
        terms = []
        if start is not None:
            terms.append(self.expr >= (_day_start(start) if self.timestamps else start))
        if end is not None:
            if self.timestamps:
                terms.append(self.expr < _day_start(end + dt.timedelta(days=1)))
            else:
                terms.append(self.expr <= end)
        return terms[0] if len(terms) == 1 else terms[0] & terms[1]


@dataclass(frozen=True)
class DateFilter:
    """One day (an ISO date) on a date column: a billing month, a due date."""

    name: str
    label: str
    expr: Any

    @property
    def params(self) -> tuple[str, ...]:
        return (self.name,)

    def parse(self, raw: Mapping[str, str]) -> dt.date | None:
        return _iso_date(self.name, raw.get(self.name, "").strip())

    def where(self, value: Any) -> Any:
        return self.expr == value


Filter = EnumFilter | IntFilter | DateRangeFilter | DateFilter


def _iso_date(param: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _bad_date(param)
    except ValueError:
        return _bad_date(param)


def _bad_date(param: str) -> dt.date:
    raise InvalidInput.one(param, "must be a date written YYYY-MM-DD")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class ListSpec:
    """What a list offers: its columns, which of them a search looks in, its filters, its
    default order (``"-id"``: newest first) and what to say when it is empty."""

    name: str
    id_expr: Any
    columns: tuple[Column, ...]
    search: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    default_sort: str = "id"
    empty: str = ""  # msgid: what the empty list says (the page adds what to do next)
    item: str = ""  # one row's name in HTML ids (``quota`` gives ``id="quota-7"``)
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})
        for key in self.search:
            if self.by_key[key].kind not in TEXT_KINDS:
                raise ValueError(f"{self.name}: search column {key} is not text")
        names = [p for f in self.filters for p in f.params]
        if clash := RESERVED.intersection(names):
            raise ValueError(f"{self.name}: filter names {sorted(clash)} are reserved")
        if len(set(names)) < len(names) or len(self.by_key) < len(self.columns):
            raise ValueError(f"{self.name}: a filter or column name is declared twice")

    @property
    def sortable(self) -> list[str]:
        return [c.key for c in self.columns if c.sortable]


@dataclass(frozen=True)
class ListParams:
    sort: str
    descending: bool
    q: str = ""
    filters: Mapping[str, Any] = field(default_factory=dict)
    limit: int = 50
    offset: int = 0

    @property
    def sort_param(self) -> str:
        return ("-" if self.descending else "") + self.sort


def parse_params(spec: ListSpec, raw: Mapping[str, str], *, default_limit: int = 50) -> ListParams:
    """Read ``sort``, ``q``, ``limit``, ``offset`` and the declared filters from ``raw``; every
    problem found is reported at once, each naming its field."""
    problems: list[FieldProblem] = []

    def attempt(work: Callable[[], Any], fallback: Any) -> Any:
        try:
            return work()
        except InvalidInput as exc:
            problems.extend(exc.problems)
            return fallback

    sort, descending = attempt(lambda: _sort(spec, raw.get("sort", "")), ("id", False))
    q = attempt(lambda: _search(spec, raw.get("q", "")), "")
    limit = attempt(lambda: _bounded("limit", raw.get("limit", ""), default_limit, 1, MAX_LIMIT), 1)
    offset = attempt(lambda: _bounded("offset", raw.get("offset", ""), 0, 0, MAX_INTEGER), 0)
    chosen = {}
    for spec_filter in spec.filters:
        value = attempt(lambda f=spec_filter: f.parse(raw), None)  # type: ignore[misc]
        if value is not None:
            chosen[spec_filter.name] = value
    if problems:
        raise InvalidInput(*problems)
    return ListParams(sort, descending, q, chosen, limit, offset)


def _sort(spec: ListSpec, text: str) -> tuple[str, bool]:
    text = text.strip() or spec.default_sort
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if key != "id" and key not in spec.sortable:
        allowed = ", ".join(spec.sortable)
        raise InvalidInput.one("sort", f"must be one of: {allowed} (with - for descending)")
    return key, descending


def _search(spec: ListSpec, text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if not spec.search:
        raise InvalidInput.one("q", "this list has no search")
    if len(text) > MAX_SEARCH:
        raise InvalidInput.one("q", f"at most {MAX_SEARCH:,} characters")
    problem = text_problem(text, multiline=False)
    if problem:
        raise InvalidInput.one("q", problem)
    return text


def _bounded(name: str, text: str, default: int, low: int, high: int) -> int:
    text = text.strip()
    if not text:
        return default
    value = parse_int64(text)
    if value is None or not low <= value <= high:
        raise InvalidInput.one(name, f"must be a whole number from {low:,} to {high:,}")
    return value


@dataclass(frozen=True)
class ListRow:
    """One row: the read model's entity (for links and the API's schema) and the declared
    columns' values in order."""

    entity: Any
    values: tuple[Any, ...]


@dataclass(frozen=True)
class ListPage:
    spec: ListSpec
    params: ListParams
    rows: list[ListRow]
    total: int


def filtered(spec: ListSpec, base: Select[Any], params: ListParams) -> Select[Any]:
    """``base`` narrowed by the search and the filters (no order, no paging)."""
    query = base
    if params.q:
        terms = [spec.by_key[key].expr.icontains(params.q, autoescape=True) for key in spec.search]
        query = query.where(or_(*terms))
    for spec_filter in spec.filters:
        if spec_filter.name in params.filters:
            query = query.where(spec_filter.where(params.filters[spec_filter.name]))
    return query


def ordered(session: Session, spec: ListSpec, query: Select[Any], params: ListParams) -> Any:
    column = spec.by_key.get(params.sort)
    expr = spec.id_expr if column is None else column.expr
    if column is not None and column.kind in COLLATED and _dialect(session) == "postgresql":
        expr = expr.collate("C")  # code point order, as SQLite and Python sort
    direction = expr.desc() if params.descending else expr.asc()
    nulls_last = case((expr.is_(None), 1), else_=0)
    return query.order_by(nulls_last, direction, spec.id_expr.asc())


def _dialect(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def run(
    session: Session,
    spec: ListSpec,
    base: Select[Any],
    params: ListParams,
    *,
    everything: bool = False,
) -> ListPage:
    """One page of the list (``everything``: up to :data:`EXPORT_MAX` rows from the first,
    for an export; more is refused, naming the filters to narrow)."""
    query = filtered(spec, base, params)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if everything and total > EXPORT_MAX:
        raise InvalidInput.one(
            "format", f"an export holds at most {EXPORT_MAX:,} rows; narrow the filters or search"
        )
    limit, offset = (EXPORT_MAX, 0) if everything else (params.limit, params.offset)
    statement = ordered(session, spec, query, params).limit(limit).offset(offset)
    statement = statement.add_columns(*(c.expr for c in spec.columns))
    rows = [ListRow(found[0], tuple(found[1:])) for found in session.execute(statement)]
    return ListPage(spec, params, rows, total)


def header(spec: ListSpec, gettext: Callable[[str], str]) -> list[str]:
    return [gettext(c.label) for c in spec.columns]


def as_records(page: ListPage) -> list[dict[str, Any]]:
    """The page's rows as ``{column key: value}`` (tests and plain consumers)."""
    keys = [c.key for c in page.spec.columns]
    return [dict(zip(keys, row.values, strict=True)) for row in page.rows]
