"""Assessment input and output models (the API's and the pages' alike)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field

from infra.schemas import InputModel, OutputModel
from monitoring.assessment.enums import AssessmentStatus, CommentKind, Grade

QUARTER_PATTERN = r"^20[0-9]{2}Q[1-4]$"


class DraftCreate(InputModel):
    provider_id: int
    quarter: str = Field(pattern=QUARTER_PATTERN, description="like 2026Q3")


class CommentCreate(InputModel):
    kind: CommentKind
    body: str = Field(min_length=1, max_length=4000)


class AdjustmentCreate(InputModel):
    points: Decimal = Field(ge=-10, le=10, decimal_places=2)
    reason: str = Field(min_length=10, max_length=2000)


class EvidenceCreate(InputModel):
    provider_id: int
    quarter: str = Field(pattern=QUARTER_PATTERN)
    source: str = Field(min_length=1, max_length=60)
    value: Decimal = Field(ge=0, le=1_000_000, decimal_places=4)
    note: str = Field(min_length=1, max_length=2000)


class SurveyCreate(InputModel):
    provider_id: int
    quarter: str = Field(pattern=QUARTER_PATTERN)
    answers: dict[str, int]
    comment: str | None = Field(default=None, max_length=2000)


class AssessmentSummary(OutputModel):
    id: int
    provider_id: int
    quarter: str
    status: AssessmentStatus
    score: Decimal
    grade: Grade
    fee_factor: Decimal
    contract_flagged: bool
    comments_close_at: dt.datetime
    signed_at: dt.datetime | None
    signed_by: str | None


class CommentRead(OutputModel):
    id: int
    kind: CommentKind
    body: str
    author: str
    at: dt.datetime


class AssessmentRead(AssessmentSummary):
    scheme_version: str
    period_start: dt.datetime
    period_end: dt.datetime
    computed_score: Decimal
    adjustment: Decimal
    adjustment_reason: str | None
    evidence: dict[str, Any]
    breakdown: dict[str, Any]
    content_hash: str | None
    comments: list[CommentRead] = Field(default_factory=list)


class EvidenceRead(OutputModel):
    id: int
    provider_id: int
    quarter: str
    source: str
    value: Decimal
    note: str
    attachment_name: str | None
    attachment_sha256: str | None
    entered_by: str
    entered_at: dt.datetime


class SurveyRead(OutputModel):
    id: int
    provider_id: int
    department_id: int
    quarter: str
    answers: dict[str, int]
    comment: str | None
    answered_at: dt.datetime
