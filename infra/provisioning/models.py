"""What govcloud knows about each department's stack: its last run and whether the database
has moved on since (``out_of_date``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from infra.database import Base, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.provisioning.enums import StackOperation, StackRunStatus
from infra.tenancy.models import Department


class StackState(Base):
    __tablename__ = "stack_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), unique=True
    )
    stack_name: Mapped[str] = mapped_column(String(100))
    out_of_date: Mapped[bool] = mapped_column(Boolean, default=True)
    out_of_date_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    out_of_date_reason: Mapped[str | None] = mapped_column(String(300))
    last_operation: Mapped[StackOperation | None] = mapped_column(enum_column(StackOperation))
    last_status: Mapped[StackRunStatus | None] = mapped_column(enum_column(StackRunStatus))
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_job_id: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_outputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Fingerprint of the config the last successful ``up`` deployed (None: nothing deployed).
    applied_fingerprint: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship()
