"""Builders for legacy systems (on top of tests/factories.py)."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from infra.inventory import service as inventory
from infra.inventory.enums import NetworkZone
from infra.inventory.schemas import ApplicationCreate
from infra.migration import service
from infra.migration.enums import Criticality
from infra.migration.models import LegacySystem
from infra.migration.schemas import DowntimeWindow, ServerLink, SystemCreate
from infra.tenancy.models import Department
from tests.factories import EVERYTHING, SYSTEM

_n = itertools.count(1)


def legacy_system(
    session: Session,
    dept: Department,
    *,
    servers: list[int] | None = None,
    windows: list[DowntimeWindow] | None = None,
    criticality: Criticality = Criticality.MEDIUM,
    zone: NetworkZone = NetworkZone.EXTRANET,
    mlps: int = 2,
) -> LegacySystem:
    n = next(_n)
    app = inventory.create_application(
        session,
        data=ApplicationCreate(
            code=f"app-{n}", name=f"系统 {n}", department_id=dept.id, zone=zone, mlps_level=mlps
        ),
        actor=SYSTEM,
    )
    return service.register_system(
        session,
        data=SystemCreate(
            application_id=app.id,
            criticality=criticality,
            downtime_windows=windows or [DowntimeWindow(weekday=5, start="22:00", hours=8)],
            servers=[ServerLink(target_id=t) for t in servers or []],
        ),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
