"""A year of synthetic, deterministic service history for the demo city.

Services for the inventory's applications (and any migrated legacy system), spread over the
demo providers; per service: short blips (forgiven by the ≥ 5-minute rule), real outages,
approved maintenance windows (some with the service down inside them, excluded), incidents with
varied response and recovery, and a couple still open for the provider to acknowledge.  Only
failed minutes are stored (probe_results), so the year loads in a moment and every figure is
computed by the same code as live probes' (monitoring/slo/loader.py).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.database import utcnow
from infra.inventory.models import Application, Contract, Provider
from infra.migration.enums import SystemStatus
from infra.migration.models import LegacySystem
from infra.tenancy.scope import Scope
from monitoring.incidents import service as incidents
from monitoring.incidents.enums import IncidentSource, Severity
from monitoring.maintenance.enums import WindowStatus
from monitoring.maintenance.models import MaintenanceWindow
from monitoring.services.enums import ProbeKind
from monitoring.services.models import MonitoredService, Probe, ProbeResult
from monitoring.slo.enums import Budgeting, SloWindow
from monitoring.slo.models import Slo

SEED = 2026
DAYS = 365
MAX_SERVICES = 12
MIN = dt.timedelta(minutes=1)
OFFICE = Actor.system("demo")


@dataclass(frozen=True)
class DemoHistory:
    services: int
    failed_minutes: int
    incidents: int
    windows: int


def _subjects(session: Session) -> list[tuple[str, str, int, int | None, int | None]]:
    """(code, name, department, application, migrated legacy system) for the demo's services:
    the inventory's applications, each with its legacy system once migration cut it over."""
    migrated = dict(
        session.execute(
            select(LegacySystem.application_id, LegacySystem.id).where(
                LegacySystem.status == SystemStatus.MIGRATED
            )
        ).all()
    )
    return [
        (app.code.lower()[:64], app.name, app.department_id, app.id, migrated.get(app.id))
        for app in session.scalars(select(Application).order_by(Application.id).limit(MAX_SERVICES))
    ]


def load_history(session: Session, *, now: dt.datetime | None = None) -> DemoHistory | None:
    """Create the demo's services and their year; None when they already exist."""
    if session.scalar(select(MonitoredService.id).limit(1)) is not None:
        return None
    providers = list(session.scalars(select(Provider).order_by(Provider.id)))
    subjects = _subjects(session)
    if not providers or not subjects:
        return None
    rng = random.Random(SEED)  # noqa: S311 (synthetic history, not secrets)
    now = (now or utcnow()).replace(second=0, microsecond=0)
    since = now - DAYS * dt.timedelta(days=1)
    contracts = {
        c.provider_id: c.id for c in session.scalars(select(Contract).order_by(Contract.id))
    }
    services: list[MonitoredService] = []
    for i, (code, name, dept, app_id, system_id) in enumerate(subjects):
        prov = providers[i % len(providers)]
        svc = MonitoredService(
            code=code,
            name=name,
            department_id=dept,
            provider_id=prov.id,
            contract_id=contracts.get(prov.id),
            application_id=app_id,
            legacy_system_id=system_id,
            monitored_since=since,
        )
        session.add(svc)
        services.append(svc)
    session.flush()
    probes = []
    for svc in services:
        probe = Probe(
            service_id=svc.id,
            kind=ProbeKind.HTTP,
            target=f"https://{svc.code}.demo-city.gov.cn/healthz",
            interval_s=60,
            timeout_ms=5000,
            expected_status=200,
            enabled=False,  # synthetic targets: the scheduler leaves them alone
            last_run_at=now - MIN,
            last_ok=True,
        )
        session.add(probe)
        probes.append(probe)
    session.flush()

    windows = _windows(session, providers, since, now, rng)
    failed: set[tuple[int, dt.datetime]] = set()
    outages: list[tuple[MonitoredService, dt.datetime, int, Severity]] = []
    for svc, probe in zip(services, probes, strict=True):
        for _ in range(rng.randint(15, 30)):  # blips: 1–4 minutes, forgiven
            start = since + rng.randrange(DAYS * 1440) * MIN
            failed.update((probe.id, start + k * MIN) for k in range(rng.randint(1, 4)))
        for _ in range(rng.randint(2, 5)):  # outages: 6–90 minutes
            start = since + rng.randrange(DAYS * 1440 - 200) * MIN
            length = rng.choice([6, 8, 12, 20, 35, 60, 90])
            failed.update((probe.id, start + k * MIN) for k in range(length))
            outages.append((svc, start, length, Severity.P2 if length < 60 else Severity.P1))
        for w in windows.get(svc.provider_id, [])[::2]:  # down inside its maintenance: excluded
            minutes = int((w[1] - w[0]) / MIN)
            failed.update((probe.id, w[0] + k * MIN) for k in range(minutes // 2))
    # Three real outages the city remembers: hours long, P1.
    for n, days_ago in enumerate((250, 140, 40)):
        svc, probe = services[n % len(services)], probes[n % len(probes)]
        start = now - days_ago * dt.timedelta(days=1) + dt.timedelta(hours=2 + n)
        length = (150, 240, 95)[n]
        failed.update((probe.id, start + k * MIN) for k in range(length))
        outages.append((svc, start, length, Severity.P1))
    # Happening now: one service down for the last 25 minutes, its incident open.
    live_svc, live_probe = services[0], probes[0]
    failed.update((live_probe.id, now - (25 - k) * MIN) for k in range(25))
    live_probe.last_ok, live_probe.failing_streak = False, 25
    live_probe.last_error = "timeout after 5 s"
    session.execute(
        insert(ProbeResult),
        [{"probe_id": p, "minute": m, "ok": False, "error": "demo"} for p, m in sorted(failed)],
    )
    opened = _incidents(session, outages, rng, now)
    incidents.open_incident(
        session,
        service=live_svc,
        severity=Severity.P1,
        title=f"{live_svc.name}: probe failing",
        description="timeout after 5 s",
        source=IncidentSource.PROBE,
        actor=Actor.system("probes"),
        at=now - 22 * MIN,
    )
    _slos(session, services, providers)
    session.flush()
    return DemoHistory(len(services), len(failed), opened + 1, sum(map(len, windows.values())))


def _windows(
    session: Session,
    providers: list[Provider],
    since: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """A night window per provider every ~6 weeks (approved), and one proposed ahead."""
    found: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for prov in providers:
        day = since + dt.timedelta(days=rng.randint(5, 30))
        while day < now - dt.timedelta(days=2):
            # 02:00 Asia/Shanghai is 18:00 UTC the day before
            start = day.replace(hour=18, minute=0)
            end = start + dt.timedelta(hours=rng.choice([2, 3, 4]))
            session.add(
                MaintenanceWindow(
                    provider_id=prov.id,
                    starts_at=start,
                    ends_at=end,
                    reason="例行维护：固件与补丁升级 / routine firmware and patching",
                    status=WindowStatus.APPROVED,
                    announced_at=start - dt.timedelta(days=7),
                    announced_by=f"{prov.code}-rep",
                    decided_at=start - dt.timedelta(days=5),
                    decided_by="operator",
                )
            )
            found.setdefault(prov.id, []).append((start, end))
            day += dt.timedelta(days=rng.randint(35, 50))
        ahead = (now + dt.timedelta(days=10)).replace(hour=18, minute=0)
        session.add(
            MaintenanceWindow(
                provider_id=prov.id,
                starts_at=ahead,
                ends_at=ahead + dt.timedelta(hours=3),
                reason="存储扩容 / storage expansion",
                status=WindowStatus.PROPOSED,
                announced_at=now - dt.timedelta(days=1),
                announced_by=f"{prov.code}-rep",
            )
        )
    return found


def _incidents(
    session: Session,
    outages: list[tuple[MonitoredService, dt.datetime, int, Severity]],
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """One incident per outage: acknowledged after 3–45 minutes, resolved when it ended."""
    count = 0
    for svc, start, length, severity in sorted(outages, key=lambda o: o[1]):
        opened_at = start + 3 * MIN
        row = incidents.open_incident(
            session,
            service=svc,
            severity=severity,
            title=f"{svc.name}: 服务中断 / outage",
            description=f"{length} minutes of failed probes",
            source=IncidentSource.PROBE,
            actor=Actor.system("probes"),
            at=opened_at,
        )
        scope_actor = Actor(username="provider-rep")
        scope = Scope.provider(svc.provider_id)
        ack = opened_at + rng.choice([3, 5, 8, 12, 15, 20, 30, 45]) * MIN
        incidents.acknowledge(session, incident_id=row.id, actor=scope_actor, scope=scope, at=ack)
        end = max(start + length * MIN, ack + MIN)
        if end < now - MIN:
            incidents.resolve(
                session,
                incident_id=row.id,
                actor=scope_actor,
                scope=scope,
                at=end,
                note="已恢复 / restored",
            )
        count += 1
    return count


def _slos(session: Session, services: list[MonitoredService], providers: list[Provider]) -> None:
    for svc in services:
        session.add(
            Slo(
                name=f"{svc.code}-30d"[:63],
                display_name=f"{svc.name} 30 天可用性",
                service_id=svc.id,
                target=Decimal("0.999"),
                budgeting=Budgeting.OCCURRENCES,
                window=SloWindow.ROLLING_30D,
                time_slice_minutes=1,
            )
        )
    for prov in providers:
        session.add(
            Slo(
                name=f"provider-{prov.code}-quarter"[:63],
                display_name=f"{prov.name} 季度可用性",
                provider_id=prov.id,
                target=Decimal("0.9995"),
                budgeting=Budgeting.TIMESLICES,
                window=SloWindow.QUARTER,
                time_slice_target=Decimal("0.8"),
                time_slice_minutes=5,
            )
        )
