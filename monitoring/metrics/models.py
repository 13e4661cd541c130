"""Tables for host agents and their samples: enrolments, batches, series, samples, roll-ups.

Samples are stored narrow — (series, time in epoch milliseconds, value) — with the metric name
and labels kept once per series, so a push of thousands of samples is one bulk insert of three
columns.  Times are integers on purpose: they are compared, bucketed and indexed, never shown
raw, and integer milliseconds mean the same thing on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from infra.database import Base, UTCDateTime, utcnow
from infra.inventory.models import Host


class AgentEnrolment(Base):
    """A host agent's credential: one bearer token bound to one inventory host.

    Only the token's SHA-256 is stored (like API tokens); revoking sets ``revoked_at`` and the
    agent's next push is refused with 401.
    """

    __tablename__ = "agent_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    host: Mapped[Host] = relationship()


class MetricBatch(Base):
    """One accepted push.  ``batch_uuid`` is the agent's id for it: a replay finds it here and
    stores nothing.  ``id`` grows in the order batches were stored."""

    __tablename__ = "metric_batches"
    __table_args__ = (CheckConstraint("sample_count >= 0", name="sample_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("agent_enrolments.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sample_count: Mapped[int] = mapped_column(Integer)
    first_ms: Mapped[int] = mapped_column(BigInteger)
    last_ms: Mapped[int] = mapped_column(BigInteger)
    # The agent's running totals of what its spool had to drop, as reported with this batch.
    dropped_batches_total: Mapped[int] = mapped_column(BigInteger, default=0)
    dropped_samples_total: Mapped[int] = mapped_column(BigInteger, default=0)


class MetricSeries(Base):
    """One time series: a host, a metric name and its labels (canonical JSON, sorted keys)."""

    __tablename__ = "metric_series"
    __table_args__ = (UniqueConstraint("host_id", "name", "labels"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    labels: Mapped[str] = mapped_column(String(2000))


class MetricSample(Base):
    """A raw sample.  The primary key makes a sample impossible to store twice."""

    __tablename__ = "metric_samples"
    # The time index serves roll-ups and retention, which cut across series.
    __table_args__ = (PrimaryKeyConstraint("series_id", "t_ms"), Index(None, "t_ms"))

    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.id", ondelete="CASCADE"), autoincrement=False
    )
    t_ms: Mapped[int] = mapped_column(BigInteger, autoincrement=False)
    value: Mapped[float] = mapped_column(Float)


class MetricRollup(Base):
    """count/sum/min/max/last of a series' raw samples in one bucket of ``step_s`` seconds
    (60: the minute tier, 3600: the hour tier), starting at ``bucket_ms``."""

    __tablename__ = "metric_rollups"
    __table_args__ = (
        PrimaryKeyConstraint("series_id", "step_s", "bucket_ms"),
        CheckConstraint("step_s IN (60, 3600)", name="step"),
        CheckConstraint("count > 0", name="count"),
    )

    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.id", ondelete="CASCADE"), autoincrement=False
    )
    step_s: Mapped[int] = mapped_column(Integer, autoincrement=False)
    bucket_ms: Mapped[int] = mapped_column(BigInteger, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)
    sum: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    last: Mapped[float] = mapped_column(Float)
