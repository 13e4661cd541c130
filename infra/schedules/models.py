"""One row per period a schedule has been run for: the claim that makes it run once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, UTCDateTime, utcnow


class ScheduleRun(Base):
    """Inserting the (name, period_start) row *is* the claim: the unique constraint lets one
    process win per period, whichever panel or worker ticks first; the job is submitted in the
    same transaction, so a claim never exists without its job."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("name", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(120))
