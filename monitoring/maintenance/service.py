"""Maintenance windows: a provider announces with notice, the cloud office decides; approved
windows are excluded from availability."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.crud import add_audited, update_audited
from infra.database import utcnow
from infra.errors import Conflict, NotFound
from infra.settings import get_settings
from infra.tenancy.scope import Scope
from monitoring.maintenance.enums import WindowStatus
from monitoring.maintenance.models import MaintenanceWindow
from monitoring.maintenance.schemas import WindowCreate
from monitoring.services.exceptions import bad
from monitoring.services.models import MonitoredService


def announce(
    session: Session,
    *,
    provider_id: int,
    data: WindowCreate,
    actor: Actor,
    now: dt.datetime | None = None,
) -> MaintenanceWindow:
    """A provider proposes a window, at least the configured notice ahead."""
    cfg = get_settings().service_levels
    now = now or utcnow()
    if data.ends_at <= data.starts_at:
        raise bad("ends_at", "must be after starts_at")
    if data.starts_at < now + dt.timedelta(hours=cfg.maintenance_min_notice_hours):
        raise bad(
            "starts_at",
            f"must be at least {cfg.maintenance_min_notice_hours} h from now (minimum notice)",
        )
    if data.ends_at - data.starts_at > dt.timedelta(hours=cfg.maintenance_max_hours):
        raise bad("ends_at", f"a window lasts at most {cfg.maintenance_max_hours} h")
    if data.service_id is not None:
        service = session.get(MonitoredService, data.service_id)
        if service is None or service.provider_id != provider_id:
            raise bad("service_id", "no such service run by this provider")
    row = MaintenanceWindow(
        provider_id=provider_id,
        service_id=data.service_id,
        starts_at=data.starts_at.astimezone(dt.UTC),
        ends_at=data.ends_at.astimezone(dt.UTC),
        reason=data.reason,
        status=WindowStatus.PROPOSED,
        announced_at=now,
        announced_by=actor.username,
    )
    return add_audited(session, row, actor=actor, entity="maintenance_window")


def decide(session: Session, *, window_id: int, approve: bool, actor: Actor) -> MaintenanceWindow:
    """The cloud office approves or rejects a proposed window."""
    row = session.get(MaintenanceWindow, window_id)
    if row is None:
        raise NotFound("maintenance window", window_id)
    if row.status is not WindowStatus.PROPOSED:
        raise Conflict("status", f"window {window_id} is {row.status.value}, not proposed")
    status = WindowStatus.APPROVED if approve else WindowStatus.REJECTED
    return update_audited(
        session,
        row,
        {"status": status, "decided_at": utcnow(), "decided_by": actor.username},
        actor=actor,
        entity="maintenance_window",
    )


def list_windows(session: Session, *, scope: Scope, limit: int = 200) -> list[MaintenanceWindow]:
    """A provider's own windows; a department's: those touching a provider that runs one of
    its services; the office: all.  Newest first."""
    query = select(MaintenanceWindow)
    if not scope.all_providers or not scope.is_global:
        mine = select(MonitoredService.provider_id).where(
            scope.where(MonitoredService.department_id)
        )
        query = query.where(
            or_(
                scope.where_provider(MaintenanceWindow.provider_id),
                MaintenanceWindow.provider_id.in_(mine),
            )
        )
    return list(session.scalars(query.order_by(MaintenanceWindow.starts_at.desc()).limit(limit)))


def approved_windows(
    session: Session, *, services: list[MonitoredService], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Approved windows overlapping ``[start, end)``, per service id."""
    providers = {s.provider_id for s in services}
    rows = session.scalars(
        select(MaintenanceWindow).where(
            MaintenanceWindow.status == WindowStatus.APPROVED,
            MaintenanceWindow.provider_id.in_(providers),
            MaintenanceWindow.starts_at < end,
            MaintenanceWindow.ends_at > start,
        )
    )
    found: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {s.id: [] for s in services}
    by_provider: dict[int, list[MonitoredService]] = {}
    for s in services:
        by_provider.setdefault(s.provider_id, []).append(s)
    for w in rows:
        for s in by_provider.get(w.provider_id, []):
            if w.service_id is None or w.service_id == s.id:
                found[s.id].append((w.starts_at, w.ends_at))
    return found
