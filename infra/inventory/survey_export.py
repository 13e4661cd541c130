"""The legacy estate back out as survey rows (what the importer reads, so a round trip is a
no-op), limited to what the caller's scope may see.

Rows are built without validation (``model_construct``): the export writes what is stored, and a
value the survey form would not accept (a host named "db server 1" through the API) must not
stop everyone who can see it from exporting.  Text that a spreadsheet would run as a formula is
neutralised on the way out (``survey_files``)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from infra.inventory.enums import SiteKind
from infra.inventory.models import Application, CarrierLink, Device, Host, Site
from infra.inventory.survey import (
    ApplicationRow,
    DeviceRow,
    LineRow,
    RoomRow,
    ServerRow,
    SurveyRow,
)
from infra.inventory.survey_files import write_csv, write_xlsx
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope

KINDS = ("rooms", "applications", "servers", "devices", "lines")


def _rooms(session: Session, scope: Scope) -> Iterator[SurveyRow]:
    query = (
        select(Site, Department.code)
        .join(Department, Site.department_id == Department.id)
        .where(Site.kind == SiteKind.LEGACY_ROOM, scope.where(Site.department_id))
        .order_by(Site.code)
    )
    for site, department in session.execute(query):
        yield RoomRow.model_construct(
            code=site.code,
            department=department,
            name=site.name,
            floor_area_m2=site.floor_area_m2 or Decimal(0),
            address=site.address,
        )


def _applications(session: Session, scope: Scope) -> Iterator[SurveyRow]:
    query = (
        select(Application, Department.code, Site.code)
        .join(Department, Application.department_id == Department.id)
        .outerjoin(Site, Application.site_id == Site.id)
        .where(scope.where(Application.department_id))
        .order_by(Application.code)
    )
    for app, department, room in session.execute(query):
        yield ApplicationRow.model_construct(
            code=app.code,
            department=department,
            name=app.name,
            zone=app.zone,
            mlps_level=app.mlps_level,
            room=room,
        )


def _servers(session: Session, scope: Scope) -> Iterator[SurveyRow]:
    query = (
        select(Host, Site.code, Application.code)
        .join(Site, Host.site_id == Site.id)
        .outerjoin(Application, Host.application_id == Application.id)
        .where(Site.kind == SiteKind.LEGACY_ROOM, scope.where(Host.department_id))
        .order_by(Host.name)
    )
    for host, room, app in session.execute(query):
        yield ServerRow.model_construct(
            name=host.name,
            room=room,
            application=app,
            model=host.model,
            vcpu=host.vcpu,
            cores=host.cores,
            memory_gib=host.memory_gib,
            disk_gib=host.disk_gib,
            power_draw_w=host.power_draw_w,
            purchase_year=host.purchase_year,
            zone=host.zone,
        )


def _devices(session: Session, scope: Scope) -> Iterator[SurveyRow]:
    query = (
        select(Device, Site.code)
        .join(Site, Device.site_id == Site.id)
        .where(Site.kind == SiteKind.LEGACY_ROOM, scope.where(Device.department_id))
        .order_by(Device.name)
    )
    for device, room in session.execute(query):
        yield DeviceRow.model_construct(
            name=device.name,
            room=room,
            device_type=device.kind,
            model=device.model,
            power_draw_w=device.power_draw_w,
            purchase_year=device.purchase_year,
        )


def _lines(session: Session, scope: Scope) -> Iterator[SurveyRow]:
    room = aliased(Site)
    query = (
        select(CarrierLink, room.code)
        .join(room, CarrierLink.a_site_id == room.id)
        .where(room.kind == SiteKind.LEGACY_ROOM, scope.where(CarrierLink.department_id))
        .order_by(CarrierLink.circuit_id)
    )
    for link, code in session.execute(query):
        yield LineRow.model_construct(
            circuit_id=link.circuit_id,
            carrier=link.carrier,
            bandwidth_mbps=link.bandwidth_mbps,
            room=code,
            z_end=link.z_end,
            zone=link.zone,
            monthly_cost=link.monthly_cost,
        )


EXPORTERS = {
    "rooms": _rooms,
    "applications": _applications,
    "servers": _servers,
    "devices": _devices,
    "lines": _lines,
}


def export_rows(session: Session, *, kind: str, scope: Scope) -> list[SurveyRow]:
    """Every row of one survey kind the scope may see, ordered by natural key."""
    return list(EXPORTERS[kind](session, scope))


def export_csv(session: Session, *, kind: str, scope: Scope) -> str:
    """One survey kind as CSV text."""
    return write_csv(kind, export_rows(session, kind=kind, scope=scope))


def export_xlsx(session: Session, *, scope: Scope) -> bytes:
    """Every survey kind, one sheet each, as an XLSX workbook."""
    return write_xlsx({kind: export_rows(session, kind=kind, scope=scope) for kind in KINDS})
