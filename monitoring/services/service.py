"""Services and probes: create them, run due probes, keep the per-minute record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.crud import add_audited, ensure_unique
from infra.database import utcnow
from infra.inventory.models import Application, Contract, Provider
from infra.migration.models import LegacySystem
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from monitoring.services.exceptions import bad
from monitoring.services.models import MonitoredService, Probe, ProbeResult
from monitoring.services.probing import ProbeOutcome, ProbeSpec
from monitoring.services.queries import get_service
from monitoring.services.schemas import ProbeCreate, ServiceCreate


def minute_of(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


def create_service(session: Session, *, data: ServiceCreate, actor: Actor) -> MonitoredService:
    """Register a department's service run by a provider; every reference checked first."""
    if session.get(Department, data.department_id) is None:
        raise bad("department_id", f"no department {data.department_id}")
    if session.get(Provider, data.provider_id) is None:
        raise bad("provider_id", f"no provider {data.provider_id}")
    if data.contract_id is not None:
        contract = session.get(Contract, data.contract_id)
        if contract is None or contract.provider_id != data.provider_id:
            raise bad("contract_id", "no such contract of this provider")
    if data.application_id is not None:
        app = session.get(Application, data.application_id)
        if app is None or app.department_id != data.department_id:
            raise bad("application_id", "no such application of this department")
    if data.legacy_system_id is not None:
        system = session.get(LegacySystem, data.legacy_system_id)
        if system is None or system.department_id != data.department_id:
            raise bad("legacy_system_id", "no such legacy system of this department")
    ensure_unique(session, MonitoredService, "code", data.code, what="service")
    values = data.model_dump(exclude={"monitored_since"})
    row = MonitoredService(**values, monitored_since=minute_of(data.monitored_since or utcnow()))
    return add_audited(
        session, row, actor=actor, entity="monitored_service", department_id=data.department_id
    )


def add_probe(
    session: Session, *, service_id: int, data: ProbeCreate, actor: Actor, scope: Scope
) -> Probe:
    """Attach a probe to a visible service."""
    service = get_service(session, service_id, scope=scope)
    row = Probe(service_id=service.id, **data.model_dump())
    return add_audited(
        session, row, actor=actor, entity="probe", department_id=service.department_id
    )


def due_probes(session: Session, *, now: dt.datetime) -> list[ProbeSpec]:
    """Enabled probes whose interval has passed since their last run."""
    specs = []
    for probe in session.scalars(select(Probe).where(Probe.enabled).order_by(Probe.id)):
        last = probe.last_run_at
        if last is not None and (now - last).total_seconds() < probe.interval_s - 1:
            continue
        specs.append(
            ProbeSpec(
                probe_id=probe.id,
                kind=probe.kind,
                target=probe.target,
                timeout_s=probe.timeout_ms / 1000,
                expected_status=probe.expected_status,
                expected_body=probe.expected_body,
            )
        )
    return specs


def record_outcomes(
    session: Session, outcomes: list[ProbeOutcome], *, now: dt.datetime
) -> list[Probe]:
    """Store each outcome for its minute (a failure in a minute wins) and update the probes'
    streaks; returns the probes whose failing streak grew by this run."""
    if not outcomes:
        return []
    minute = minute_of(now)
    rows = [
        {
            "probe_id": o.probe_id,
            "minute": minute,
            "ok": o.ok,
            "latency_ms": o.latency_ms,
            "error": o.error,
        }
        for o in outcomes
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ProbeResult).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["probe_id", "minute"],
        set_={
            "ok": ProbeResult.ok & stmt.excluded.ok,
            "latency_ms": stmt.excluded.latency_ms,
            "error": stmt.excluded.error,
        },
    )
    session.execute(stmt)
    failing = []
    probes = {
        p.id: p
        for p in session.scalars(select(Probe).where(Probe.id.in_([o.probe_id for o in outcomes])))
    }
    for o in outcomes:
        probe = probes[o.probe_id]
        probe.last_run_at, probe.last_ok, probe.last_error = now, o.ok, o.error
        probe.failing_streak = 0 if o.ok else probe.failing_streak + 1
        if not o.ok:
            failing.append(probe)
    session.flush()
    return failing
