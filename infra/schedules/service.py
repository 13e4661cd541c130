"""The scheduler: period maths, claiming periods once across processes, and what to show.

:func:`tick` is called every few seconds by every process that runs the scheduler (each
``govcloud worker``; the embedded panel on SQLite).  For each schedule it finds the ended
periods not yet claimed — the latest one, plus up to ``catch_up - 1`` before it that were
missed while nothing ran — and claims each by inserting its ``schedule_runs`` row together
with a ``schedule:<name>`` job in one transaction.  The unique (name, period_start) lets
exactly one process win each period.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.actor import Actor
from infra.database import reader_of, session_scope, utcnow
from infra.errors import NotFound
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.jobs.registry import Handler, JobKind, LockFor
from infra.jobs.runner import JobContext
from infra.jobs.service import submit_job
from infra.jobs.transitions import new_owner
from infra.schedules.models import ScheduleRun
from infra.schedules.types import Period, Schedule, ScheduleContext

log = logging.getLogger(__name__)

KIND_PREFIX = "schedule:"
SCHEDULER = Actor.system("scheduler")


def kind_name(schedule: Schedule) -> str:
    return f"{KIND_PREFIX}{schedule.name}"


def previous_start(period: Period, start: dt.datetime) -> dt.datetime:
    """The start of the period before the one starting at ``start``."""
    return period.floor(period.floor(start) - dt.timedelta(microseconds=1))


def ended_periods(period: Period, now: dt.datetime, count: int) -> list[dt.datetime]:
    """Starts of the ``count`` most recent periods that have ended by ``now``, oldest first."""
    starts: list[dt.datetime] = []
    start = previous_start(period, now)
    for _ in range(max(0, count)):
        starts.append(start)
        start = previous_start(period, start)
    return list(reversed(starts))


def due_periods(
    schedule: Schedule, *, now: dt.datetime, last_claimed: dt.datetime | None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The periods to run now, oldest first: ended, after the last one claimed, at most
    ``catch_up`` of them; a schedule never run before starts with the latest ended period."""
    window = ended_periods(schedule.period, now, schedule.catch_up if last_claimed else 1)
    starts = [s for s in window if last_claimed is None or s > last_claimed]
    return [(s, schedule.period.next(s)) for s in starts]


def _last_claimed(session: Session, name: str) -> dt.datetime | None:
    return session.scalar(
        select(func.max(ScheduleRun.period_start)).where(ScheduleRun.name == name)
    )


def claim_period(
    session: Session,
    schedule: Schedule,
    *,
    start: dt.datetime,
    end: dt.datetime,
    claimed_by: str,
) -> Job:
    """Insert the period's row and submit its job (the caller commits; a duplicate raises)."""
    run = ScheduleRun(name=schedule.name, period_start=start, period_end=end, claimed_by=claimed_by)
    session.add(run)
    session.flush()  # the unique constraint answers here
    job = _submit(session, schedule, start=start, end=end, actor=SCHEDULER)
    run.job_id = job.id
    return job


def _submit(
    session: Session, schedule: Schedule, *, start: dt.datetime, end: dt.datetime, actor: Actor
) -> Job:
    return submit_job(
        session,
        kind=kind_name(schedule),
        title=f"{schedule.name} for {start.isoformat()} – {end.isoformat()}",
        params={"period_start": start, "period_end": end},
        actor=actor,
    )


def tick(
    factory: sessionmaker[Session],
    schedules: Iterable[Schedule],
    *,
    now: dt.datetime | None = None,
) -> list[str]:
    """Claim every due period of every schedule; returns the job ids this call submitted."""
    now = now or utcnow()
    me = new_owner()
    submitted: list[str] = []
    for schedule in schedules:
        with session_scope(reader_of(factory)) as session:  # no write lock unless due
            due = due_periods(schedule, now=now, last_claimed=_last_claimed(session, schedule.name))
        for start, end in due:
            try:
                with session_scope(factory) as session:
                    job = claim_period(session, schedule, start=start, end=end, claimed_by=me)
                    submitted.append(job.id)
            except IntegrityError:  # another process claimed this period first
                continue
    return submitted


def run_now(session: Session, schedule: Schedule, *, actor: Actor) -> Job:
    """Run ``schedule`` at once for its latest ended period, outside the once-per-period
    claims (handlers are idempotent per period, so this is safe)."""
    start = previous_start(schedule.period, utcnow())
    return _submit(session, schedule, start=start, end=schedule.period.next(start), actor=actor)


def find(schedules: Sequence[Schedule], name: str) -> Schedule:
    for schedule in schedules:
        if schedule.name == name:
            return schedule
    raise NotFound("schedule", name)


# -- job kinds -----------------------------------------------------------------------------


def _handler_for(schedule: Schedule) -> Handler:
    def handle(context: JobContext, params: dict[str, Any]) -> dict[str, Any] | None:
        return schedule.handler(
            ScheduleContext(
                job=context,
                period_start=dt.datetime.fromisoformat(params["period_start"]),
                period_end=dt.datetime.fromisoformat(params["period_end"]),
            )
        )

    handle.__name__ = f"schedule_{schedule.name}"
    return handle


def job_kinds(schedules: Iterable[Schedule], *, retries: int = 2) -> tuple[JobKind, ...]:
    """One ``schedule:<name>`` job kind per schedule; at most one runs at a time per schedule."""
    return tuple(
        JobKind(kind_name(s), _handler_for(s), retries=retries, lock=_lock_for(s))
        for s in schedules
    )


def _lock_for(schedule: Schedule) -> LockFor:
    def lock(_session: Session, _params: dict[str, Any]) -> str:
        return f"schedule:{schedule.name}"

    return lock


# -- what the API and the page show --------------------------------------------------------


@dataclass(frozen=True)
class ScheduleStatus:
    name: str
    description: str
    period: str
    catch_up: int
    last_period_start: dt.datetime | None
    last_job_id: str | None
    last_status: JobStatus | None
    last_finished_at: dt.datetime | None
    next_run_at: dt.datetime


def statuses(
    session: Session, schedules: Sequence[Schedule], *, now: dt.datetime | None = None
) -> list[ScheduleStatus]:
    """Each schedule's latest run (claimed or run by hand) and when the next one falls due."""
    now = now or utcnow()
    out: list[ScheduleStatus] = []
    for schedule in schedules:
        last = session.scalar(
            select(Job)
            .where(Job.kind == kind_name(schedule))
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(1)
        )
        out.append(
            ScheduleStatus(
                name=schedule.name,
                description=schedule.description,
                period=schedule.period.describe(),
                catch_up=schedule.catch_up,
                last_period_start=(
                    dt.datetime.fromisoformat(last.params["period_start"]) if last else None
                ),
                last_job_id=last.id if last else None,
                last_status=last.status if last else None,
                last_finished_at=last.finished_at if last else None,
                next_run_at=schedule.period.next(schedule.period.floor(now)),
            )
        )
    return out
