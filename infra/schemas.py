"""Schema building blocks shared by every domain package."""

from __future__ import annotations

import decimal
import types
from typing import Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

T = TypeVar("T")

# The largest integer every backend stores (SQLite INTEGER, PostgreSQL BIGINT).
MAX_INTEGER = 2**63 - 1


def is_numeric_type(annotation: Any) -> bool:
    """Whether a field's type is a number (possibly optional), and not a boolean."""
    if get_origin(annotation) in (Union, types.UnionType):
        return any(is_numeric_type(arg) for arg in get_args(annotation))
    return annotation in (int, float, decimal.Decimal)


class InputModel(BaseModel):
    """Client input: unknown fields are refused, strings are trimmed, numbers are numbers
    (``true`` is not 1) and fit the database."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and cls._is_numeric(info):
            raise ValueError("expected a number, not true or false")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _integers_fit_the_database(cls, value: Any, info: ValidationInfo) -> Any:
        # After conversion, so "99999999999999999999" from a form is caught as well.
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            raise ValueError(f"must be between {-MAX_INTEGER:,} and {MAX_INTEGER:,}")
        return value

    @classmethod
    def _is_numeric(cls, info: ValidationInfo) -> bool:
        field = cls.model_fields.get(info.field_name or "")
        return field is not None and is_numeric_type(field.annotation)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    """``limit`` and ``offset`` query parameters.  FastAPI hands a query model every query
    parameter, the route's own filters included, so other names are left alone here."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=MAX_INTEGER)
