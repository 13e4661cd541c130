"""The quarterly provider assessment: the assessment itself, its conversation, the evidence
entered by hand, and the departments' survey answers."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column
from monitoring.assessment.enums import AssessmentStatus, CommentKind, Grade


class ProviderAssessment(Base):
    """One provider's score for one quarter (``quarter`` like ``2026Q3``, Asia/Shanghai).

    ``evidence`` is the snapshot the score was computed from (source → value, references);
    ``breakdown`` the scoring's full result.  Once ``status`` is signed nothing changes, and
    scoring ``evidence`` again under ``scheme_version`` reproduces ``computed_score`` exactly.
    """

    __tablename__ = "provider_assessments"
    __table_args__ = (UniqueConstraint("provider_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    scheme_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_column(AssessmentStatus), default=AssessmentStatus.DRAFT, index=True
    )
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_score: Mapped[decimal.Decimal] = mapped_column(Exact(5, 2))
    adjustment: Mapped[decimal.Decimal] = mapped_column(Exact(5, 2), default=decimal.Decimal(0))
    adjustment_reason: Mapped[str | None] = mapped_column(Text)
    score: Mapped[decimal.Decimal] = mapped_column(Exact(5, 2))
    grade: Mapped[Grade] = mapped_column(enum_column(Grade))
    fee_factor: Mapped[decimal.Decimal] = mapped_column(Exact(4, 2))
    contract_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    comments_close_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    drafted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    signed_by: Mapped[str | None] = mapped_column(String(100))
    signed_by_id: Mapped[int | None] = mapped_column(Integer)
    # SHA-256 of the signed breakdown's canonical JSON, also written to the audit log.
    content_hash: Mapped[str | None] = mapped_column(String(64))


class AssessmentComment(Base):
    """The provider's comments and appeals, and the cloud office's replies."""

    __tablename__ = "assessment_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("provider_assessments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CommentKind] = mapped_column(enum_column(CommentKind))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvidenceEntry(Base):
    """A figure entered by an operator or the provider (security, backups, drills, changes,
    reports, bonus), with an optional attachment that backs it."""

    __tablename__ = "assessment_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    source: Mapped[str] = mapped_column(String(60))
    value: Mapped[decimal.Decimal] = mapped_column(Exact(12, 4))
    note: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_by_id: Mapped[int | None] = mapped_column(Integer)
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyResponse(Base):
    """A department's satisfaction answers about one provider for one quarter (1–5 each)."""

    __tablename__ = "satisfaction_surveys"
    __table_args__ = (UniqueConstraint("provider_id", "department_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(100))
    answered_by_id: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentScheme(Base):
    """A published scheme version (its YAML as published); assessments name the version they
    were scored with, so a later scheme never changes a past quarter."""

    __tablename__ = "assessment_schemes"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(100))
