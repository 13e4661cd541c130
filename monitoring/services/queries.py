"""Scoped reads: a row is visible to its department, to its provider, and to the office."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from infra.errors import NotFound
from infra.tenancy.scope import Scope
from monitoring.services.models import MonitoredService, Probe


def visible(
    scope: Scope,
    department: InstrumentedAttribute[int],
    provider: InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    """Both scoping dimensions at once: the department concerned OR the provider concerned."""
    return or_(scope.where(department), scope.where_provider(provider))


def allows(scope: Scope, department_id: int, provider_id: int) -> bool:
    return scope.allows(department_id) or scope.allows_provider(provider_id)


def list_services(session: Session, *, scope: Scope) -> list[MonitoredService]:
    """Services the scope sees, by code."""
    query = (
        select(MonitoredService)
        .where(visible(scope, MonitoredService.department_id, MonitoredService.provider_id))
        .order_by(MonitoredService.code)
    )
    return list(session.scalars(query))


def get_service(session: Session, service_id: int, *, scope: Scope) -> MonitoredService:
    """The service, or NotFound when it does not exist or is outside the scope."""
    row = session.get(MonitoredService, service_id)
    if row is None or not allows(scope, row.department_id, row.provider_id):
        raise NotFound("service", service_id)
    return row


def probes_of(session: Session, service_ids: list[int]) -> list[Probe]:
    return list(
        session.scalars(select(Probe).where(Probe.service_id.in_(service_ids)).order_by(Probe.id))
    )
