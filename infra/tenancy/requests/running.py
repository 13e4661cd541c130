"""Running capacity: activate placed capacity, release it, renew its term."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import utcnow
from infra.errors import (
    AFTER_DATE,
    AT_LEAST_CHARS,
    AT_MOST_CHARS,
    WRONG_STATE,
    Conflict,
    InvalidInput,
)
from infra.tenancy.requests import rules
from infra.tenancy.requests.enums import RequestAction, RequestKind, RequestState
from infra.tenancy.requests.exceptions import IS_CHANGE_REQUEST
from infra.tenancy.requests.models import Allocation, ResourceRequest
from infra.tenancy.requests.service import ENTITY, get_request, transition
from infra.tenancy.scope import Scope


def activate_request(
    session: Session, *, scope: Scope, actor: Actor, request_id: int, reason: str | None = None
) -> ResourceRequest:
    """Provisioning is done: the placed capacity is live (metering starts)."""
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    _only_new(request, "activated")
    details = {"reason": reason} if reason else None
    transition(session, request, RequestAction.ACTIVATE, actor=actor, details=details)
    return request


def activate_by_hand(
    session: Session, *, scope: Scope, actor: Actor, request_id: int, reason: str
) -> ResourceRequest:
    """The operator marks placed capacity live without waiting for its stack to deploy; the
    reason goes into the request's history."""
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput.one(
            "reason",
            "activating by hand needs a reason (3 characters or more)",
            code=AT_LEAST_CHARS,
            params={"count": 3},
        )
    if len(reason) > 2000:
        raise InvalidInput.one(
            "reason",
            "a reason has at most 2000 characters",
            code=AT_MOST_CHARS,
            params={"count": 2000},
        )
    return activate_request(session, scope=scope, actor=actor, request_id=request_id, reason=reason)


def activate_deployed(
    session: Session, *, department_id: int, deployed_since: dt.datetime, job_id: str, actor: Actor
) -> list[int]:
    """A stack ``up`` of the department that started at ``deployed_since`` succeeded: the
    department's requests placed before then are live.  Returns the ids activated.

    Provisioning calls this (tenancy may not import provisioning, so it cannot subscribe to a
    provisioning event); requests placed while the run was under way wait for the next one.
    """
    placed = session.scalars(
        select(ResourceRequest)
        .where(
            ResourceRequest.department_id == department_id,
            ResourceRequest.state == RequestState.PLACED,
            ResourceRequest.kind == RequestKind.NEW,
            ResourceRequest.placed_at <= deployed_since,
        )
        .order_by(ResourceRequest.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for request in placed:
        transition(
            session, request, RequestAction.ACTIVATE, actor=actor, details={"stack_job": job_id}
        )
    return [request.id for request in placed]


def release_allocations(session: Session, *, request_id: int) -> int:
    """Give back every open allocation of the request; returns how many were open."""
    result = session.execute(
        update(Allocation)
        .where(Allocation.request_id == request_id, Allocation.released_at.is_(None))
        .values(released_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_request(
    session: Session, *, scope: Scope, actor: Actor, request_id: int
) -> ResourceRequest:
    """The department gives the capacity back before its term ends."""
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    _only_new(request, "released")
    transition(session, request, RequestAction.RELEASE, actor=actor)
    released = release_allocations(session, request_id=request.id)
    record(
        session,
        actor=actor,
        action="release_allocations",
        entity=ENTITY,
        entity_id=request.id,
        after={"allocations": released},
        department_id=request.department_id,
    )
    return request


def renew_request(
    session: Session, *, scope: Scope, actor: Actor, request_id: int, ends_on: dt.date
) -> ResourceRequest:
    """Extend the term of running capacity (the reminders start over)."""
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    _only_new(request, "renewed")
    if not request.state.holds_allocation:
        raise Conflict(
            "state",
            f"request {request.id} is {request.state.value}: only placed or "
            "active capacity can be renewed",
            code=WRONG_STATE,
            params={"state": request.state},
        )
    if request.ends_on is not None and ends_on <= request.ends_on:
        raise InvalidInput.one(
            "ends_on",
            f"must be after the current end, {request.ends_on}",
            code=AFTER_DATE,
            params={"date": request.ends_on},
        )
    rules.check_term(wanted_by=None, ends_on=ends_on)
    before = {"ends_on": request.ends_on}
    request.ends_on, request.reminded_days = ends_on, None
    session.flush()
    record(
        session,
        actor=actor,
        action="renew",
        entity=ENTITY,
        entity_id=request.id,
        before=before,
        after={"ends_on": ends_on},
        department_id=request.department_id,
    )
    return request


def _only_new(request: ResourceRequest, verb: str) -> None:
    if request.kind is RequestKind.CHANGE:
        raise Conflict(
            "kind",
            f"request {request.id} is a change request: the request it changes is {verb}",
            code=IS_CHANGE_REQUEST,
        )
