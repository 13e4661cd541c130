"""Terms and their end: reminders before ``ends_on``, release on expiry.

:func:`sweep` is idempotent and safe to run as often as you like (the CLI's
``govcloud request sweep``, a cron line, or the ``requests.sweep`` job): each reminder
threshold is recorded once per term, and a request expires once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.jobs.runner import JobContext
from infra.settings import get_settings
from infra.tenancy.requests.enums import RequestAction, RequestKind, RequestState
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.requests.running import release_allocations
from infra.tenancy.requests.service import ENTITY, transition

SWEEP_KIND = "requests.sweep"
SWEEP_ACTOR = Actor.system("expiry")


@dataclass
class SweepReport:
    reminded: list[tuple[int, int]] = field(default_factory=list)  # (request id, days left)
    expired: list[int] = field(default_factory=list)


def sweep(session: Session, *, today: dt.date, actor: Actor = SWEEP_ACTOR) -> SweepReport:
    """Remind departments of terms about to end; expire (and release) those that ended."""
    thresholds = sorted(get_settings().requests.reminder_days, reverse=True)
    report = SweepReport()
    running = session.scalars(
        select(ResourceRequest)
        .where(
            ResourceRequest.kind == RequestKind.NEW,
            ResourceRequest.state.in_([RequestState.PLACED, RequestState.ACTIVE]),
            ResourceRequest.ends_on.is_not(None),
        )
        .order_by(ResourceRequest.id)
        .with_for_update()
    ).all()
    for request in running:
        assert request.ends_on is not None
        days_left = (request.ends_on - today).days
        if days_left <= 0:
            if request.state is RequestState.PLACED:
                transition(
                    session,
                    request,
                    RequestAction.RELEASE,
                    actor=actor,
                    details={"reason": f"term ended {request.ends_on}"},
                )
            else:
                transition(
                    session,
                    request,
                    RequestAction.EXPIRE,
                    actor=actor,
                    details={"ends_on": request.ends_on},
                )
            release_allocations(session, request_id=request.id)
            report.expired.append(request.id)
            continue
        due = [t for t in thresholds if days_left <= t]
        if not due:
            continue
        threshold = min(due)
        if request.reminded_days is not None and request.reminded_days <= threshold:
            continue
        request.reminded_days = threshold
        session.flush()
        record(
            session,
            actor=actor,
            action="remind",
            entity=ENTITY,
            entity_id=request.id,
            after={"ends_on": request.ends_on, "days_left": days_left},
            department_id=request.department_id,
        )
        report.reminded.append((request.id, days_left))
    return report


def sweep_job(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    today = (
        dt.date.fromisoformat(params["today"])
        if params.get("today")
        else dt.datetime.now(dt.UTC).date()
    )
    with context.session() as session:
        report = sweep(session, today=today)
    context.log(f"{len(report.reminded)} reminded, {len(report.expired)} expired")
    return {"reminded": report.reminded, "expired": report.expired}
