"""Requests through their lifecycle: file, submit (quota admitted, chain fixed), sign, reject,
withdraw, activate, release, renew.  Every transition goes through :func:`transition`, which
enforces the state machine and appends the audit entry in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from infra.audit.actor import Actor
from infra.audit.models import AuditEntry
from infra.audit.service import record, snapshot
from infra.crud import paginate
from infra.database import serialize_on, utcnow
from infra.errors import (
    NOT_FOUND_NAMED,
    REQUIRED,
    WRONG_STATE,
    Conflict,
    InvalidInput,
    NotFound,
    Thing,
)
from infra.events.service import publish
from infra.events.types import Event
from infra.schemas import Page, PageParams
from infra.tenancy.models import Department, User
from infra.tenancy.requests import approvals, quota, rules
from infra.tenancy.requests.enums import (
    TRANSITIONS,
    ApprovalStage,
    RequestAction,
    RequestKind,
    RequestState,
)
from infra.tenancy.requests.events import RequestActivated, RequestChanged, RequestReleased
from infra.tenancy.requests.models import (
    ApprovalStep,
    RequestItem,
    ResourceRequest,
)
from infra.tenancy.requests.schemas import RequestCreate, RequestRead
from infra.tenancy.scope import Scope, scope_for

ENTITY = "resource_request"


def scope_of(session: Session, user: User) -> Scope:
    return scope_for(session, user)


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, user_id=user.id, role=user.role)


def _summary(request: ResourceRequest) -> dict[str, Any]:
    return {"state": request.state.value, "department_id": request.department_id}


def transition(
    session: Session,
    request: ResourceRequest,
    action: RequestAction,
    *,
    actor: Actor,
    details: dict[str, Any] | None = None,
) -> None:
    """Move ``request`` along the state machine (or refuse) and audit the move."""
    allowed = TRANSITIONS[request.state]
    if action not in allowed:
        possible = ", ".join(a.value for a in allowed) or "nothing (it is final)"
        raise Conflict(
            "state",
            f"request {request.id} is {request.state.value}: it cannot {action.value} "
            f"(allowed: {possible})",
            code=WRONG_STATE,
            params={"state": request.state},
        )
    before = _summary(request)
    request.state = allowed[action]
    now = utcnow()
    if action is RequestAction.SUBMIT:
        request.submitted_at = now
    elif action in (RequestAction.APPROVE, RequestAction.REJECT):
        request.decided_at = now
    elif action is RequestAction.PLACE:
        request.placed_at = now
    if request.state.is_terminal:
        request.closed_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action=action.value,
        entity=ENTITY,
        entity_id=request.id,
        before=before,
        after={**_summary(request), **(details or {})},
        department_id=request.department_id,
    )
    _announce(session, request, action, now)


def _announce(
    session: Session, request: ResourceRequest, action: RequestAction, at: dt.datetime
) -> None:
    """Publish what upper floors meter by: capacity live, changed in place, or given back."""
    if action is RequestAction.ACTIVATE and request.kind is RequestKind.CHANGE:
        if request.target_request_id is not None:
            event: Event = RequestChanged(
                request_id=request.target_request_id, department_id=request.department_id, at=at
            )
            publish(session, event)
        return
    if request.kind is not RequestKind.NEW:
        return
    if action is RequestAction.ACTIVATE:
        event = RequestActivated(request_id=request.id, department_id=request.department_id, at=at)
    elif action in (RequestAction.RELEASE, RequestAction.EXPIRE):
        event = RequestReleased(request_id=request.id, department_id=request.department_id, at=at)
    else:
        return
    publish(session, event)


# -- reading -------------------------------------------------------------------------------


def get_request(
    session: Session, *, scope: Scope, request_id: int, lock: bool = False
) -> ResourceRequest:
    """The request, or NotFound when it does not exist or lies outside ``scope``."""
    query = select(ResourceRequest).where(ResourceRequest.id == request_id)
    if lock:
        query = query.with_for_update()
    request = session.scalars(query).one_or_none()
    if request is None or not scope.allows(request.department_id):
        raise NotFound("request", request_id)
    return request


def list_requests(
    session: Session,
    *,
    scope: Scope,
    page: PageParams,
    state: RequestState | None = None,
    department_id: int | None = None,
) -> Page[RequestRead]:
    """Requests visible in ``scope``, newest first."""
    query: Select[Any] = (
        select(ResourceRequest)
        .where(scope.where(ResourceRequest.department_id))
        .options(selectinload(ResourceRequest.items), selectinload(ResourceRequest.steps))
    )
    if state is not None:
        query = query.where(ResourceRequest.state == state)
    if department_id is not None:
        query = query.where(ResourceRequest.department_id == department_id)
    query = query.order_by(ResourceRequest.id.desc())
    return paginate(session, query, page=page, schema=RequestRead)


def history(session: Session, *, scope: Scope, request_id: int) -> list[AuditEntry]:
    """The request's own audit entries, oldest first (a department sees its requests' trail)."""
    get_request(session, scope=scope, request_id=request_id)
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == ENTITY, AuditEntry.entity_id == str(request_id))
            .order_by(AuditEntry.seq)
        )
    )


# -- filing and submitting -----------------------------------------------------------------


def body_hash(data: RequestCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(session: Session, *, user: User, key: str, digest: str) -> ResourceRequest | None:
    serialize_on(session, f"idempotency:{user.id}:{key}")
    existing = session.scalar(
        select(ResourceRequest).where(
            ResourceRequest.created_by_id == user.id, ResourceRequest.idempotency_key == key
        )
    )
    if existing is not None and existing.body_hash != digest:
        raise Conflict(
            "Idempotency-Key",
            f"the key was already used for request {existing.id} with a different body",
        )
    return existing


def create_request(
    session: Session,
    *,
    scope: Scope,
    user: User,
    data: RequestCreate,
    idempotency_key: str | None = None,
) -> tuple[ResourceRequest, bool]:
    """File a request (a draft, or submitted at once); ``(request, False)`` when the
    idempotency key names one already filed with the same body."""
    digest = body_hash(data)
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 200:
            raise InvalidInput.one("Idempotency-Key", "must be 1–200 characters")
        existing = _replayed(session, user=user, key=idempotency_key, digest=digest)
        if existing is not None:
            return existing, False
    department_id = data.department_id if data.department_id is not None else user.department_id
    if department_id is None:
        raise InvalidInput.one(
            "department_id", "name the department the request is for", code=REQUIRED
        )
    department = session.get(Department, department_id)
    if department is None or not scope.allows(department_id):
        raise InvalidInput.one(
            "department_id",
            f"department {department_id} does not exist",
            code=NOT_FOUND_NAMED,
            params={"what": Thing.DEPARTMENT, "value": str(department_id)},
        )
    rules.check_term(wanted_by=data.wanted_by, ends_on=data.ends_on)
    items = [RequestItem(**item.model_dump()) for item in data.items]
    rules.check_items(session, items)
    request = ResourceRequest(
        department_id=department_id,
        kind=RequestKind.NEW,
        title=data.title,
        justification=data.justification,
        wanted_by=data.wanted_by,
        ends_on=data.ends_on,
        state=RequestState.DRAFT,
        estimated_monthly_cost=rules.monthly_cost(items),
        created_by_id=user.id,
        created_by=user.username,
        idempotency_key=idempotency_key,
        body_hash=digest,
        items=items,
    )
    file(
        session,
        request=request,
        department=department,
        actor=actor_of(user),
        submit_now=data.submit,
    )
    return request, True


def file(
    session: Session,
    *,
    request: ResourceRequest,
    department: Department,
    actor: Actor,
    submit_now: bool,
) -> None:
    """Insert a new (or change) request, submitting it at once if asked.

    Everything that needs no lock comes first — validation, the approval chain, and the
    insert of the request with its items and steps while it is still a draft (which no quota
    sum counts); only then are the department's quota rows locked, the demand admitted and
    the request moved to submitted, so the lock covers just those statements and the commit.
    The audit entries join the chain at commit (the head is locked last, for one statement).
    """
    chain = _chain(session, request=request, department=department) if submit_now else []
    request.steps = _steps(chain)  # set before the insert: no load of an empty collection
    session.add(request)
    session.flush()
    _record_created(session, request, actor=actor)
    if submit_now:
        limits = quota.lock_quotas(session, department_id=department.id)
        demand = quota.demand_of(request.items)
        quota.admit(session, department=department, demand=demand, limits=limits)
        _submit(session, request=request, chain=chain, actor=actor, steps_set=True)


def _record_created(session: Session, request: ResourceRequest, *, actor: Actor) -> None:
    after = snapshot(request)
    after["items"] = [snapshot(item) for item in request.items]
    record(
        session,
        actor=actor,
        action="create",
        entity=ENTITY,
        entity_id=request.id,
        after=after,
        department_id=request.department_id,
    )


def _chain(
    session: Session, *, request: ResourceRequest, department: Department
) -> list[tuple[ApprovalStage, int | None]]:
    return approvals.chain_for(
        session,
        department=department,
        cost=request.estimated_monthly_cost,
        vcpu=rules.total_vcpu(request.items),
    )


def _steps(chain: list[tuple[ApprovalStage, int | None]]) -> list[ApprovalStep]:
    return [
        ApprovalStep(position=i, stage=stage, approver_department_id=dept)
        for i, (stage, dept) in enumerate(chain, start=1)
    ]


def _submit(
    session: Session,
    *,
    request: ResourceRequest,
    chain: list[tuple[ApprovalStage, int | None]],
    actor: Actor,
    steps_set: bool = False,
) -> None:
    if not steps_set:
        request.steps = _steps(chain)
    transition(
        session,
        request,
        RequestAction.SUBMIT,
        actor=actor,
        details={"chain": [stage.value for stage, _ in chain]},
    )


def submit(session: Session, *, request: ResourceRequest, actor: Actor) -> None:
    """Admit a draft against its quotas, reserve, and fix its approval chain."""
    if request.state is not RequestState.DRAFT:
        transition(session, request, RequestAction.SUBMIT, actor=actor)  # refuses, naming why
    department = session.get(Department, request.department_id)
    assert department is not None
    if request.kind is RequestKind.NEW:
        rules.check_items(session, request.items)
    chain = _chain(session, request=request, department=department)
    quota.admit(session, department=department, demand=quota.demand_of(request.items))
    _submit(session, request=request, chain=chain, actor=actor)


def submit_request(
    session: Session, *, scope: Scope, user: User, request_id: int
) -> ResourceRequest:
    """Submit a draft of one's own department."""
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    submit(session, request=request, actor=actor_of(user))
    return request
