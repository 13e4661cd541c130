"""Schedules: every periodic job, its last run and when the next one falls due."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from infra.schedules import service
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.registry import SCHEDULES
from portal_api.web.auth import Need, Viewer
from portal_api.web.render import render

router = APIRouter(prefix="/schedules")

ScheduleViewer = Annotated[Viewer, Depends(Need(Permission.SCHEDULE_READ))]


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: ScheduleViewer) -> Response:
    return render(request, "schedules/list.html", {"rows": service.statuses(session, SCHEDULES)})
