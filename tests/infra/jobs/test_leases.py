"""Guarded status moves and leases: a finished job never moves; only a lapsed lease ends a
running job from outside."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from infra.database import session_scope, utcnow
from infra.jobs.enums import TRANSITIONS, JobStatus, allowed_from, may_move
from infra.jobs.leases import reap_lapsed
from infra.jobs.models import Job, JobEvent
from infra.jobs.registry import JobKind
from infra.jobs.runner import JobContext, run_job, set_backend
from infra.jobs.service import submit_job
from infra.jobs.transitions import claim, move
from tests import factories
from tests.jobkinds import with_kinds


def test_the_transition_table() -> None:
    """Finished statuses are dead ends; nothing moves back to queued except a lapsed runner."""
    for status in JobStatus:
        if status.finished:
            assert TRANSITIONS[status] == frozenset()
    assert allowed_from(JobStatus.SUCCEEDED) == (JobStatus.RUNNING,)
    assert allowed_from(JobStatus.RUNNING) == (JobStatus.QUEUED,)
    assert set(allowed_from(JobStatus.CANCELLED)) == {JobStatus.QUEUED, JobStatus.RUNNING}
    assert allowed_from(JobStatus.QUEUED) == (JobStatus.RUNNING,)
    assert not may_move(JobStatus.FAILED, JobStatus.SUCCEEDED)
    assert not may_move(JobStatus.CANCELLED, JobStatus.SUCCEEDED)
    assert may_move(JobStatus.RUNNING, JobStatus.FAILED)


class Parked:
    def __init__(self) -> None:
        self.jobs: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.jobs.append(job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


GATE: dict[str, threading.Event] = {}


def _gated(context: JobContext, _params: dict[str, Any]) -> dict[str, Any]:
    GATE.setdefault(context.job_id, threading.Event()).wait(10)
    return {"late": True}


@pytest.fixture(autouse=True)
def parked() -> Iterator[Parked]:
    parked = Parked()
    previous = set_backend(parked)
    with with_kinds(
        JobKind("tests.gated", _gated),
        JobKind("tests.retried", _gated, retries=1),
    ):
        yield parked
    set_backend(previous)


def _submit(factory: sessionmaker[Session], kind: str) -> str:
    with session_scope(factory) as s:
        return submit_job(s, kind=kind, title=kind, params={}, actor=factories.SYSTEM).id


def _job(factory: sessionmaker[Session], job_id: str) -> Job:
    with session_scope(factory) as s:
        return s.get_one(Job, job_id)


def test_a_failed_job_never_flips_to_succeeded(session_factory: sessionmaker[Session]) -> None:
    """Catches an unguarded finish: the job fails (lease lapsed) while its handler still runs;
    the handler's late success is not stored."""
    job_id = _submit(session_factory, "tests.gated")
    runner = threading.Thread(target=run_job, args=(job_id, session_factory))
    runner.start()
    try:
        import time

        deadline = time.monotonic() + 10
        while _job(session_factory, job_id).status is not JobStatus.RUNNING:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with session_scope(session_factory) as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(lease_expires_at=utcnow() - dt.timedelta(seconds=1))
            )
        with session_scope(session_factory) as s:
            (reaped,) = reap_lapsed(s)
        assert reaped.status is JobStatus.FAILED
    finally:
        GATE.setdefault(job_id, threading.Event()).set()
        runner.join(10)
    job = _job(session_factory, job_id)
    assert job.status is JobStatus.FAILED
    assert job.result is None
    assert (job.error or "").startswith("lease lapsed")


def test_only_the_lease_holder_finishes(session_factory: sessionmaker[Session]) -> None:
    job_id = _submit(session_factory, "tests.gated")
    with session_scope(session_factory) as s:
        assert claim(s, job_id, owner="a", lease_s=60)
        assert not claim(s, job_id, owner="b", lease_s=60)  # already running
        assert not move(s, job_id, JobStatus.SUCCEEDED, held_by="b")
        assert move(s, job_id, JobStatus.SUCCEEDED, held_by="a")
        assert not move(s, job_id, JobStatus.FAILED, held_by="a")  # finished stays finished
        assert not move(s, job_id, JobStatus.QUEUED)
    assert _job(session_factory, job_id).status is JobStatus.SUCCEEDED


def test_a_lapsed_lease_is_retried_as_the_kind_declares_then_failed(
    session_factory: sessionmaker[Session], parked: Parked
) -> None:
    job_id = _submit(session_factory, "tests.retried")
    now = utcnow()
    for attempt, expected in ((1, JobStatus.QUEUED), (2, JobStatus.FAILED)):
        with session_scope(session_factory) as s:
            assert claim(s, job_id, owner=f"w{attempt}", lease_s=1)
        with session_scope(session_factory) as s:
            assert reap_lapsed(s, now=now + dt.timedelta(seconds=0.5)) == []  # still fresh
        with session_scope(session_factory) as s:
            (reaped,) = reap_lapsed(s, now=utcnow() + dt.timedelta(seconds=2))
        assert reaped.status is expected
        assert _job(session_factory, job_id).attempts == attempt
    assert parked.jobs == [job_id, job_id]  # handed over again for the retry
    with session_scope(session_factory) as s:
        notes = [
            e.message for e in s.query(JobEvent).filter_by(job_id=job_id).order_by(JobEvent.seq)
        ]
    assert notes == ["lease of w1 lapsed; attempt 2 of 2 queued", "lease of w2 lapsed; failed"]
