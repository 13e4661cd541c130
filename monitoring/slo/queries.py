"""Reading SLO breaches: the burn-rate alerts still firing, scoped like the services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from infra.tenancy.scope import Scope
from monitoring.services.models import MonitoredService
from monitoring.services.queries import visible
from monitoring.slo.models import Slo, SloAlert


@dataclass(frozen=True)
class Breach:
    alert: SloAlert
    slo: Slo


def open_breaches(session: Session, *, scope: Scope, limit: int = 20) -> list[Breach]:
    """Unresolved alerts of SLOs the scope sees — an SLO on a visible service, or on a
    visible provider as a whole — newest first."""
    on_service = select(MonitoredService.id).where(
        visible(scope, MonitoredService.department_id, MonitoredService.provider_id)
    )
    query = (
        select(SloAlert, Slo)
        .join(Slo, Slo.id == SloAlert.slo_id)
        .where(SloAlert.resolved_at.is_(None))
        .where(
            or_(
                Slo.service_id.in_(on_service),
                Slo.provider_id.is_not(None) & scope.where_provider(Slo.provider_id),
            )
        )
        .order_by(SloAlert.fired_at.desc(), SloAlert.id.desc())
        .limit(limit)
    )
    return [Breach(alert, slo) for alert, slo in session.execute(query)]
