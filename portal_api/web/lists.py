"""Small helpers the page modules share: lenient filters, visible departments, paging."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.schemas import MAX_INTEGER
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope

PAGE_SIZE = 50
E = TypeVar("E", bound=StrEnum)


def opt_int(raw: str | None) -> int | None:
    """A filter from the query string: blank or malformed means "no filter", not an error."""
    try:
        value = int(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return value if value is None or abs(value) <= MAX_INTEGER else None  # no such id


def opt_enum(enum_cls: type[E], raw: str | None) -> E | None:
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def visible_departments(session: Session, scope: Scope) -> list[Department]:
    """Every department in ``scope``, by code (a city has hundreds at most, not millions)."""
    return list(
        session.scalars(
            select(Department).where(scope.where(Department.id)).order_by(Department.code)
        )
    )


@dataclass(frozen=True)
class Pager:
    total: int
    offset: int
    limit: int
    base: str
    params: dict[str, str]

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    def _url(self, offset: int) -> str:
        query = {k: v for k, v in self.params.items() if v}
        if offset:
            query["offset"] = str(offset)
        return self.base + (f"?{urlencode(query)}" if query else "")

    @property
    def previous_url(self) -> str | None:
        return self._url(max(self.offset - self.limit, 0)) if self.offset > 0 else None

    @property
    def next_url(self) -> str | None:
        return self._url(self.offset + self.limit) if self.last < self.total else None
