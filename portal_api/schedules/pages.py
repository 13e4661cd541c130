"""Schedules: every periodic job, its last run and when the next one falls due."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from infra.schedules import service
from portal_api.deps import SessionDep
from portal_api.registry import SCHEDULES
from portal_api.web import access
from portal_api.web.render import render

router = APIRouter(prefix="/schedules")


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: access.ScheduleRead) -> Response:
    return render(request, "schedules/list.html", {"rows": service.statuses(session, SCHEDULES)})
