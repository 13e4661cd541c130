"""The overview: who you are, where you belong, and what you can open from here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from infra.schemas import PageParams
from infra.tenancy import accounts, service
from infra.tenancy.models import Department
from monitoring.incidents.enums import IncidentStatus
from monitoring.incidents.queries import list_incidents
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.web.auth import SignedIn
from portal_api.web.render import render

router = APIRouter()
_ONE = PageParams(limit=1)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, viewer: SignedIn) -> Response:
    department = session.get(Department, viewer.department_id) if viewer.department_id else None
    counts: dict[str, int] = {}
    if viewer.can(Permission.DEPARTMENT_READ):
        counts["departments"] = service.list_departments(
            session, scope=viewer.scope, page=_ONE
        ).total
    if viewer.can(Permission.USER_READ):
        counts["users"] = accounts.list_users(session, scope=viewer.scope, page=_ONE).total
    if viewer.can(Permission.QUOTA_READ):
        counts["quotas"] = service.list_quotas(session, scope=viewer.scope, page=_ONE).total
    if viewer.can(Permission.MONITORING_READ):
        counts["incidents"] = len(
            list_incidents(session, scope=viewer.scope, status=IncidentStatus.OPEN)
        )
    return render(request, "dashboard.html", {"department": department, "counts": counts})
