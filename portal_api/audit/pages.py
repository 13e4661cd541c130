"""The audit log page: entries filtered by entity, department, actor and date, paged, each with
its position in the hash chain; and a button that verifies the chain as a job."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from infra.audit import queries
from infra.audit.jobs import VERIFY_KIND
from infra.jobs.service import submit_job
from infra.schemas import PageParams
from portal_api.deps import SessionDep
from portal_api.web import access, forms
from portal_api.web.auth import CheckedForm
from portal_api.web.lists import PAGE_SIZE, Pager, opt_int, visible_departments
from portal_api.web.messages import Gettext
from portal_api.web.render import gettext_for, redirect, render

router = APIRouter(prefix="/audit")

MAX_TEXT = 100  # the longest entity id or actor the log stores
FILTERS = ("entity", "entity_id", "department_id", "actor", "since", "until")


def _day(raw: str, name: str, state: forms.FormState, _: Gettext) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        state.add(name, _("Enter a date as YYYY-MM-DD."))
        return None


def parse_filter(raw: dict[str, str], _: Gettext) -> tuple[queries.AuditFilter, forms.FormState]:
    """The query string as an :class:`AuditFilter`; dates are whole UTC days, both ends
    included.  Problems are kept beside their fields (the page answers 422 with them)."""
    state = forms.FormState(values=dict(raw))
    for name in ("entity", "entity_id", "actor"):
        if len(raw[name]) > MAX_TEXT:
            state.add(name, _("At most %(limit)s characters.") % {"limit": MAX_TEXT})
    since = _day(raw["since"], "since", state, _)
    until = _day(raw["until"], "until", state, _)
    if since and until and until < since:
        state.add("until", _("The end date is before the start date."))
    department_id = opt_int(raw["department_id"])
    if raw["department_id"] and department_id is None:
        state.add("department_id", _("Choose a department from the list."))
    where = queries.AuditFilter(
        entity=raw["entity"] or None,
        entity_id=raw["entity_id"] or None,
        department_id=department_id,
        actor=raw["actor"] or None,
        since=dt.datetime.combine(since, dt.time(), dt.UTC) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        if until
        else None,
    )
    return where, state


@router.get("", response_class=HTMLResponse)
def log_page(
    request: Request,
    session: SessionDep,
    viewer: access.AuditRead,
    entity: str = "",
    entity_id: str = "",
    department_id: str = "",
    actor: str = "",
    since: str = "",
    until: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    raw = {
        "entity": entity.strip(),
        "entity_id": entity_id.strip(),
        "department_id": department_id.strip(),
        "actor": actor.strip(),
        "since": since.strip(),
        "until": until.strip(),
    }
    where, state = parse_filter(raw, gettext_for(request))
    found = None
    if not state.errors:
        found = queries.list_entries(
            session, where=where, page=PageParams(limit=PAGE_SIZE, offset=offset)
        )
    departments = visible_departments(session, viewer.scope)
    context = {
        "form": state,
        "entries": found.items if found else [],
        "pager": Pager(found.total, found.offset, found.limit, "/audit", raw) if found else None,
        "departments": departments,
        "by_id": {d.id: d for d in departments},
        "entities": queries.entity_kinds(session),
        "verification": queries.last_verification(session),
    }
    return render(request, "audit/log.html", context, status=422 if state.errors else 200)


@router.post("/verify", response_class=HTMLResponse)
def verify(
    request: Request, session: SessionDep, viewer: access.AuditVerify, form: CheckedForm
) -> Response:
    """Start a verification of the whole chain and follow it on the job page."""
    job = submit_job(
        session,
        kind=VERIFY_KIND,
        title="Verify the audit chain",
        params={},
        actor=viewer.actor,
    )
    _ = gettext_for(request)
    return redirect(request, f"/jobs/{job.id}", _("The verification was started."))
