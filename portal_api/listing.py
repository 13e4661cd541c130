"""The list component's API side: a list endpoint's parameters and its ``Page`` answer.

``sort``, ``q``, ``limit``, ``offset`` and the declared filters are read by
:func:`infra.listing.parse_params` (the pages read them the same way); they are also declared
with their types, so the OpenAPI document lists them with the allowed sort values.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import Session

from infra import listing
from infra.listing import ListParams, ListSpec
from infra.schemas import Page
from infra.text import MAX_INTEGER


def request_values(request: Request) -> dict[str, str]:
    """The query string as single values (the last one of a repeated name)."""
    return {key: request.query_params.getlist(key)[-1] for key in request.query_params}


def api_params(spec: ListSpec, *, default_limit: int = 50) -> Callable[..., ListParams]:
    """A dependency reading the list's parameters, declared with their types so the OpenAPI
    document lists them (and the allowed sort values); a bad one is a 422 naming the field."""
    sorts = [*spec.sortable, "id"]
    sort_values: Any = Literal.__getitem__(tuple(sorts + [f"-{key}" for key in sorts]))
    searched = ", ".join(spec.search)
    declared: list[tuple[str, Any]] = [
        ("sort", Annotated[sort_values | None, Query(description="Column, - for descending.")]),
        ("limit", Annotated[int | None, Query(ge=1, le=listing.MAX_LIMIT)]),
        ("offset", Annotated[int | None, Query(ge=0, le=MAX_INTEGER)]),
    ]
    if spec.search:
        text = f"Text searched in: {searched}."
        declared.append(
            ("q", Annotated[str | None, Query(max_length=listing.MAX_SEARCH, description=text)])
        )
    for spec_filter in spec.filters:
        kind: Any = {
            listing.EnumFilter: getattr(spec_filter, "enum", str),
            listing.IntFilter: int,
            listing.DateRangeFilter: dt.date,
            listing.DateFilter: dt.date,
        }[type(spec_filter)]
        declared += [(name, Annotated[kind | None, Query()]) for name in spec_filter.params]

    def dependency(request: Request, **_: Any) -> ListParams:
        return listing.parse_params(spec, request_values(request), default_limit=default_limit)

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
    ]
    parameters += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for name, kind in declared
    ]
    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return dependency


def api_page(
    session: Session,
    spec: ListSpec,
    base_query: Select[Any],
    params: ListParams,
    schema: type[BaseModel],
) -> Page[Any]:
    found = listing.run(session, spec, base_query, params)
    return Page(
        items=[schema.model_validate(row.entity) for row in found.rows],
        total=found.total,
        limit=params.limit,
        offset=params.offset,
    )
