"""The quarterly provider assessment over HTTP: overview, detail, drafting, the provider's
comments and appeals, evidence, surveys, the manager's adjustment and sign-off, exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from infra.errors import InvalidInput
from monitoring.assessment import entries, queries, schemes, service
from monitoring.assessment.collectors import monitoring_figures
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.report import csv_export
from monitoring.assessment.schemas import (
    QUARTER_PATTERN,
    AdjustmentCreate,
    AssessmentRead,
    AssessmentSummary,
    CommentCreate,
    CommentRead,
    DraftCreate,
    EvidenceCreate,
    EvidenceRead,
    SurveyCreate,
    SurveyRead,
)
from portal_api import access
from portal_api.deps import (
    SessionDep,
)

router = APIRouter(prefix="/assessments", tags=["assessments"])

Quarter = Annotated[str | None, Query(pattern=QUARTER_PATTERN, description="like 2026Q3")]


def _read(session: Session, row: ProviderAssessment) -> AssessmentRead:
    found = service.comments(session, assessment_id=row.id)
    data = AssessmentRead.model_validate(row)
    data.comments = [CommentRead.model_validate(c) for c in found]
    return data


@router.get("", response_model=list[AssessmentSummary])
def list_assessments(
    session: SessionDep, principal: access.AssessmentRead, quarter: Quarter = None
) -> list[AssessmentSummary]:
    rows = queries.overview(session, scope=principal.scope, quarter=quarter)
    return [
        AssessmentSummary.model_validate(
            service.get_assessment(session, scope=principal.scope, assessment_id=r.assessment_id)
        )
        for r in rows
    ]


@router.get("/export.csv", response_class=Response)
def export_csv(
    session: SessionDep, principal: access.AssessmentRead, quarter: Quarter = None
) -> Response:
    rows = queries.overview(session, scope=principal.scope, quarter=quarter)
    body = csv_export(rows, locale=principal.user.locale)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="assessments.csv"'},
    )


@router.get("/scheme", response_class=Response)
def current_scheme(session: SessionDep, principal: access.AssessmentRead) -> Response:
    """The published scheme in force, as YAML (with the reason for every number)."""
    version = schemes.current_scheme(session).version
    return Response(schemes.scheme_yaml(session, version), media_type="application/yaml")


@router.post("/drafts", response_model=AssessmentRead, status_code=status.HTTP_201_CREATED)
def draft(
    session: SessionDep, principal: access.AssessmentDraft, data: DraftCreate
) -> AssessmentRead:
    row = service.draft_assessment(
        session,
        provider_id=data.provider_id,
        quarter=data.quarter,
        actor=principal.actor,
        monitoring=monitoring_figures,
    )
    return _read(session, row)


@router.post("/evidence", response_model=EvidenceRead, status_code=status.HTTP_201_CREATED)
def enter_evidence(
    session: SessionDep, principal: access.AssessmentEvidence, data: EvidenceCreate
) -> EvidenceRead:
    row = entries.enter_evidence(
        session,
        scope=principal.scope,
        provider_id=data.provider_id,
        quarter=data.quarter,
        source=data.source,
        value=data.value,
        note=data.note,
        actor=principal.actor,
    )
    return EvidenceRead.model_validate(row)


@router.post("/surveys", response_model=SurveyRead, status_code=status.HTTP_201_CREATED)
def answer_survey(
    session: SessionDep, principal: access.SurveyAnswer, data: SurveyCreate
) -> SurveyRead:
    """A department answers for itself: the caller's own department."""
    department_id = principal.user.department_id
    if department_id is None:
        raise InvalidInput.one("department_id", "only a member of a department answers")
    row = entries.answer_survey(
        session,
        scope=principal.scope,
        department_id=department_id,
        provider_id=data.provider_id,
        quarter=data.quarter,
        answers=data.answers,
        comment=data.comment,
        actor=principal.actor,
    )
    return SurveyRead.model_validate(row)


@router.get("/{assessment_id}", response_model=AssessmentRead)
def get_assessment(
    session: SessionDep, principal: access.AssessmentRead, assessment_id: int
) -> AssessmentRead:
    row = service.get_assessment(session, scope=principal.scope, assessment_id=assessment_id)
    return _read(session, row)


@router.post(
    "/{assessment_id}/comments", response_model=CommentRead, status_code=status.HTTP_201_CREATED
)
def comment(
    session: SessionDep,
    principal: access.AssessmentComment,
    assessment_id: int,
    data: CommentCreate,
) -> CommentRead:
    row = service.add_comment(
        session,
        scope=principal.scope,
        assessment_id=assessment_id,
        kind=data.kind,
        body=data.body,
        actor=principal.actor,
    )
    return CommentRead.model_validate(row)


@router.post("/{assessment_id}/adjustment", response_model=AssessmentRead)
def adjust(
    session: SessionDep,
    principal: access.AssessmentSign,
    assessment_id: int,
    data: AdjustmentCreate,
) -> AssessmentRead:
    row = service.adjust(
        session,
        assessment_id=assessment_id,
        points=data.points,
        reason=data.reason,
        actor=principal.actor,
    )
    return _read(session, row)


@router.post("/{assessment_id}/sign", response_model=AssessmentRead)
def sign(
    session: SessionDep, principal: access.AssessmentSign, assessment_id: int
) -> AssessmentRead:
    row = service.sign(session, assessment_id=assessment_id, actor=principal.actor)
    return _read(session, row)
