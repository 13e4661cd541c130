"""``govcloud worker``, ``govcloud schedule list|run`` and ``govcloud job run``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from babel.dates import format_datetime
from rich.table import Table
from sqlalchemy.orm import Session

from infra.database import get_session_factory, session_scope
from infra.errors import GovcloudError
from infra.jobs.jobs import NOOP_KIND
from infra.jobs.models import Job
from infra.jobs.runner import InlineBackend, set_backend
from infra.jobs.service import submit_job
from infra.schedules import service as schedules
from infra.settings import get_settings
from portal_api.clikit import CLI_ACTOR, console, fail
from portal_api.registry import SCHEDULES

CITY_TZ = "Asia/Shanghai"

schedule_app = typer.Typer(help="Periodic work (each runs once per period).", no_args_is_help=True)
job_app = typer.Typer(help="Jobs run from the shell.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(job_app, name="job")
    app.command("worker")(worker)


def worker(
    queue: Annotated[
        list[str] | None,
        typer.Option("--queue", "-q", help="Queue to take jobs from (repeat; default: all)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once.")] = 4,
    scheduler: Annotated[
        bool, typer.Option(help="Also tick the scheduler (safe on every worker).")
    ] = True,
) -> None:
    """Run jobs from PostgreSQL (GOVCLOUD_JOBS__BACKEND=procrastinate) until SIGTERM."""
    from portal_api.runtime import run_worker

    settings = get_settings()
    if settings.jobs.backend != "procrastinate" or not settings.database_url.startswith(
        "postgresql"
    ):
        raise fail(
            "a worker needs PostgreSQL and GOVCLOUD_JOBS__BACKEND=procrastinate; "
            "the embedded backend runs jobs inside the panel",
            2,
        )
    console.print(f"govcloud worker: queues {', '.join(queue or ['(all)'])}, {concurrency} at once")
    run_worker(
        settings, get_session_factory(), queues=queue, concurrency=concurrency, scheduler=scheduler
    )


def _local(at: dt.datetime | None) -> str:
    return format_datetime(at, "yyyy-MM-dd HH:mm", tzinfo=ZoneInfo(CITY_TZ)) if at else "—"


@schedule_app.command("list")
def schedule_list() -> None:
    """Every schedule with its last run and when the next falls due (Asia/Shanghai)."""
    with session_scope() as session:
        rows = schedules.statuses(session, SCHEDULES)
    table = Table(title="schedules")
    for column in ("name", "period", "last period", "last status", "next run"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.name,
            row.period,
            _local(row.last_period_start),
            row.last_status.value if row.last_status else "—",
            _local(row.next_run_at),
        )
    console.print(table)


@schedule_app.command("run")
def schedule_run(name: str) -> None:
    """Run NAME now, in this process, for its latest ended period."""
    try:
        schedule = schedules.find(SCHEDULES, name)
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    _inline(lambda session: schedules.run_now(session, schedule, actor=CLI_ACTOR))


@job_app.command("noop")
def job_noop(
    seconds: Annotated[str, typer.Option(help="How long it sleeps (a decimal).")] = "0",
) -> None:
    """Run an empty job here (a smoke check of the job layer, leases included)."""
    _inline(
        lambda session: submit_job(
            session,
            kind=NOOP_KIND,
            title="noop from the shell",
            params={"seconds": seconds},
            actor=CLI_ACTOR,
        )
    )


def _inline(submit: Callable[[Session], Job]) -> None:
    previous = set_backend(InlineBackend())
    try:
        with session_scope() as session:
            job_id = submit(session).id
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    finally:
        set_backend(previous)
    with session_scope() as session:
        job = session.get_one(Job, job_id)
        status, error, result = job.status, job.error, job.result
    if error:
        raise fail(f"job {job_id} {status.value}: {error}")
    console.print(f"job {job_id} {status.value}: {result}")
