"""Running jobs: the context handlers write through, the lease and its heartbeat, backends.

A backend only decides *where* :func:`run_job` is called.  The embedded default calls it on a
small in-process thread pool once the submitting transaction commits; the Procrastinate
backend (:mod:`infra.jobs.engine`) defers a task inside that same transaction and a
``govcloud worker`` process calls the same function — callers never notice, because they only
ever call :func:`infra.jobs.service.submit_job`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from infra.database import get_session_factory, session_scope, utcnow
from infra.errors import GovcloudError
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent
from infra.jobs.registry import Handler, JobKind, kind_of
from infra.jobs.transitions import claim_returning, move, new_owner, renew
from infra.serialization import json_safe

log = logging.getLogger(__name__)

__all__ = ["Handler", "JobContext", "run_job"]

_PENDING = "govcloud.pending_jobs"


class JobCancelled(GovcloudError):
    code = "cancelled"


class LeaseLost(GovcloudError):
    code = "lease_lost"


def _timing() -> tuple[float, float]:
    from infra.settings import get_settings

    jobs = get_settings().jobs
    return jobs.lease_s, jobs.heartbeat_s


class JobContext:
    """What a handler sees: its job id, an event log, progress, and sessions of its own."""

    def __init__(
        self,
        job_id: str,
        factory: sessionmaker[Session],
        *,
        owner: str | None = None,
        fresh: bool = False,
    ) -> None:
        self.job_id = job_id
        self.owner = owner
        self.lease_lost = threading.Event()
        self._factory = factory
        self._seq = 0
        if not fresh:
            with session_scope(factory) as session:
                last = session.scalar(
                    select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id)
                )
            self._seq = last or 0

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self._factory) as session:
            yield session

    def log(self, message: str, *, level: EventLevel = EventLevel.INFO, **data: Any) -> None:
        """Append one event; it is committed (and visible to followers) at once."""
        self._seq += 1
        try:
            with session_scope(self._factory) as session:
                session.add(
                    JobEvent(
                        job_id=self.job_id,
                        seq=self._seq,
                        at=utcnow(),
                        level=level,
                        message=message,
                        data=json_safe(data) if data else None,
                    )
                )
        except IntegrityError:  # someone else wrote this seq: we lost the job; note, go on
            log.warning("job %s: event %d already written elsewhere", self.job_id, self._seq)

    def progress(self, percent: int) -> None:
        """Record progress (0–100); stop here if cancellation was asked or the lease was lost."""
        if self.lease_lost.is_set():
            raise LeaseLost("the job's lease lapsed and another process took it over")
        with session_scope(self._factory) as session:
            cancel = session.scalar(
                update(Job)
                .where(Job.id == self.job_id)
                .values(progress=max(0, min(100, percent)))
                .returning(Job.cancel_requested),
                execution_options={"synchronize_session": False},
            )
        if cancel:
            raise JobCancelled("cancelled on request")


class _Heartbeat(threading.Thread):
    """Renews the lease every ``interval`` seconds until stopped or the lease is lost."""

    def __init__(
        self, context: JobContext, factory: sessionmaker[Session], lease_s: float, interval: float
    ) -> None:
        super().__init__(name=f"govcloud-heartbeat-{context.job_id[:8]}", daemon=True)
        self._context, self._factory = context, factory
        self._lease_s, self._interval = lease_s, interval
        self._halt = threading.Event()

    def run(self) -> None:
        assert self._context.owner is not None
        while not self._halt.wait(self._interval):
            try:
                with session_scope(self._factory) as session:
                    held = renew(
                        session,
                        self._context.job_id,
                        owner=self._context.owner,
                        lease_s=self._lease_s,
                    )
            except Exception:  # the database is away for a moment: try again next beat
                log.warning("job %s: heartbeat failed", self._context.job_id, exc_info=True)
                continue
            if not held:
                self._context.lease_lost.set()
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def run_job(job_id: str, factory: sessionmaker[Session] | None = None) -> JobStatus | None:
    """Claim a queued job, run its handler under a lease and store the outcome.

    Safe to call twice or from two processes: only one claim wins.  Returns the status the
    job was left in, or None if this call did not run it.
    """
    factory = factory or get_session_factory()
    lease_s, heartbeat_s = _timing()
    owner = new_owner()
    with session_scope(factory) as session:
        claimed = claim_returning(session, job_id, owner=owner, lease_s=lease_s)
    if claimed is None:
        return None
    kind, params = claimed.kind, claimed.params
    # A first attempt has no events yet; a retry goes on after the last one written.
    context = JobContext(job_id, factory, owner=owner, fresh=claimed.attempts == 1)
    heartbeat = _Heartbeat(context, factory, lease_s, heartbeat_s)
    heartbeat.start()
    status, result, error = JobStatus.SUCCEEDED, None, None
    try:
        spec = kind_of(kind)
        if spec is None:
            raise GovcloudError(f"no handler is registered for job kind {kind!r}")
        returned = spec.handler(context, params)
        result = json_safe(returned) if returned else None  # unstorable: the job fails
    except JobCancelled:
        status, error = JobStatus.CANCELLED, "cancelled on request"
    except GovcloudError as exc:
        status, error = JobStatus.FAILED, exc.message
    except Exception as exc:
        log.exception("job %s (%s) crashed", job_id, kind)
        status, error = JobStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
        context.log(traceback.format_exc(limit=5), level=EventLevel.DEBUG)
    finally:
        heartbeat.stop()
    if context.lease_lost.is_set():
        log.warning("job %s: lease lost while running; its outcome is not stored", job_id)
        return None
    if error:
        context.log(
            error, level=EventLevel.WARNING if status is JobStatus.CANCELLED else EventLevel.ERROR
        )
    with session_scope(factory) as session:
        values: dict[str, Any] = {"finished_at": utcnow(), "error": error, "lease_expires_at": None}
        if status is JobStatus.SUCCEEDED:
            values.update(progress=100, result=result)
        if not move(session, job_id, status, held_by=owner, **values):
            log.warning("job %s: finished as %s but no longer held; left as it is", job_id, status)
            return None
    return status


# -- backends ------------------------------------------------------------------------------


class JobBackend(Protocol):
    def enqueue(self, job_id: str) -> None: ...

    def shutdown(self, *, wait: bool = True) -> None: ...


@runtime_checkable
class TransactionalBackend(Protocol):
    """A backend that queues work in the submitter's own transaction (no after-commit step)."""

    def defer_in(self, session: Session, job: Job, spec: JobKind) -> None: ...

    def forget(self, session: Session, job_id: str) -> None:
        """Let go of the engine's task of a job whose runner died (e.g. to release its lock)."""


class InProcessBackend:
    """Runs jobs on a thread pool inside the control panel's process (the embedded default)."""

    def __init__(self, workers: int, factory: sessionmaker[Session] | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govcloud-job")
        self._factory = factory

    def enqueue(self, job_id: str) -> None:
        self._pool.submit(run_job, job_id, self._factory)

    def shutdown(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)


class InlineBackend:
    """Runs each job at once in the caller's thread (the CLI, and tests that want determinism)."""

    def __init__(self, factory: sessionmaker[Session] | None = None) -> None:
        self._factory = factory

    def enqueue(self, job_id: str) -> None:
        run_job(job_id, self._factory)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


_backend: JobBackend | None = None
_backend_lock = threading.Lock()


def get_backend() -> JobBackend:
    global _backend
    with _backend_lock:
        if _backend is None:
            from infra.settings import get_settings

            _backend = InProcessBackend(get_settings().jobs.workers)
        return _backend


def current_backend() -> JobBackend | None:
    """The installed backend, or None if the default has not been made yet."""
    return _backend


def set_backend(backend: JobBackend | None) -> JobBackend | None:
    """Install ``backend`` (None: the default on next use); returns the one it replaces."""
    global _backend
    with _backend_lock:
        previous, _backend = _backend, backend
    return previous


def hand_over(session: Session, job: Job) -> None:
    """Give a queued job to the backend: in this transaction, or once it commits."""
    backend = get_backend()
    spec = kind_of(job.kind)
    if isinstance(backend, TransactionalBackend) and spec is not None:
        backend.defer_in(session, job, spec)
        return
    session.info.setdefault(_PENDING, []).append(job.id)


def forget_dead_run(session: Session, job_id: str) -> None:
    """After a lapsed lease: tell a transactional backend its task for the job is dead."""
    backend = get_backend()
    if isinstance(backend, TransactionalBackend):
        backend.forget(session, job_id)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit is still to come
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        backend = get_backend()
        for job_id in pending:
            backend.enqueue(job_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
