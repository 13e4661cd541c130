"""Jobs: queued → running → succeeded / failed / cancelled, with ordered events and progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.service import count_entries, record
from infra.database import session_scope
from infra.errors import Conflict, InvalidInput, NotFound
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.jobs.registry import JobKind
from infra.jobs.runner import (
    InlineBackend,
    InProcessBackend,
    JobBackend,
    JobContext,
    run_job,
    set_backend,
)
from infra.jobs.service import (
    cancel_job,
    events_after,
    get_job,
    list_jobs,
    resume_queued,
    submit_job,
)
from infra.jobs.transitions import claim
from infra.schemas import PageParams
from infra.tenancy.enums import Role
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from tests import factories
from tests.jobkinds import with_kinds

EVERYTHING = Scope.everything()
SEEN: dict[str, list[tuple[JobStatus, int]]] = {}  # job id → (status, progress) seen inside
RELEASE: dict[str, threading.Event] = {}
STARTED: dict[str, threading.Event] = {}


def _status(context: JobContext) -> tuple[JobStatus, int]:
    with context.session() as session:
        job = session.get_one(Job, context.job_id)
        return job.status, job.progress


def steps(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    SEEN[context.job_id] = [_status(context)]
    for n in range(params["steps"]):
        context.log(f"step {n + 1}", step=n + 1)
        context.progress((n + 1) * 100 // params["steps"])
        SEEN[context.job_id].append(_status(context))
    return {"done": params["steps"]}


def half_write(context: JobContext, params: dict[str, Any]) -> None:
    """Writes a department, then fails before its transaction ends."""
    context.log("writing")
    with context.session() as session:
        session.add(Department(code="half-written", name="半", kind="department"))
        session.flush()
        if params["how"] == "refusal":
            raise InvalidInput.one("code", "the archive refused it")
        raise RuntimeError("the disk caught fire")


def float_result(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"ratio": 0.5}  # floats are refused in stored results


def _flag(flags: dict[str, threading.Event], job_id: str) -> threading.Event:
    return flags.setdefault(job_id, threading.Event())  # whichever thread asks first


def waits(context: JobContext, params: dict[str, Any]) -> None:
    _flag(STARTED, context.job_id).set()
    while not _flag(RELEASE, context.job_id).wait(0.02):
        context.progress(10)  # the cancellation point


def audited(context: JobContext, params: dict[str, Any]) -> None:
    with context.session() as session:
        record(session, actor=factories.SYSTEM, action="run", entity="thing", entity_id=1)
    context.log("recorded")


JOBS = (
    JobKind("tests.steps", steps),
    JobKind("tests.half_write", half_write),
    JobKind("tests.float_result", float_result),
    JobKind("tests.waits", waits),
    JobKind("tests.audited", audited),
)


@pytest.fixture(autouse=True, scope="module")
def _kinds() -> Iterator[None]:
    with with_kinds(*JOBS):
        yield


class Recorder:
    """A backend that only remembers what it was given (nothing runs)."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.enqueued.append(job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


@pytest.fixture
def use_backend() -> Iterator[Any]:
    installed: list[JobBackend | None] = []

    def install(backend: JobBackend) -> JobBackend:
        installed.append(set_backend(backend))
        return backend

    yield install
    for previous in reversed(installed):
        current = set_backend(previous)
        if current is not None:
            current.shutdown(wait=True)


def _submit(factory: sessionmaker[Session], kind: str, params: dict[str, Any] | None = None) -> str:
    with session_scope(factory) as session:
        job = submit_job(
            session, kind=kind, title=kind, params=params or {}, actor=factories.SYSTEM
        )
        return job.id


def _job(factory: sessionmaker[Session], job_id: str) -> Job:
    with session_scope(factory) as session:
        return session.get_one(Job, job_id)


def _wait(factory: sessionmaker[Session], job_id: str, *, timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = _job(factory, job_id)
        if job.status.finished:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
        time.sleep(0.02)


def _events(factory: sessionmaker[Session], job_id: str) -> list[JobEvent]:
    with session_scope(factory) as session:
        return events_after(session, job_id=job_id)


def test_lifecycle_events_and_progress(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    use_backend(InlineBackend(session_factory))
    job_id = _submit(session_factory, "tests.steps", {"steps": 4})
    job = _job(session_factory, job_id)
    assert job.status is JobStatus.SUCCEEDED
    assert job.result == {"done": 4}
    assert job.error is None
    assert job.progress == 100
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at
    # Inside the handler the job was running, and progress was stored as it went.
    assert SEEN[job_id] == [
        (JobStatus.RUNNING, 0),
        (JobStatus.RUNNING, 25),
        (JobStatus.RUNNING, 50),
        (JobStatus.RUNNING, 75),
        (JobStatus.RUNNING, 100),
    ]
    events = _events(session_factory, job_id)
    assert [(e.seq, e.message, e.data) for e in events] == [
        (n, f"step {n}", {"step": n}) for n in range(1, 5)
    ]
    with session_scope(session_factory) as session:
        assert [e.seq for e in events_after(session, job_id=job_id, after=2)] == [3, 4]
        assert events_after(session, job_id=job_id, after=4) == []


def test_a_job_is_queued_until_the_submitting_transaction_commits(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    recorder = use_backend(Recorder())
    with session_scope(session_factory) as session:
        job = submit_job(session, kind="tests.steps", title="t", params={}, actor=factories.SYSTEM)
        assert job.status is JobStatus.QUEUED
        assert recorder.enqueued == []  # not before the commit
    assert recorder.enqueued == [job.id]

    def failing_request() -> None:
        with session_scope(session_factory) as session:
            submit_job(session, kind="tests.steps", title="t", params={}, actor=factories.SYSTEM)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert recorder.enqueued == [job.id]  # the rolled-back job was never handed over
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_unknown_kinds_are_refused(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session, pytest.raises(NotFound, match=r"tests\.nope"):
        submit_job(session, kind="tests.nope", title="t", params={}, actor=factories.SYSTEM)


@pytest.mark.parametrize(
    ("how", "error", "last_level"),
    [
        ("refusal", "code: the archive refused it", EventLevel.ERROR),
        ("crash", "internal error: RuntimeError: the disk caught fire", EventLevel.ERROR),
    ],
)
def test_a_failing_handler_fails_the_job_with_its_message_and_writes_nothing(
    session_factory: sessionmaker[Session],
    use_backend: Any,
    how: str,
    error: str,
    last_level: EventLevel,
) -> None:
    use_backend(InlineBackend(session_factory))
    audit_before = _audit_count(session_factory)
    job_id = _submit(session_factory, "tests.half_write", {"how": how})
    job = _job(session_factory, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error == error
    assert job.finished_at is not None
    assert job.result is None
    with session_scope(session_factory) as session:
        assert session.scalar(select(Department).where(Department.code == "half-written")) is None
    assert _audit_count(session_factory) == audit_before
    events = _events(session_factory, job_id)
    assert events[0].message == "writing"
    assert (events[-1].level, events[-1].message) == (last_level, error)
    if how == "crash":  # the traceback is kept for the operator, below the error
        assert any("Traceback" in e.message for e in events if e.level is EventLevel.DEBUG)


def _audit_count(factory: sessionmaker[Session]) -> int:
    with session_scope(factory) as session:
        return count_entries(session)


def test_a_result_that_cannot_be_stored_fails_the_job(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    use_backend(InlineBackend(session_factory))
    job = _job(session_factory, _submit(session_factory, "tests.float_result"))
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert "floats are not stored" in job.error


def test_cancelling_a_queued_job_means_it_never_runs(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    recorder = use_backend(Recorder())
    job_id = _submit(session_factory, "tests.steps", {"steps": 2})
    with session_scope(session_factory) as session:
        cancelled = cancel_job(session, scope=EVERYTHING, job_id=job_id)
        assert cancelled.status is JobStatus.CANCELLED
    run_job(recorder.enqueued[0], session_factory)  # the worker gets to it later
    job = _job(session_factory, job_id)
    assert job.status is JobStatus.CANCELLED
    assert job.finished_at is not None
    assert job_id not in SEEN
    with pytest.raises(Conflict, match="already cancelled"), session_scope(session_factory) as s:
        cancel_job(s, scope=EVERYTHING, job_id=job_id)


def test_cancelling_a_running_job_stops_it_at_its_next_progress_report(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    use_backend(InProcessBackend(1, session_factory))
    job_id = _submit(session_factory, "tests.waits")
    assert _flag(STARTED, job_id).wait(10)
    with session_scope(session_factory) as session:
        job = cancel_job(session, scope=EVERYTHING, job_id=job_id)
        assert (job.status, job.cancel_requested) == (JobStatus.RUNNING, True)
    job = _wait(session_factory, job_id)
    assert (job.status, job.error) == (JobStatus.CANCELLED, "cancelled on request")
    assert _events(session_factory, job_id)[-1].level is EventLevel.WARNING


def test_running_a_job_twice_runs_it_once(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    recorder = use_backend(Recorder())
    job_id = _submit(session_factory, "tests.steps", {"steps": 1})
    run_job(job_id, session_factory)
    run_job(job_id, session_factory)
    assert len(_events(session_factory, job_id)) == 1
    assert recorder.enqueued == [job_id]


def test_restart_leaves_running_jobs_alone_and_resumes_queued_ones(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    """A process restarting (panel, CLI) no longer fails running jobs: they belong to whoever
    holds their lease.  Queued jobs whose hand-over died with a process are resumed."""
    recorder = use_backend(Recorder())
    running = _submit(session_factory, "tests.steps", {"steps": 1})
    queued = _submit(session_factory, "tests.steps", {"steps": 1})
    done = _submit(session_factory, "tests.steps", {"steps": 1})
    run_job(done, session_factory)
    with session_scope(session_factory) as session:  # claimed by another live process
        assert claim(session, running, owner="elsewhere:1:x", lease_s=60)

    inline = use_backend(InlineBackend(session_factory))
    assert inline is not recorder
    with session_scope(session_factory) as session:
        assert resume_queued(session) == [queued]
    still, requeued, finished = (_job(session_factory, j) for j in (running, queued, done))
    assert still.status is JobStatus.RUNNING
    assert still.owner == "elsewhere:1:x"
    assert requeued.status is JobStatus.SUCCEEDED
    assert finished.status is JobStatus.SUCCEEDED


def test_scoping(
    session: Session, session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    use_backend(Recorder())
    w = factories.world(session)
    own = factories.job(session, dept=w.own)
    section = factories.job(session, dept=w.section)
    other = factories.job(session, dept=w.other)
    office = factories.job(session, dept=None)
    mine = factories.job(session, dept=None, created_by=w.users[Role.DEPARTMENT_USER])
    scope = Scope(frozenset({w.own.id, w.section.id}))
    user_id = w.users[Role.DEPARTMENT_USER].id
    page = PageParams()
    listed = list_jobs(session, scope=scope, page=page, user_id=user_id)
    assert {j.id for j in listed.items} == {own.id, section.id, mine.id}
    assert listed.total == 3
    for hidden in (other, office):
        with pytest.raises(NotFound):
            get_job(session, scope=scope, job_id=hidden.id, user_id=user_id)
    assert get_job(session, scope=scope, job_id=mine.id, user_id=user_id).id == mine.id
    everything = list_jobs(session, scope=EVERYTHING, page=page)
    assert everything.total == 5
    assert list_jobs(session, scope=Scope.nothing(), page=page).total == 0


def test_job_events_are_written_alongside_audit_entries(
    session_factory: sessionmaker[Session], use_backend: Any
) -> None:
    """A handler's audited change commits with its own transaction, not with the events."""
    use_backend(InlineBackend(session_factory))
    job = _job(session_factory, _submit(session_factory, "tests.audited"))
    assert job.status is JobStatus.SUCCEEDED
    assert _audit_count(session_factory) == 1
