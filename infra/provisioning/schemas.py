from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from infra.provisioning.enums import StackOperation, StackRunStatus
from infra.schemas import InputModel, OutputModel


class StackStatusRead(OutputModel):
    """A department's stack as govcloud last saw it."""

    department_id: int
    department_code: str
    department_name: str
    department_name_en: str | None = None
    stack_name: str
    zones: list[str]
    out_of_date: bool
    out_of_date_since: dt.datetime | None
    out_of_date_reason: str | None
    last_operation: StackOperation | None
    last_status: StackRunStatus | None
    last_run_at: dt.datetime | None
    last_job_id: str | None
    last_error: str | None
    last_changes: dict[str, Any] | None
    last_outputs: dict[str, Any] | None
    applied_fingerprint: str | None
    # Stated, never silent: quota rows the stack does not deploy (the classified intranet) and
    # namespaces it retains after their last quota went.
    notes: list[str] = Field(default_factory=list)


class StackRunCreate(InputModel):
    """Start a preview, an update or a refresh (destroy has its own route and permission)."""

    operation: Literal["preview", "up", "refresh"]


class DriftFindingRead(OutputModel):
    kind: str
    namespace: str
    key: str | None
    expected: str | None
    live: str | None
    message: str


class DriftRead(OutputModel):
    department: str
    namespaces: list[str]
    in_sync: bool
    findings: list[DriftFindingRead]
