from __future__ import annotations

import datetime as dt
from typing import Any

from infra.jobs.enums import EventLevel, JobStatus
from infra.schemas import OutputModel


class JobRead(OutputModel):
    id: str
    kind: str
    title: str
    status: JobStatus
    progress: int
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    cancel_requested: bool
    department_id: int | None
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class JobEventRead(OutputModel):
    seq: int
    at: dt.datetime
    level: EventLevel
    message: str
    data: dict[str, Any] | None


class JobAccepted(OutputModel):
    """What an endpoint that starts long work answers with (HTTP 202)."""

    job_id: str
    status: JobStatus
    url: str
    events_url: str
