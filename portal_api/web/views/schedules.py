"""Schedules: every periodic job, its last run and when the next one falls due."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from infra.schedules import service
from portal_api.deps import SessionDep
from portal_api.permissions import Permission
from portal_api.registry import SCHEDULES
from portal_api.web.auth import Need, Viewer
from portal_api.web.labels import N_
from portal_api.web.render import render

router = APIRouter(prefix="/schedules")

ScheduleViewer = Annotated[Viewer, Depends(Need(Permission.SCHEDULE_READ))]

# Each schedule's description is declared beside it, in English; listed here as msgids so the
# page shows it in the reader's language (tests/portal_api/web/test_schedules_pages.py fails
# when a registered schedule's description is missing).
DESCRIPTIONS: Final = frozenset(
    {
        N_(
            "sign a checkpoint of the audit chain's head if it moved and the last is older "
            "than GOVCLOUD_AUDIT__CHECKPOINT_SECONDS"
        ),
        N_("Deliver outbox events whose delivery job was lost, and due retries"),
        N_("Remind departments of terms about to end; expire and release ended ones."),
        N_("Run the due HTTP/TCP probes; open incidents after repeated failures"),
        N_("Evaluate multi-window burn-rate alerts; deliver to the Alertmanager webhook"),
        N_("Roll raw agent samples up into 1-minute buckets"),
        N_("Roll raw agent samples up into 1-hour buckets; drop samples past retention"),
        N_("Draft every provider's assessment when a quarter closes"),
        N_("Close the month: rate usage, issue invoices, settle providers, check budgets"),
    }
)


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, viewer: ScheduleViewer) -> Response:
    return render(request, "schedules/list.html", {"rows": service.statuses(session, SCHEDULES)})
