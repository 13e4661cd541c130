"""Deciding on a request: approve (sign a step of its chain), reject, withdraw."""

from __future__ import annotations

from sqlalchemy.orm import Session

from infra.audit.service import record
from infra.database import utcnow
from infra.errors import (
    AT_LEAST_CHARS,
    InvalidInput,
)
from infra.tenancy.models import User
from infra.tenancy.requests import approvals
from infra.tenancy.requests.enums import (
    RequestAction,
    StepStatus,
)
from infra.tenancy.requests.models import (
    ResourceRequest,
)
from infra.tenancy.requests.service import ENTITY, actor_of, get_request, transition
from infra.tenancy.scope import Scope


def approve_request(
    session: Session, *, scope: Scope, user: User, request_id: int, note: str | None = None
) -> ResourceRequest:
    """Sign the waiting step; the last signature approves the request."""
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    step = approvals.check_signer(user, request)
    step.status, step.decided_by, step.decided_at, step.note = (
        StepStatus.APPROVED,
        user.username,
        utcnow(),
        note,
    )
    session.flush()
    actor = actor_of(user)
    record(
        session,
        actor=actor,
        action="sign",
        entity=ENTITY,
        entity_id=request.id,
        after={"stage": step.stage.value, "position": step.position, "note": note},
        department_id=request.department_id,
    )
    if request.waiting_step() is None:
        transition(session, request, RequestAction.APPROVE, actor=actor)
    return request


def reject_request(
    session: Session, *, scope: Scope, user: User, request_id: int, reason: str
) -> ResourceRequest:
    """Refuse the request at the waiting step; its reservation is released at once."""
    if not reason or len(reason.strip()) < 3:
        raise InvalidInput.one(
            "reason",
            "a rejection needs a reason the department can read",
            code=AT_LEAST_CHARS,
            params={"count": 3},
        )
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    step = approvals.check_signer(user, request)
    step.status, step.decided_by, step.decided_at, step.note = (
        StepStatus.REJECTED,
        user.username,
        utcnow(),
        reason,
    )
    request.rejection_reason = reason
    transition(
        session,
        request,
        RequestAction.REJECT,
        actor=actor_of(user),
        details={"stage": step.stage.value, "reason": reason},
    )
    return request


def withdraw_request(
    session: Session, *, scope: Scope, user: User, request_id: int
) -> ResourceRequest:
    """The department takes its request back before placement; reservations end."""
    request = get_request(session, scope=scope, request_id=request_id, lock=True)
    transition(session, request, RequestAction.WITHDRAW, actor=actor_of(user))
    return request
