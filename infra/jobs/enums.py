from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


# Every status move a job may make, and nothing else.  Each move is one conditional UPDATE
# ``... WHERE status IN (allowed previous statuses)``, so two processes racing over one job
# cannot both win, and a finished job never moves again (a failed or cancelled job never
# flips to succeeded, whatever a late handler returns).
#   queued  → running     a runner claims it
#   queued  → cancelled   cancelled before it started
#   running → succeeded | failed | cancelled   its runner finishes it (holding the lease)
#   running → queued      its lease lapsed and its kind allows another attempt
#   running → failed      its lease lapsed with no attempt left
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED}),
    JobStatus.RUNNING: frozenset(
        {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED}
    ),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}


def allowed_from(target: JobStatus) -> tuple[JobStatus, ...]:
    """The statuses a job may be in for a move to ``target``."""
    return tuple(s for s in JobStatus if target in TRANSITIONS[s])


def may_move(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


class EventLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Backend(StrEnum):
    """Where jobs run: threads in each process (SQLite, one machine) or Procrastinate workers."""

    EMBEDDED = "embedded"
    PROCRASTINATE = "procrastinate"


JOB_STATUS_LABELS: Final[dict[JobStatus, str]] = labelled(
    {
        JobStatus.QUEUED: N_("Queued"),
        JobStatus.RUNNING: N_("Running"),
        JobStatus.SUCCEEDED: N_("Succeeded"),
        JobStatus.FAILED: N_("Failed"),
        JobStatus.CANCELLED: N_("Cancelled"),
    }
)
