"""Monitoring test data: providers with contracts, services, provider representatives."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from infra.inventory.models import Contract, Provider
from infra.tenancy.enums import Role
from infra.tenancy.models import Department, User
from monitoring.services.models import MonitoredService, Probe
from monitoring.services.schemas import ServiceCreate
from monitoring.services.service import create_service
from tests.factories import SYSTEM, bearer, user

_n = itertools.count(1)


def provider(session: Session, *, terms: dict[str, Any] | None = None) -> Provider:
    n = next(_n)
    row = Provider(code=f"mon-prov-{n}", name=f"供应商 {n}", name_en=f"Provider {n}")
    session.add(row)
    session.flush()
    session.add(
        Contract(
            provider_id=row.id,
            reference=f"MON-C-{n}",
            starts_on=dt.date(2020, 1, 1),
            ends_on=dt.date(2040, 1, 1),
            monthly_fee=Decimal("1000.00"),
            sla_terms=terms if terms is not None else {"response_minutes": 15, "recovery_hours": 4},
        )
    )
    session.commit()
    return row


def service(
    session: Session,
    *,
    dept: Department,
    prov: Provider,
    since: dt.datetime | None = None,
) -> MonitoredService:
    n = next(_n)
    row = create_service(
        session,
        data=ServiceCreate(
            code=f"mon-svc-{n}",
            name=f"服务 {n}",
            department_id=dept.id,
            provider_id=prov.id,
            monitored_since=since,
        ),
        actor=SYSTEM,
    )
    session.commit()
    return row


def probe(session: Session, svc: MonitoredService, target: str = "127.0.0.1:9") -> Probe:
    from monitoring.services.enums import ProbeKind

    row = Probe(service_id=svc.id, kind=ProbeKind.TCP, target=target, interval_s=60)
    session.add(row)
    session.commit()
    return row


def provider_rep(session: Session, prov: Provider) -> tuple[User, dict[str, str]]:
    rep = user(session, role=Role.PROVIDER_REP)
    rep.provider_id = prov.id
    session.commit()
    return rep, bearer(session, rep)
