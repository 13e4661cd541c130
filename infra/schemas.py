"""Schema building blocks shared by every domain package."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import types
from contextvars import ContextVar
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from infra.text import (
    DEFAULT_MAX_TEXT,
    MAX_INTEGER,
    MULTILINE_FROM,
    StructureProblem,
    check_structure,
    text_problem,
)

T = TypeVar("T")
# Set (by the app's guard) while a JSON body is being handled: in JSON a number is a number,
# while the pages' forms send every value as text and rely on conversion.
JSON_INPUT: ContextVar[bool] = ContextVar("govcloud_json_input", default=False)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

__all__ = [
    "MAX_INTEGER",
    "InputModel",
    "MultiLineText",
    "Name",
    "OutputModel",
    "Page",
    "PageParams",
    "SafeText",
    "StrictInt64",
    "is_numeric_type",
]


def _single_line(value: str) -> str:
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def _multi_line(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


# Shared text types for every domain's schemas (InputModel applies the same policy to any
# plain ``str`` field too; these are for models that are not InputModels, and for clarity).
SafeText = Annotated[
    str,
    StringConstraints(max_length=DEFAULT_MAX_TEXT, strip_whitespace=True),
    AfterValidator(_single_line),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(_single_line),
]
MultiLineText = Annotated[
    str, StringConstraints(max_length=DEFAULT_MAX_TEXT), AfterValidator(_multi_line)
]
# A 64-bit integer (what every backend stores); ``true`` and ``1.5`` are refused.
StrictInt64 = Annotated[int, Field(strict=True, ge=-MAX_INTEGER, le=MAX_INTEGER)]


def is_numeric_type(annotation: Any) -> bool:
    """Whether a field's type is a number (possibly optional), and not a boolean."""
    if get_origin(annotation) in (Union, types.UnionType):
        return any(is_numeric_type(arg) for arg in get_args(annotation))
    if get_origin(annotation) is Annotated:
        return is_numeric_type(get_args(annotation)[0])
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
        if JSON_INPUT.get() and (kind := cls._plain_number_kind(info)):
            items = value if isinstance(value, list) else [value]
            if any(isinstance(item, str | bool) for item in items):
                raise ValueError(f"expected {kind} in JSON, not text or true/false")
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and is_date_type(field.annotation) and not _iso_like(value):
            raise ValueError("must be an ISO date (YYYY-MM-DD), not a number")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _text_policy(cls, value: Any, info: ValidationInfo) -> Any:
        """The one text policy, before any other work: length first, then no NUL, no control
        characters (tab and newlines only in prose fields, those allowing 1,000 characters or
        more), no bidirectional overrides; nested JSON bounded in depth and size."""
        if isinstance(value, str):
            limit = cls._max_length(info)
            if len(value) > limit:
                raise ValueError(f"at most {limit:,} characters")
            problem = text_problem(value, multiline=limit >= MULTILINE_FROM)
            if problem:
                raise ValueError(problem)
        elif isinstance(value, dict | list):
            try:
                check_structure(value)
            except StructureProblem as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _integers_fit_the_database(cls, value: Any, info: ValidationInfo) -> Any:
        # After conversion, so "99999999999999999999" from a form is caught as well.
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INTEGER:
                raise ValueError(f"must be between {-MAX_INTEGER:,} and {MAX_INTEGER:,}")
        return value

    @classmethod
    def _plain_number_kind(cls, info: ValidationInfo) -> str | None:
        """ "an integer" or "a number" for int or float fields (and lists of them): JSON sends
        them as numbers, not text.  (Decimal fields take text on purpose: money travels as
        "1234.50".)"""
        field = cls.model_fields.get(info.field_name or "")
        if field is None or not _plain_number(field.annotation):
            return None
        return "an integer" if is_integer_type(field.annotation) else "a number"

    @classmethod
    def _is_numeric(cls, info: ValidationInfo) -> bool:
        field = cls.model_fields.get(info.field_name or "")
        return field is not None and is_numeric_type(field.annotation)

    @classmethod
    def _max_length(cls, info: ValidationInfo) -> int:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return DEFAULT_MAX_TEXT
        found = [getattr(m, "max_length", None) for m in field.metadata]
        found += _declared_max_lengths(field.annotation)
        bounds = [n for n in found if isinstance(n, int)]
        return min(bounds) if bounds else DEFAULT_MAX_TEXT


def _declared_max_lengths(annotation: Any) -> list[int]:
    """``max_length`` of every ``Annotated[str, …]`` inside ``annotation`` (unions too)."""
    found: list[int] = []
    for arg in get_args(annotation):
        found += _declared_max_lengths(arg)
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(getattr(meta, "max_length", None), int):
            found.append(meta.max_length)
    return found


def _plain_number(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, Annotated, list, tuple, set, frozenset):
        args = get_args(annotation)
        return any(_plain_number(arg) for arg in (args[:1] if origin is Annotated else args))
    return annotation in (int, float)


def is_date_type(annotation: Any) -> bool:
    """Whether a field's type is a date or a datetime (possibly optional)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return any(is_date_type(arg) for arg in get_args(annotation))
    if get_origin(annotation) is Annotated:
        return is_date_type(get_args(annotation)[0])
    return annotation in (dt.date, dt.datetime)


def _iso_like(value: Any) -> bool:
    """Dates come as ISO text (or date objects): 4102444800 is not a date, whatever pydantic's
    lax mode would make of it."""
    if isinstance(value, bool | int | float | decimal.Decimal):
        return False
    return not (isinstance(value, str) and not ISO_DATE.match(value.strip()))


def is_integer_type(annotation: Any) -> bool:
    """Whether a field's type is an integer (possibly optional), and not a boolean."""
    if get_origin(annotation) in (Union, types.UnionType):
        return any(is_integer_type(arg) for arg in get_args(annotation))
    if get_origin(annotation) is Annotated:
        return is_integer_type(get_args(annotation)[0])
    return annotation is int


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
