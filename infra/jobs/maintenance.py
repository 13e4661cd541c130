"""A background thread that does a process's share of housekeeping every few seconds:
reaping lapsed leases and, where this process runs the scheduler, ticking it.

Each duty is a callable given the writer session factory; one failing is logged and the
others still run.  Every panel and worker runs one; the duties are safe to run concurrently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from infra.database import reader_of, session_scope
from infra.jobs.leases import any_lapsed, reap_lapsed

log = logging.getLogger(__name__)

Duty = Callable[[sessionmaker[Session]], object]


def reap_duty(factory: sessionmaker[Session]) -> object:
    """Reap lapsed leases; a plain read first, so the usual case takes no write lock (on
    SQLite every writer queues on one lock)."""
    with session_scope(reader_of(factory)) as session:
        if not any_lapsed(session):
            return []
    with session_scope(factory) as session:
        reaped = reap_lapsed(session)
    for r in reaped:
        log.warning("job %s: lease of %s lapsed → %s", r.job_id, r.owner, r.status.value)
    return reaped


class Maintenance(threading.Thread):
    def __init__(
        self, factory: sessionmaker[Session], duties: Sequence[Duty], *, interval: float
    ) -> None:
        super().__init__(name="govcloud-maintenance", daemon=True)
        self._factory, self._duties, self._interval = factory, tuple(duties), interval
        self._halt = threading.Event()

    def run_once(self) -> None:
        for duty in self._duties:
            try:
                duty(self._factory)
            except Exception:
                log.exception("maintenance duty %s failed", getattr(duty, "__name__", duty))

    def run(self) -> None:
        while True:
            self.run_once()
            if self._halt.wait(self._interval):
                return

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=10)
