"""Read models of the tenancy lists: departments, users and quotas.

Each list is a scoped ``select`` (the joins its columns need, the scope applied here, so no
page or route can forget it) and a :class:`infra.listing.ListSpec` declaring what it shows,
sorts, searches and filters.  Specs come in two flavours: ``english=True`` shows a
department's English name where it has one (what the English pages show).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from infra.inventory.enums import NetworkZone
from infra.labels import N_
from infra.listing import Column, EnumFilter, IntFilter, ListSpec
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.tenancy.models import Department, Quota, User
from infra.tenancy.scope import Scope

Parent = aliased(Department, name="parent_department")


def department_name(table: Any, *, english: bool) -> Any:
    """A department's name as the page shows it (English where there is one, in English)."""
    return func.coalesce(table.name_en, table.name) if english else table.name


# -- departments ---------------------------------------------------------------------------


def departments(scope: Scope) -> Select[Any]:
    return (
        select(Department)
        .outerjoin(Parent, Department.parent_id == Parent.id)
        .where(scope.where(Department.id))
    )


@cache
def departments_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="departments",
        item="department",
        id_expr=Department.id,
        columns=(
            Column("name", N_("Name"), department_name(Department, english=english)),
            Column("code", N_("Code"), Department.code, "code"),
            Column("kind", N_("Level"), Department.kind, "enum"),
            Column("parent", N_("Parent"), department_name(Parent, english=english)),
        ),
        search=("name", "code"),
        filters=(
            IntFilter("parent_id", N_("Parent"), Department.parent_id),
            EnumFilter("kind", N_("Level"), Department.kind, DepartmentKind),
        ),
        default_sort="code",
        empty=N_("No departments to show."),
    )


# -- users ---------------------------------------------------------------------------------


def users(scope: Scope) -> Select[Any]:
    """Users visible in ``scope``: department users by their department; the cloud office's
    own accounts only to global scopes."""
    return (
        select(User)
        .outerjoin(Department, User.department_id == Department.id)
        .where(scope.where(User.department_id))
    )


@cache
def users_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="users",
        item="user",
        id_expr=User.id,
        columns=(
            Column("username", N_("Username"), User.username, "code"),
            Column("display_name", N_("Display name"), User.display_name),
            Column("role", N_("Role"), User.role, "enum"),
            Column("department", N_("Department"), department_name(Department, english=english)),
            Column("is_active", N_("Active"), User.is_active, "bool"),
            Column("last_login_at", N_("Last sign-in"), User.last_login_at, "datetime"),
        ),
        search=("username", "display_name"),
        filters=(
            IntFilter("department_id", N_("Department"), User.department_id),
            EnumFilter("role", N_("Role"), User.role, Role),
        ),
        default_sort="username",
        empty=N_("No users to show."),
    )


# -- quotas --------------------------------------------------------------------------------


def quotas(scope: Scope) -> Select[Any]:
    return (
        select(Quota)
        .join(Department, Quota.department_id == Department.id)
        .where(scope.where(Quota.department_id))
    )


@cache
def quotas_list(*, english: bool = False) -> ListSpec:
    return ListSpec(
        name="quotas",
        item="quota",
        id_expr=Quota.id,
        columns=(
            Column("department", N_("Department"), department_name(Department, english=english)),
            Column("zone", N_("Network zone"), Quota.zone, "enum"),
            Column("resource", N_("Resource"), Quota.resource, "enum"),
            Column("limit", N_("Limit"), Quota.limit, "int"),
        ),
        search=("department",),
        filters=(
            IntFilter("department_id", N_("Department"), Quota.department_id),
            EnumFilter("zone", N_("Network zone"), Quota.zone, NetworkZone),
            EnumFilter("resource", N_("Resource"), Quota.resource, ResourceClass),
        ),
        default_sort="department",
        empty=N_("No quotas to show."),
    )
