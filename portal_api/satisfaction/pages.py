"""The departments' satisfaction survey of their providers (one of the assessment's sources)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from infra.errors import GovcloudError, InvalidInput
from infra.tenancy.scope import Scope
from monitoring.assessment import entries
from monitoring.assessment.surveys import ANSWER_LABELS, QUESTIONS
from portal_api.assessments.pages import last_closed_quarter, provider_options, visible_providers
from portal_api.deps import SessionDep
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm, Viewer
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter()


@router.get("/satisfaction", response_class=HTMLResponse)
def survey_page(request: Request, session: SessionDep, viewer: access.SurveyAnswer) -> Response:
    state = forms.FormState(values={"quarter": last_closed_quarter()})
    return _survey_form(request, session, viewer, state)


def _survey_form(
    request: Request, session: Session, viewer: Viewer, state: forms.FormState, status: int = 200
) -> Response:
    context = {
        "form": state,
        "provider_options": provider_options(
            visible_providers(session, Scope.everything()), viewer
        ),
        "questions": QUESTIONS,
        "answers": sorted(ANSWER_LABELS.items(), reverse=True),
    }
    return render(request, "assessments/survey.html", context, status=status)


@router.post("/satisfaction", response_class=HTMLResponse)
def answer_survey(
    request: Request, session: SessionDep, viewer: access.SurveyAnswer, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    names = ("provider_id", "quarter", "comment", *(f"answers.{q}" for q in QUESTIONS))
    state = forms.FormState(values=forms.values(form, names))
    try:
        if viewer.department_id is None:
            raise InvalidInput.one("provider_id", _("Only a member of a department answers."))
        try:
            provider_id = int(state.values["provider_id"])
        except ValueError:
            raise InvalidInput.one("provider_id", _("Choose a provider.")) from None
        answers: dict[str, int] = {}
        for question in QUESTIONS:
            raw = state.values[f"answers.{question}"]
            if raw in {"1", "2", "3", "4", "5"}:
                answers[question] = int(raw)
        with session.begin_nested():
            entries.answer_survey(
                session,
                scope=viewer.scope,
                department_id=viewer.department_id,
                provider_id=provider_id,
                quarter=state.values["quarter"],
                answers=answers,
                comment=state.values["comment"] or None,
                actor=viewer.actor,
            )
    except GovcloudError as exc:
        status = forms.record_error(state, exc, _)
        return _survey_form(request, session, viewer, state, status)
    return redirect(request, "/satisfaction", _("Thank you: your answers were saved."))
