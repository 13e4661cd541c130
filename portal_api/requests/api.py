"""Resource requests: file and follow (departments), sign (approvers), operate (the office)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status
from sqlalchemy.orm import Session

from infra.jobs.schemas import JobAccepted
from infra.jobs.service import submit_job
from infra.listing import ListParams
from infra.schemas import Page
from infra.tenancy.requests import approvals, changes, decisions, expiry, running, service
from infra.tenancy.requests import queries as request_queries
from infra.tenancy.requests.models import Allocation
from infra.tenancy.requests.schemas import (
    AllocationRead,
    ChangeCreate,
    Decision,
    HistoryEntry,
    ManualActivation,
    Rejection,
    Renewal,
    RequestCreate,
    RequestRead,
)
from portal_api import access
from portal_api.deps import (
    SessionDep,
)
from portal_api.listing import api_page, api_params

router = APIRouter(prefix="/requests", tags=["requests"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retrying a POST with the same key (and body) returns the first request",
    ),
]


def _read(request: object) -> RequestRead:
    return RequestRead.model_validate(request)


def _done(session: Session, request: object) -> RequestRead:
    """Answer from the written request and commit *here*, in the endpoint's worker thread.

    Writes hold row locks (the quota rows, the audit head) until commit; committing in the
    dependency's teardown would need a second worker thread, and under load every worker can
    be waiting on those very locks or on the connection pool — a stall until the pool times
    out.  Committed here, locks are released by the thread that took them.
    """
    answer = _read(request)
    session.commit()
    return answer


@router.get("", response_model=Page[RequestRead])
def list_requests(
    session: SessionDep,
    principal: access.RequestRead,
    params: Annotated[ListParams, Depends(api_params(request_queries.requests_list()))],
) -> Page[RequestRead]:
    """Requests of the caller's departments (the office: all), newest first unless sorted."""
    spec = request_queries.requests_list()
    return api_page(session, spec, request_queries.requests(principal.scope), params, RequestRead)


@router.post("", response_model=RequestRead, status_code=status.HTTP_201_CREATED)
def create_request(
    session: SessionDep,
    principal: access.RequestWrite,
    data: RequestCreate,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> RequestRead:
    """File a request (``submit: true`` submits it at once: quota checked and reserved)."""
    request, created = service.create_request(
        session,
        scope=principal.scope,
        user=principal.user,
        data=data,
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return _done(session, request)


@router.get("/queue", response_model=list[RequestRead])
def queue(session: SessionDep, principal: access.RequestApprove) -> list[RequestRead]:
    """Requests whose next signature is the caller's, oldest first."""
    return [
        _read(r) for r in approvals.queue_for(session, user=principal.user, scope=principal.scope)
    ]


@router.post("/sweep", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def sweep(
    session: SessionDep, principal: access.RequestOperate, today: dt.date | None = None
) -> JobAccepted:
    """Send term reminders and expire ended terms, as a job."""
    job = submit_job(
        session,
        kind=expiry.SWEEP_KIND,
        title="Remind and expire request terms",
        params={"today": today.isoformat() if today else None},
        actor=principal.actor,
    )
    session.commit()
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        url=f"/api/v1/jobs/{job.id}",
        events_url=f"/api/v1/jobs/{job.id}/stream",
    )


@router.get("/{request_id}", response_model=RequestRead)
def get_request(session: SessionDep, principal: access.RequestRead, request_id: int) -> RequestRead:
    return _read(service.get_request(session, scope=principal.scope, request_id=request_id))


@router.get("/{request_id}/history", response_model=list[HistoryEntry])
def history(
    session: SessionDep, principal: access.RequestRead, request_id: int
) -> list[HistoryEntry]:
    """Every transition, signature and reminder of the request, oldest first."""
    entries = service.history(session, scope=principal.scope, request_id=request_id)
    return [HistoryEntry.model_validate(e) for e in entries]


@router.get("/{request_id}/allocations", response_model=list[AllocationRead])
def allocations(
    session: SessionDep, principal: access.RequestRead, request_id: int
) -> list[AllocationRead]:
    """Where the request's items run (released allocations included, with their time)."""
    request = service.get_request(session, scope=principal.scope, request_id=request_id)
    rows = session.query(Allocation).filter(Allocation.request_id == request.id)
    return [AllocationRead.model_validate(r) for r in rows.order_by(Allocation.id)]


@router.post("/{request_id}/submit", response_model=RequestRead)
def submit(session: SessionDep, principal: access.RequestWrite, request_id: int) -> RequestRead:
    return _done(
        session,
        service.submit_request(
            session, scope=principal.scope, user=principal.user, request_id=request_id
        ),
    )


@router.post("/{request_id}/withdraw", response_model=RequestRead)
def withdraw(session: SessionDep, principal: access.RequestWrite, request_id: int) -> RequestRead:
    return _done(
        session,
        decisions.withdraw_request(
            session, scope=principal.scope, user=principal.user, request_id=request_id
        ),
    )


@router.post("/{request_id}/approve", response_model=RequestRead)
def approve(
    session: SessionDep, principal: access.RequestApprove, request_id: int, data: Decision
) -> RequestRead:
    return _done(
        session,
        decisions.approve_request(
            session,
            scope=principal.scope,
            user=principal.user,
            request_id=request_id,
            note=data.note,
        ),
    )


@router.post("/{request_id}/reject", response_model=RequestRead)
def reject(
    session: SessionDep, principal: access.RequestApprove, request_id: int, data: Rejection
) -> RequestRead:
    return _done(
        session,
        decisions.reject_request(
            session,
            scope=principal.scope,
            user=principal.user,
            request_id=request_id,
            reason=data.reason,
        ),
    )


@router.post("/{request_id}/activate", response_model=RequestRead)
def activate(
    session: SessionDep, principal: access.RequestOperate, request_id: int, data: ManualActivation
) -> RequestRead:
    """Mark placed capacity live by hand, with a reason kept in the history (a successful
    stack deployment activates it on its own)."""
    return _done(
        session,
        running.activate_by_hand(
            session,
            scope=principal.scope,
            actor=principal.actor,
            request_id=request_id,
            reason=data.reason,
        ),
    )


@router.post("/{request_id}/release", response_model=RequestRead)
def release(session: SessionDep, principal: access.RequestWrite, request_id: int) -> RequestRead:
    """Give placed or active capacity back before its term ends."""
    return _done(
        session,
        running.release_request(
            session, scope=principal.scope, actor=principal.actor, request_id=request_id
        ),
    )


@router.post("/{request_id}/renew", response_model=RequestRead)
def renew(
    session: SessionDep, principal: access.RequestWrite, request_id: int, data: Renewal
) -> RequestRead:
    return _done(
        session,
        running.renew_request(
            session,
            scope=principal.scope,
            actor=principal.actor,
            request_id=request_id,
            ends_on=data.ends_on,
        ),
    )


@router.post(
    "/{request_id}/changes", response_model=RequestRead, status_code=status.HTTP_201_CREATED
)
def change(
    session: SessionDep, principal: access.RequestWrite, request_id: int, data: ChangeCreate
) -> RequestRead:
    """Grow or shrink the items of placed or active capacity (a change request)."""
    return _done(
        session,
        changes.create_change(
            session, scope=principal.scope, user=principal.user, request_id=request_id, data=data
        ),
    )
