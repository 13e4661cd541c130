"""The home page: for each role, the blocks that answer "what needs me now".

One small function per block; :data:`ROLE_BLOCKS` says which blocks each role sees, in order.
Every block reads through a scoped read model (``*/queries.py`` or a service's list), so a
block shows only what the viewer's scope reaches.  The template renders ``home/_<name>.html``
for each block; each has a link to act and an empty state that says what to do next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from billing.invoices import queries as billing_queries
from billing.settlements.service import list_settlements
from infra.audit import queries as audit_queries
from infra.database import utcnow
from infra.inventory.queries import racks_over_budget
from infra.jobs.enums import JobStatus
from infra.jobs.service import list_jobs
from infra.provisioning.service import list_stacks
from infra.schedules.types import CITY_TIMEZONE
from infra.schemas import PageParams
from infra.tenancy.enums import Role
from infra.tenancy.models import Department, User
from infra.tenancy.requests import approvals, quota
from infra.tenancy.requests import queries as request_queries
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.service import list_requests
from monitoring.assessment import queries as assessment_queries
from monitoring.assessment.enums import AssessmentStatus
from monitoring.assessment.quarters import previous_quarters, quarter_of
from monitoring.incidents.enums import IncidentStatus
from monitoring.incidents.queries import list_incidents
from monitoring.slo.queries import open_breaches
from portal_api.deps import SessionDep
from portal_api.web.auth import SignedIn, Viewer
from portal_api.web.lists import visible_departments
from portal_api.web.render import render

router = APIRouter()

SHORT = 5  # rows a block lists before "see all"
NEAR_PERCENT, FULL_PERCENT = Decimal(80), Decimal(100)


@dataclass(frozen=True)
class Home:
    """What every block function receives."""

    session: Session
    viewer: Viewer
    now: dt.datetime

    def user(self) -> User:
        user = self.session.get(User, self.viewer.user_id)
        assert user is not None  # the viewer was loaded from this row
        return user


@dataclass(frozen=True)
class Block:
    name: str  # renders home/_<name>.html
    data: dict[str, Any]


def meter_level(percent: Decimal) -> str:
    """The home's quota warning: amber from 80 %, red from 100 % (shown as text as well)."""
    if percent >= FULL_PERCENT:
        return "full"
    return "near" if percent >= NEAR_PERCENT else "ok"


# -- a department's blocks -----------------------------------------------------------------


def requests_block(home: Home) -> Block:
    scope = home.viewer.scope
    recent = list_requests(home.session, scope=scope, page=PageParams(limit=SHORT))
    counts = request_queries.state_counts(home.session, scope=scope)
    return Block("requests", {"recent": recent.items, "counts": counts, "total": recent.total})


def quotas_block(home: Home) -> Block:
    rows = quota.usage_rows(home.session, department_ids=home.viewer.scope.department_ids)
    meters = [(row, meter_level(row.percent)) for row in rows]
    return Block("quotas", {"meters": meters, "warnings": sum(lvl != "ok" for _, lvl in meters)})


def approvals_block(home: Home) -> Block:
    waiting = approvals.queue_for(home.session, user=home.user(), scope=home.viewer.scope)
    return Block("approvals", {"waiting": waiting[:SHORT], "total": len(waiting)})


def bill_block(home: Home) -> Block:
    department_id = home.viewer.department_id
    found = (
        billing_queries.department_billing(
            home.session, scope=home.viewer.scope, department_id=department_id
        )
        if department_id is not None
        else billing_queries.DepartmentBilling(None, None, None)
    )
    return Block("bill", {"bill": found})


def incidents_block(home: Home) -> Block:
    scope = home.viewer.scope
    unresolved = [
        incident
        for status in (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED)
        for incident in list_incidents(home.session, scope=scope, status=status)
    ]
    unresolved.sort(key=lambda i: i.opened_at, reverse=True)
    return Block("incidents", {"open": unresolved[:SHORT], "total": len(unresolved)})


# -- the operator's blocks -----------------------------------------------------------------


def unplaced_block(home: Home) -> Block:
    found = list_requests(
        home.session,
        scope=home.viewer.scope,
        page=PageParams(limit=SHORT),
        state=RequestState.APPROVED,
    )
    return Block("unplaced", {"requests": found.items, "total": found.total})


def racks_block(home: Home) -> Block:
    over = racks_over_budget(home.session, scope=home.viewer.scope)
    return Block("racks", {"racks": over[:SHORT], "total": len(over)})


def failed_jobs_block(home: Home) -> Block:
    found = list_jobs(
        home.session,
        scope=home.viewer.scope,
        page=PageParams(limit=SHORT),
        status=JobStatus.FAILED,
    )
    return Block("failed_jobs", {"jobs": found.items, "total": found.total})


def stacks_block(home: Home) -> Block:
    stale = [s for s in list_stacks(home.session, scope=home.viewer.scope) if s.out_of_date]
    return Block("stacks", {"stacks": stale[:SHORT], "total": len(stale)})


# -- the auditor's ---------------------------------------------------------------------------


def audit_block(home: Home) -> Block:
    return Block("audit", {"verification": audit_queries.last_verification(home.session)})


# -- finance, manager, provider ------------------------------------------------------------


def close_block(home: Home) -> Block:
    today = home.now.astimezone(ZoneInfo(CITY_TIMEZONE)).date()
    state = billing_queries.close_state(home.session, scope=home.viewer.scope, today=today)
    return Block("close", {"state": state, "alerts": state.alerts[:SHORT]})


def assessment_block(home: Home) -> Block:
    quarter = previous_quarters(quarter_of(home.now), 1)[0]
    rows = assessment_queries.overview(home.session, scope=home.viewer.scope, quarter=quarter)
    drafts = [r for r in rows if r.status is not AssessmentStatus.SIGNED]
    flagged = [r for r in rows if r.contract_flagged]
    return Block(
        "assessment", {"quarter": quarter, "drafts": drafts, "flagged": flagged, "rows": rows}
    )


def breaches_block(home: Home) -> Block:
    breaches = open_breaches(home.session, scope=home.viewer.scope)
    return Block("breaches", {"breaches": breaches[:SHORT], "total": len(breaches)})


def settlement_block(home: Home) -> Block:
    scope = home.viewer.scope
    settlements = list_settlements(home.session, scope=scope)
    signed = [
        r
        for r in assessment_queries.overview(home.session, scope=scope)
        if r.status is AssessmentStatus.SIGNED
    ]
    return Block(
        "settlement",
        {
            "settlement": settlements[0] if settlements else None,
            "grade": signed[0] if signed else None,
        },
    )


BlockFunction = Callable[[Home], Block]
_DEPARTMENT: tuple[BlockFunction, ...] = (
    requests_block,
    quotas_block,
    bill_block,
    incidents_block,
)
ROLE_BLOCKS: dict[Role, tuple[BlockFunction, ...]] = {
    Role.DEPARTMENT_USER: _DEPARTMENT,
    Role.DEPARTMENT_ADMIN: (approvals_block, *_DEPARTMENT),
    Role.OPERATOR: (
        approvals_block,
        unplaced_block,
        racks_block,
        failed_jobs_block,
        incidents_block,
        stacks_block,
    ),
    Role.AUDITOR: (audit_block,),
    Role.FINANCE: (close_block, approvals_block),
    Role.MANAGER: (assessment_block, close_block, incidents_block),
    Role.PROVIDER_REP: (incidents_block, breaches_block, settlement_block),
}


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, viewer: SignedIn) -> Response:
    department = session.get(Department, viewer.department_id) if viewer.department_id else None
    home = Home(session, viewer, utcnow())
    blocks = [make(home) for make in ROLE_BLOCKS.get(viewer.role, ())]
    by_id = {d.id: d for d in visible_departments(session, viewer.scope)} if blocks else {}
    context = {"department": department, "blocks": blocks, "by_id": by_id}
    return render(request, "dashboard.html", context)
