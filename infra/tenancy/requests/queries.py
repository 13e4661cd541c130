"""Read models of the request lists (the scoped select and the list's declaration)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from infra.labels import N_
from infra.listing import Column, DateRangeFilter, EnumFilter, IntFilter, ListSpec
from infra.tenancy.models import Department
from infra.tenancy.queries import department_name
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import RequestItem, ResourceRequest
from infra.tenancy.scope import Scope

ITEMS = (
    select(func.count(RequestItem.id))
    .where(RequestItem.request_id == ResourceRequest.id)
    .correlate(ResourceRequest)
    .scalar_subquery()
)
VCPU = (
    select(func.coalesce(func.sum(RequestItem.vcpu), 0))
    .where(RequestItem.request_id == ResourceRequest.id)
    .correlate(ResourceRequest)
    .scalar_subquery()
)


# -- requests ------------------------------------------------------------------------------


def requests(scope: Scope) -> Select[Any]:
    """Requests visible in ``scope`` (their items and steps loaded for the API's schema)."""
    return (
        select(ResourceRequest)
        .join(Department, ResourceRequest.department_id == Department.id)
        .where(scope.where(ResourceRequest.department_id))
        .options(selectinload(ResourceRequest.items), selectinload(ResourceRequest.steps))
    )


@cache
def requests_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="requests",
        item="request",
        id_expr=ResourceRequest.id,
        columns=(
            Column("id", N_("Number"), ResourceRequest.id, "int"),
            Column("title", N_("Title"), ResourceRequest.title),
            Column("department", N_("Department"), department_name(Department, english=english)),
            Column("state", N_("State"), ResourceRequest.state, "enum"),
            Column("items", N_("Items"), ITEMS, "int"),
            Column("vcpu", N_("vCPU (cores)"), VCPU, "int"),
            Column(
                "estimated_monthly_cost",
                N_("Estimated monthly cost"),
                ResourceRequest.estimated_monthly_cost,
                "decimal",
            ),
            Column("submitted_at", N_("Submitted"), ResourceRequest.submitted_at, "datetime"),
        ),
        search=("title", "department"),
        filters=(
            EnumFilter("state", N_("State"), ResourceRequest.state, RequestState),
            IntFilter("department_id", N_("Department"), ResourceRequest.department_id),
            DateRangeFilter("submitted", N_("Submitted"), ResourceRequest.submitted_at),
        ),
        default_sort="-id",
        empty=N_("No requests to show."),
    )
