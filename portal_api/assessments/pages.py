"""The quarterly provider assessment pages: the manager's quarter overview, one provider's
assessment (breakdown, charts, the provider's comments and appeals, adjustment, sign-off),
its report as PDF, and evidence entry (the departments' survey: portal_api/satisfaction/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from infra.database import utcnow
from infra.errors import GovcloudError, InvalidInput
from infra.inventory.models import Provider
from infra.tenancy.scope import Scope
from monitoring.assessment import charts, entries, queries, report, service
from monitoring.assessment.collectors import monitoring_figures
from monitoring.assessment.enums import AssessmentStatus, CommentKind
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.quarters import previous_quarters, quarter_of
from monitoring.assessment.schemas import QUARTER_PATTERN, DraftCreate
from monitoring.assessment.sources import SOURCES
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web import access, cookies, forms
from portal_api.web.auth import CheckedForm, SignedIn, Viewer, require
from portal_api.web.render import gettext_for, redirect, render
from portal_api.web.report_pdf import assessment_pdf, chart_titles

router = APIRouter()

MAX_UPLOAD = entries.MAX_ATTACHMENT_BYTES


def last_closed_quarter(now: dt.datetime | None = None) -> str:
    return previous_quarters(quarter_of(now or utcnow()), 1)[0]


def visible_providers(session: Session, scope: Scope) -> list[Provider]:
    return list(
        session.scalars(
            select(Provider).where(scope.where_provider(Provider.id)).order_by(Provider.code)
        )
    )


def provider_options(providers: list[Provider], viewer: Viewer) -> list[tuple[str, str]]:
    return [
        (str(p.id), report.provider_name(p, "en" if viewer.locale == "en" else "zh_CN"))
        for p in providers
    ]


def _chart_titles(request: Request) -> dict[str, str]:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return chart_titles("en" if viewer is not None and viewer.locale == "en" else "zh_CN")


@router.get("/assessments", response_class=HTMLResponse)
def overview_page(
    request: Request, session: SessionDep, viewer: access.AssessmentRead, quarter: str | None = None
) -> Response:
    return _overview(request, session, viewer, quarter)


@router.get("/assessments/export.csv")
def export_csv(
    session: SessionDep,
    viewer: access.AssessmentRead,
    quarter: Annotated[str | None, Query(pattern=QUARTER_PATTERN)] = None,
) -> Response:
    """The overview's "Download CSV" (the API's export wants a token; a page has a cookie)."""
    rows = queries.overview(session, scope=viewer.scope, quarter=quarter)
    return Response(
        report.csv_export(rows, locale=viewer.locale),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="assessments.csv"'},
    )


def _overview(
    request: Request,
    session: Session,
    viewer: Viewer,
    quarter: str | None,
    form: forms.FormState | None = None,
    status: int = 200,
) -> Response:
    rows = queries.overview(session, scope=viewer.scope)
    quarters = sorted({r.quarter for r in rows}, reverse=True)
    chosen = quarter if quarter in quarters else (quarters[0] if quarters else None)
    shown = [r for r in rows if r.quarter == chosen] if viewer.scope.all_providers else rows
    awaiting = [r for r in rows if r.status is not AssessmentStatus.SIGNED]
    compared = None
    if shown and viewer.scope.all_providers:
        compared = charts.data_uri(
            charts.comparison(
                _chart_titles(request)["comparison"],
                [
                    (
                        r.provider_name_en
                        if viewer.locale == "en" and r.provider_name_en
                        else r.provider_name,
                        r.score,
                    )
                    for r in shown
                ],
            )
        )
    context = {
        "rows": shown,
        "quarters": quarters,
        "chosen": chosen,
        "awaiting": awaiting,
        "comparison": compared,
        "provider_options": provider_options(visible_providers(session, viewer.scope), viewer),
        "form": form
        or forms.FormState(values={"provider_id": "", "quarter": last_closed_quarter()}),
    }
    return render(request, "assessments/overview.html", context, status=status)


@router.post("/assessments/draft", response_class=HTMLResponse)
def draft(request: Request, session: SessionDep, viewer: SignedIn, form: CheckedForm) -> Response:
    require(viewer, Permission.ASSESSMENT_DRAFT)
    _ = gettext_for(request)
    values = forms.values(form, ("provider_id", "quarter"))
    try:
        with session.begin_nested():
            data = DraftCreate.model_validate(values)
            row = service.draft_assessment(
                session,
                provider_id=data.provider_id,
                quarter=data.quarter,
                actor=viewer.actor,
                monitoring=monitoring_figures,
            )
    except (GovcloudError, ValidationError) as exc:
        state = forms.FormState(values=values)
        status = forms.record_error(state, exc, _)
        return _overview(request, session, viewer, None, state, status)
    return redirect(request, f"/assessments/{row.id}", _("The draft was computed."))


def _detail_context(
    request: Request, session: Session, viewer: Viewer, row: ProviderAssessment
) -> dict[str, Any]:
    locale = "en" if viewer.locale == "en" else "zh_CN"
    built = report.build(session, assessment=row, locale=locale, titles=_chart_titles(request))
    now = utcnow()
    return {
        "a": row,
        "report": built,
        "charts": built.chart_uris(),
        "window_open": now < row.comments_close_at and not row.status.locked,
        "comment_kinds": [CommentKind.COMMENT, CommentKind.APPEAL],
        "can_reply": viewer.can(Permission.ASSESSMENT_SIGN) or viewer.role.value == "operator",
        "is_provider": viewer.role.value == "provider_rep",
        "can_sign": viewer.can(Permission.ASSESSMENT_SIGN) and not row.status.locked,
        "form": forms.FormState(),
    }


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, session: SessionDep, viewer: access.AssessmentRead, assessment_id: int
) -> Response:
    row = service.get_assessment(session, scope=viewer.scope, assessment_id=assessment_id)
    return render(
        request, "assessments/detail.html", _detail_context(request, session, viewer, row)
    )


def _act(
    request: Request,
    session: Session,
    viewer: Viewer,
    assessment_id: int,
    action: Any,
    done: str,
    values: dict[str, str],
) -> Response:
    """Run one workflow step; come back to the assessment with its outcome as a flash."""
    _ = gettext_for(request)
    row = service.get_assessment(session, scope=viewer.scope, assessment_id=assessment_id)
    try:
        with session.begin_nested():
            action(row)
    except (GovcloudError, ValidationError) as exc:
        session.expire_all()
        state = forms.FormState(values=dict(values))
        status = forms.record_error(state, exc, _)
        context = _detail_context(request, session, viewer, row)
        context["form"] = state
        return render(request, "assessments/detail.html", context, status=status)
    return redirect(request, f"/assessments/{row.id}", done)


@router.post("/assessments/{assessment_id}/comment", response_class=HTMLResponse)
def comment(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    assessment_id: int,
    form: CheckedForm,
) -> Response:
    require(viewer, Permission.ASSESSMENT_COMMENT)
    _ = gettext_for(request)
    raw_kind = forms.text(form, "kind")
    kind = CommentKind(raw_kind) if raw_kind in set(CommentKind) else CommentKind.COMMENT
    body = forms.text(form, "body")
    return _act(
        request,
        session,
        viewer,
        assessment_id,
        lambda row: service.add_comment(
            session,
            scope=viewer.scope,
            assessment_id=row.id,
            kind=kind,
            body=body,
            actor=viewer.actor,
        ),
        _("Your message was added."),
        {"kind": kind.value, "body": body},
    )


@router.post("/assessments/{assessment_id}/adjust", response_class=HTMLResponse)
def adjust(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    assessment_id: int,
    form: CheckedForm,
) -> Response:
    require(viewer, Permission.ASSESSMENT_SIGN)
    _ = gettext_for(request)
    raw = forms.text(form, "points")
    reason = forms.text(form, "reason")

    def run(row: ProviderAssessment) -> None:
        try:
            points = Decimal(raw)
        except InvalidOperation:
            raise InvalidInput.one("points", _("Enter a number such as -2.5.")) from None
        if not points.is_finite():
            raise InvalidInput.one("points", _("Enter a number such as -2.5."))
        service.adjust(
            session, assessment_id=row.id, points=points, reason=reason, actor=viewer.actor
        )

    return _act(
        request,
        session,
        viewer,
        assessment_id,
        run,
        _("The adjustment was recorded."),
        {"points": raw, "reason": reason},
    )


@router.post("/assessments/{assessment_id}/sign", response_class=HTMLResponse)
def sign(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    assessment_id: int,
    form: CheckedForm,
) -> Response:
    require(viewer, Permission.ASSESSMENT_SIGN)
    _ = gettext_for(request)
    return _act(
        request,
        session,
        viewer,
        assessment_id,
        lambda row: service.sign(session, assessment_id=row.id, actor=viewer.actor),
        _("The assessment was signed."),
        {},
    )


@router.get("/assessments/{assessment_id}/report.pdf")
def report_pdf(
    request: Request, session: SessionDep, viewer: access.AssessmentRead, assessment_id: int
) -> Response:
    row = service.get_assessment(session, scope=viewer.scope, assessment_id=assessment_id)
    locale = "en" if viewer.locale == "en" else "zh_CN"
    timezone = cookies.settings_of(request).display_timezone
    pdf = assessment_pdf(session, row, locale=locale, timezone=timezone)
    provider = session.get(Provider, row.provider_id)
    name = f"assessment-{provider.code if provider else row.provider_id}-{row.quarter}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/assessments-evidence/new", response_class=HTMLResponse)
def evidence_page(
    request: Request, session: SessionDep, viewer: access.AssessmentEvidence
) -> Response:
    state = forms.FormState(values={"quarter": last_closed_quarter()})
    return _evidence_form(request, session, viewer, state)


def _evidence_form(
    request: Request, session: Session, viewer: Viewer, state: forms.FormState, status: int = 200
) -> Response:
    context = {
        "form": state,
        "provider_options": provider_options(visible_providers(session, viewer.scope), viewer),
        "source_options": [(s, s) for s in sorted(entries.ENTERABLE)],
        "source_info": SOURCES,
    }
    return render(request, "assessments/evidence.html", context, status=status)


@router.post("/assessments-evidence/new", response_class=HTMLResponse)
async def enter_evidence(
    request: Request, session: SessionDep, viewer: access.AssessmentEvidence, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    state = forms.FormState(
        values=forms.values(form, ("provider_id", "quarter", "source", "value", "note"))
    )
    upload = form.get("attachment")
    attachment = None
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise InvalidInput.one("attachment", _("An attachment is at most 5 MiB."))
            attachment = (upload.filename, upload.content_type or "application/octet-stream", data)
        try:
            provider_id = int(state.values["provider_id"])
        except ValueError:
            raise InvalidInput.one("provider_id", _("Choose a provider.")) from None
        try:
            value = Decimal(state.values["value"])
        except InvalidOperation:
            raise InvalidInput.one("value", _("Enter a number such as 99.5.")) from None
        with session.begin_nested():
            entries.enter_evidence(
                session,
                scope=viewer.scope,
                provider_id=provider_id,
                quarter=state.values["quarter"],
                source=state.values["source"],
                value=value,
                note=state.values["note"],
                actor=viewer.actor,
                attachment=attachment,
            )
    except GovcloudError as exc:
        status = forms.record_error(state, exc, _)
        return _evidence_form(request, session, viewer, state, status)
    return redirect(request, "/assessments", _("The evidence was recorded."))
