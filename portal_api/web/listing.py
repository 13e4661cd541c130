"""The list component's page and API side: parameters in, a table (or its export) out.

Pages call :func:`list_response` with a :class:`infra.listing.ListSpec` and the read model's
scoped query: it answers the HTML page (sortable headers, filter form, pager, export links,
an empty state saying what to do next; ``macros.html`` ``list_table``) or, for
``?format=csv|xlsx``, the same rows as a file.  Every cell's text is made once here
(:meth:`ListView.cells`), so the page and the exports cannot say different things.

API routes use :mod:`portal_api.listing` (the same parameters, answered as ``Page[...]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra import listing
from infra.errors import InvalidInput
from infra.labels import N_
from infra.listing import ListPage, ListRow, ListSpec
from infra.tabular import csv_text, xlsx_bytes
from infra.tenancy.models import Department
from portal_api.listing import request_values
from portal_api.web import i18n
from portal_api.web.lists import PAGE_SIZE, Pager
from portal_api.web.render import environment, locale_for, render

EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
YES, NO = N_("Yes"), N_("No")


@dataclass(frozen=True)
class Cell:
    text: str  # what the page shows
    value: Any  # what an export writes: the text, or the number itself
    href: str = ""
    numeric: bool = False


@dataclass(frozen=True)
class EmptyAction:
    """What to do when the list is empty: a translated label and where it leads."""

    label: str
    href: str


@dataclass
class ListView:
    page: ListPage
    base: str
    raw: dict[str, str]
    locale: str
    options: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)  # page text
    empty_action: EmptyAction | None = None
    exports: bool = True

    @property
    def spec(self) -> ListSpec:
        return self.page.spec

    @property
    def rows(self) -> list[ListRow]:
        return self.page.rows

    @property
    def filtering(self) -> bool:
        """Whether a search or a filter narrows the list (the empty state then says so)."""
        return bool(self.page.params.q or self.page.params.filters)

    def _url(self, **changes: str) -> str:
        query = {k: v for k, v in {**self.raw, **changes}.items() if v}
        return self.base + (f"?{urlencode(query)}" if query else "")

    def sort_url(self, key: str) -> str:
        params = self.page.params
        flip = params.sort == key and not params.descending
        return self._url(sort=("-" if flip else "") + key, offset="")

    def sort_state(self, key: str) -> str:
        params = self.page.params
        if params.sort != key:
            return "none"
        return "descending" if params.descending else "ascending"

    def export_url(self, kind: str) -> str:
        return self._url(format=kind, offset="")

    @property
    def clear_url(self) -> str:
        return self.base

    @property
    def pager(self) -> Pager:
        params = {k: v for k, v in self.raw.items() if k != "offset"}
        p = self.page.params
        return Pager(self.page.total, p.offset, p.limit, self.base, params)

    def filter_kind(self, spec_filter: listing.Filter) -> str:
        """How the filter form asks for it: ``range`` (two dates), ``date`` or ``select``."""
        if isinstance(spec_filter, listing.DateRangeFilter):
            return "range"
        return "date" if isinstance(spec_filter, listing.DateFilter) else "select"

    def filter_options(self, spec_filter: listing.Filter) -> list[tuple[str, str]]:
        if isinstance(spec_filter, listing.EnumFilter):
            return [(m.value, enum_text(m, self.locale)) for m in spec_filter.enum]
        return self.options.get(spec_filter.name, [])

    def row_id(self, row: ListRow) -> str:
        return f"{self.spec.item or self.spec.name}-{row.entity.id}"

    def cells(self, row: ListRow) -> list[Cell]:
        cells = []
        for column, value in zip(self.spec.columns, row.values, strict=True):
            cell = _cell(column, value, row.entity, self.links.get(column.key, ""), self.locale)
            shown = self.formats.get(column.key)
            if shown is not None and value is not None:
                # A number keeps its exact value in the exports (the page carries it too, as
                # data-value); other text is written as the page shows it.
                text = shown(value)
                cell = Cell(text, cell.value if cell.numeric else text, cell.href, cell.numeric)
            cells.append(cell)
        return cells


def enum_text(value: StrEnum, locale: str) -> str:
    """An enum member's label: its own ``label(locale)`` (labels beside the enum), else the
    pages' label registry."""
    own = getattr(value, "label", None)
    if callable(own):
        return str(own(locale))
    return str(environment(locale).filters["label"](value))


def _cell(column: listing.Column, value: Any, entity: Any, link: str, locale: str) -> Cell:
    filters = environment(locale).filters
    gettext = i18n.translations(locale).gettext
    href = link.format(row=entity) if link and value is not None else ""
    if value is None:
        return Cell("", "", href)
    if isinstance(value, bool):
        text = gettext(YES if value else NO)
        return Cell(text, text, href)
    if isinstance(value, StrEnum):
        text = enum_text(value, locale)
        return Cell(text, text, href)
    if isinstance(value, dt.datetime):
        text = filters["datetime"](value)
        return Cell(text, text, href)
    if isinstance(value, dt.date):
        return Cell(value.isoformat(), value.isoformat(), href)
    if isinstance(value, int | Decimal):
        shown = filters["money"](value) if "money" in filters and column.kind == "decimal" else None
        text = shown or filters["number"](value)
        return Cell(text, value if isinstance(value, int) else str(value), href, numeric=True)
    text = str(value)
    return Cell(text, text, href)


def _locale(request: Request) -> str:
    return locale_for(request, getattr(request.state, "viewer", None))


def english(request: Request) -> bool:
    """Whether the page is in English (lists then show English names where there are any)."""
    return _locale(request) == "en"


def department_choices(request: Request, departments: list[Department]) -> list[tuple[str, str]]:
    """A department filter's options, as every department select on the pages words them."""
    options: Any = environment(_locale(request)).globals["department_options"]
    return list(options(departments))


def list_view(
    request: Request,
    session: Session,
    spec: ListSpec,
    base_query: Select[Any],
    *,
    path: str,
    everything: bool = False,
    **extra: Any,
) -> ListView:
    raw = request_values(request)
    params = listing.parse_params(spec, raw, default_limit=PAGE_SIZE)
    page = listing.run(session, spec, base_query, params, everything=everything)
    locale = _locale(request)
    kept = {k: v for k, v in raw.items() if k != "format"}
    return ListView(page, path, kept, locale, **extra)


def list_response(
    request: Request,
    session: Session,
    spec: ListSpec,
    base_query: Select[Any],
    *,
    template: str,
    path: str,
    context: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """The list page, or with ``format=csv|xlsx`` the same query's rows as a file."""
    kind = request.query_params.get("format", "")
    if kind and kind not in EXPORTS:
        raise InvalidInput.one("format", f"must be one of: {', '.join(EXPORTS)}")
    view = list_view(request, session, spec, base_query, path=path, everything=bool(kind), **extra)
    if kind:
        return export_response(view, kind)
    return render(request, template, {**(context or {}), "listing": view})


def export_rows(view: ListView) -> tuple[list[str], list[list[Any]]]:
    gettext = i18n.translations(view.locale).gettext
    header = listing.header(view.spec, gettext)
    return header, [[cell.value for cell in view.cells(row)] for row in view.rows]


def export_response(view: ListView, kind: str) -> Response:
    header, rows = export_rows(view)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    name = f"{view.spec.name}-{stamp}.{kind}"
    if kind == "csv":
        body: bytes = ("\ufeff" + csv_text(header, rows)).encode()  # BOM: Excel reads UTF-8
    else:
        body = xlsx_bytes({view.spec.name: (header, rows)})
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=EXPORTS[kind], headers=disposition)
