"""Running jobs: the handler registry, the context handlers write through, and backends.

A backend only decides *where* :func:`run_job` is called.  The embedded default calls it on a
small in-process thread pool; a queue backend (Celery, RQ, a worker polling ``queued`` rows)
would call the same function in another process — callers never notice, because they only
ever call :func:`infra.jobs.service.submit_job`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.service import json_safe
from infra.database import get_session_factory, session_scope, utcnow
from infra.errors import GovcloudError
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job, JobEvent

log = logging.getLogger(__name__)

Handler = Callable[["JobContext", dict[str, Any]], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the work for jobs of ``kind``."""

    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


class JobCancelled(GovcloudError):
    code = "cancelled"


class JobContext:
    """What a handler sees: its job id, an event log, progress, and sessions of its own."""

    def __init__(self, job_id: str, factory: sessionmaker[Session]) -> None:
        self.job_id = job_id
        self._factory = factory
        with session_scope(factory) as session:
            last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id))
        self._seq = last or 0

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self._factory) as session:
            yield session

    def log(self, message: str, *, level: EventLevel = EventLevel.INFO, **data: Any) -> None:
        """Append one event; it is committed (and visible to followers) at once."""
        self._seq += 1
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

    def progress(self, percent: int) -> None:
        """Record progress (0–100) and stop here if someone asked for cancellation."""
        with session_scope(self._factory) as session:
            session.execute(
                update(Job).where(Job.id == self.job_id).values(progress=max(0, min(100, percent)))
            )
            cancel = session.scalar(select(Job.cancel_requested).where(Job.id == self.job_id))
        if cancel:
            raise JobCancelled("cancelled on request")


def run_job(job_id: str, factory: sessionmaker[Session] | None = None) -> None:
    """Claim a queued job, run its handler and store the outcome. Safe to call twice."""
    factory = factory or get_session_factory()
    with session_scope(factory) as session:
        claim = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=utcnow())
        )
        claimed = cast(CursorResult[Any], claim).rowcount == 1
        job = session.get(Job, job_id)
        kind, params = (job.kind, dict(job.params)) if job else ("", {})
    if not claimed:
        return
    context = JobContext(job_id, factory)
    status, result, error = JobStatus.SUCCEEDED, None, None
    try:
        handler = handler_for(kind)
        if handler is None:
            raise GovcloudError(f"no handler is registered for job kind {kind!r}")
        returned = handler(context, params)
        result = json_safe(returned) if returned else None  # unstorable: the job fails
    except JobCancelled:
        status, error = JobStatus.CANCELLED, "cancelled on request"
    except GovcloudError as exc:
        status, error = JobStatus.FAILED, exc.message
    except Exception as exc:
        log.exception("job %s (%s) crashed", job_id, kind)
        status, error = JobStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}"
        context.log(traceback.format_exc(limit=5), level=EventLevel.DEBUG)
    if error:
        context.log(
            error, level=EventLevel.WARNING if status is JobStatus.CANCELLED else EventLevel.ERROR
        )
    with session_scope(factory) as session:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error": error}
        if status is JobStatus.SUCCEEDED:
            values.update(progress=100, result=result)
        session.execute(update(Job).where(Job.id == job_id).values(**values))


class JobBackend(Protocol):
    def enqueue(self, job_id: str) -> None: ...

    def shutdown(self, *, wait: bool = True) -> None: ...


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


def set_backend(backend: JobBackend | None) -> JobBackend | None:
    """Install ``backend`` (None: the default on next use); returns the one it replaces."""
    global _backend
    with _backend_lock:
        previous, _backend = _backend, backend
    return previous
