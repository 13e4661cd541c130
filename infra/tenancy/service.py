"""Departments and quotas: plain functions over a session, every change audited."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.database import utcnow
from infra.errors import (
    ABOVE_MAXIMUM,
    IN_USE,
    NOT_FOUND_NAMED,
    REQUIRED,
    Conflict,
    InvalidInput,
    NameTaken,
    NotFound,
    Thing,
)
from infra.events.service import publish
from infra.schemas import Page, PageParams
from infra.tenancy.enums import QUOTA_MAXIMUM, DepartmentKind
from infra.tenancy.events import QuotaChanged
from infra.tenancy.exceptions import (
    HAS_NO_PARENT,
    NEEDS_PARENT,
    NO_SUCH_DEPARTMENT,
    PARENT_KIND,
    ZONE_NOT_SHARED,
    QuotaExists,
)
from infra.tenancy.models import Department, Quota, User
from infra.tenancy.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    QuotaCreate,
    QuotaRead,
    QuotaUpdate,
)
from infra.tenancy.scope import Scope
from infra.zones import NetworkZone

# -- departments ---------------------------------------------------------------------------


def list_departments(
    session: Session, *, scope: Scope, page: PageParams, parent_id: int | None = None
) -> Page[DepartmentRead]:
    """Departments visible in ``scope``, ordered by code."""
    query = select(Department).where(scope.where(Department.id))
    if parent_id is not None:
        query = query.where(Department.parent_id == parent_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Department.code).limit(page.limit).offset(page.offset)
    ).all()
    items = [DepartmentRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


def get_department(session: Session, *, scope: Scope, department_id: int) -> Department:
    """The department, or NotFound if it does not exist or lies outside ``scope``."""
    department = session.get(Department, department_id)
    if department is None or not scope.allows(department.id):
        raise NotFound("department", department_id)
    return department


def _check_parent(
    session: Session, *, kind: DepartmentKind, parent_id: int | None, self_id: int | None = None
) -> None:
    wanted = kind.parent_kind
    if wanted is None:
        if parent_id is not None:
            raise InvalidInput.one(
                "parent_id",
                f"a {kind.value} has no parent",
                code=HAS_NO_PARENT,
                params={"kind": kind},
            )
        return
    if parent_id is None:
        raise InvalidInput.one(
            "parent_id",
            f"a {kind.value} needs a parent {wanted.value}",
            code=NEEDS_PARENT,
            params={"kind": kind, "wanted": wanted},
        )
    parent = session.get(Department, parent_id)
    if parent is None or parent.id == self_id:
        raise InvalidInput.one(
            "parent_id",
            f"department {parent_id} does not exist",
            code=NOT_FOUND_NAMED,
            params={"what": Thing.DEPARTMENT, "value": str(parent_id)},
        )
    if parent.kind is not wanted:
        raise InvalidInput.one(
            "parent_id",
            f"a {kind.value}'s parent must be a {wanted.value}, "
            f"department {parent_id} is a {parent.kind.value}",
            code=PARENT_KIND,
            params={
                "kind": kind,
                "wanted": wanted,
                "parent_id": str(parent_id),
                "actual": parent.kind,
            },
        )


def create_department(session: Session, *, data: DepartmentCreate, actor: Actor) -> Department:
    """Add a department under its parent; codes are unique."""
    if session.scalar(select(Department.id).where(Department.code == data.code)) is not None:
        raise NameTaken(
            "code", f"a department with code {data.code!r} already exists", value=data.code
        )
    _check_parent(session, kind=data.kind, parent_id=data.parent_id)
    department = Department(**data.model_dump())
    session.add(department)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="department",
        entity_id=department.id,
        after=snapshot(department),
        department_id=department.id,
    )
    return department


def update_department(
    session: Session, *, scope: Scope, department_id: int, data: DepartmentUpdate, actor: Actor
) -> Department:
    """Rename or re-parent a department."""
    department = get_department(session, scope=scope, department_id=department_id)
    before = snapshot(department)
    changes = data.model_dump(exclude_unset=True)
    if "parent_id" in changes:
        _check_parent(
            session, kind=department.kind, parent_id=changes["parent_id"], self_id=department.id
        )
    if "name" in changes and changes["name"] is None:
        raise InvalidInput.one("name", "may not be empty", code=REQUIRED)
    for key, value in changes.items():
        setattr(department, key, value)
    session.flush()
    if snapshot(department) == before:
        return department  # nothing changed: nothing to record
    record(
        session,
        actor=actor,
        action="update",
        entity="department",
        entity_id=department.id,
        before=before,
        after=snapshot(department),
        department_id=department.id,
    )
    return department


def delete_department(session: Session, *, scope: Scope, department_id: int, actor: Actor) -> None:
    """Remove a department that nothing refers to any more."""
    department = get_department(session, scope=scope, department_id=department_id)
    references = {
        Thing.SUB_DEPARTMENTS: select(func.count()).where(Department.parent_id == department.id),
        Thing.USERS: select(func.count()).where(User.department_id == department.id),
        Thing.QUOTAS: select(func.count()).where(Quota.department_id == department.id),
    }
    for what, count_query in references.items():
        if session.scalar(count_query):
            raise Conflict(
                "department_id",
                f"department {department.code!r} still has {what.english}",
                code=IN_USE,
                params={"value": department.code, "items": what},
            )
    before = snapshot(department)
    session.delete(department)
    session.flush()
    record(
        session,
        actor=actor,
        action="delete",
        entity="department",
        entity_id=department_id,
        before=before,
        department_id=department_id,
    )


# -- quotas --------------------------------------------------------------------------------


def list_quotas(
    session: Session,
    *,
    scope: Scope,
    page: PageParams,
    department_id: int | None = None,
    zone: NetworkZone | None = None,
) -> Page[QuotaRead]:
    """Quotas visible in ``scope``, by department, zone and resource."""
    query = select(Quota).where(scope.where(Quota.department_id))
    if department_id is not None:
        query = query.where(Quota.department_id == department_id)
    if zone is not None:
        query = query.where(Quota.zone == zone)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Quota.department_id, Quota.zone, Quota.resource)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Page(
        items=[QuotaRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def get_quota(session: Session, *, scope: Scope, quota_id: int) -> Quota:
    quota = session.get(Quota, quota_id)
    if quota is None or not scope.allows(quota.department_id):
        raise NotFound("quota", quota_id)
    return quota


def create_quota(session: Session, *, scope: Scope, data: QuotaCreate, actor: Actor) -> Quota:
    """Set a department's limit for one resource class in one zone (once per pair)."""
    if not scope.allows(data.department_id) or session.get(Department, data.department_id) is None:
        raise InvalidInput.one(
            "department_id",
            f"department {data.department_id} does not exist",
            code=NO_SUCH_DEPARTMENT,
            params={"department_id": data.department_id},
        )
    if not data.zone.hosts_shared_capacity:
        raise InvalidInput.one(
            "zone",
            "the classified e-government intranet never hosts shared-cloud capacity",
            code=ZONE_NOT_SHARED,
        )
    existing = session.scalar(
        select(Quota.id).where(
            Quota.department_id == data.department_id,
            Quota.resource == data.resource,
            Quota.zone == data.zone,
        )
    )
    if existing is not None:
        raise QuotaExists(
            "resource",
            f"department {data.department_id} already has a {data.resource.value} quota in zone "
            f"{data.zone.value} (quota {existing}); update that one",
            params={"resource": data.resource, "zone": data.zone, "quota_id": existing},
        )
    quota = Quota(**data.model_dump())
    session.add(quota)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="quota",
        entity_id=quota.id,
        after=snapshot(quota),
        department_id=quota.department_id,
    )
    _stack_stale(session, quota, "created")
    return quota


def update_quota(
    session: Session, *, scope: Scope, quota_id: int, data: QuotaUpdate, actor: Actor
) -> Quota:
    """Change a quota's limit."""
    quota = get_quota(session, scope=scope, quota_id=quota_id)
    maximum = QUOTA_MAXIMUM[quota.resource]
    if data.limit > maximum:
        raise InvalidInput.one(
            "limit",
            f"limit for {quota.resource.value} must be at most {maximum:,}, got {data.limit:,}",
            code=ABOVE_MAXIMUM,
            params={"maximum": maximum, "resource": quota.resource},
        )
    if data.limit == quota.limit:
        return quota  # nothing changed: nothing to record
    before = snapshot(quota)
    quota.limit = data.limit
    session.flush()
    record(
        session,
        actor=actor,
        action="update",
        entity="quota",
        entity_id=quota.id,
        before=before,
        after=snapshot(quota),
        department_id=quota.department_id,
    )
    _stack_stale(session, quota, "changed")
    return quota


def delete_quota(session: Session, *, scope: Scope, quota_id: int, actor: Actor) -> None:
    quota = get_quota(session, scope=scope, quota_id=quota_id)
    before = snapshot(quota)
    session.delete(quota)
    session.flush()
    record(
        session,
        actor=actor,
        action="delete",
        entity="quota",
        entity_id=quota_id,
        before=before,
        department_id=before["department_id"],
    )
    _stack_stale(session, quota, "removed")


def _stack_stale(session: Session, quota: Quota, what: str) -> None:
    """Tell whoever cares (provisioning: the department's stack is now out of date)."""
    publish(
        session,
        QuotaChanged(
            department_id=quota.department_id,
            at=utcnow(),
            resource=quota.resource.value,
            zone=quota.zone.value,
            change=what,
        ),
    )
