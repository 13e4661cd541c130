"""``govcloud schedule list|run``, ``govcloud job noop`` and ``govcloud worker``'s refusal."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from tests.cli import run_cli


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_schedule_list_and_run(engine: Engine, session: Session) -> None:
    listed = run_cli(_url(engine), "schedule", "list")
    assert listed.exit_code == 0, listed.output
    assert "requests.exp" in listed.output
    ran = run_cli(_url(engine), "schedule", "run", "requests.expiry")
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output
    job = session.scalars(select(Job).where(Job.kind == "schedule:requests.expiry")).one()
    assert job.status is JobStatus.SUCCEEDED
    assert job.attempts == 1
    missing = run_cli(_url(engine), "schedule", "run", "no.such")
    assert missing.exit_code == 1
    assert "no.such" in missing.output


def test_job_noop_runs_here(engine: Engine) -> None:
    ran = run_cli(_url(engine), "job", "noop")
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output


def test_worker_needs_the_procrastinate_backend(engine: Engine) -> None:
    refused = run_cli(_url(engine), "worker")
    assert refused.exit_code == 2
    assert "GOVCLOUD_JOBS__BACKEND=procrastinate" in refused.output
