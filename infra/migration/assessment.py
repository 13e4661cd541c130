"""Assessment: a suggested strategy with its reasons, right-sizing from observed p95, operator
override, department sign-off; and wave plans stored from infra/migration/waves.py.

The rules are pure functions over discovery's facts (tested without a database); the service
functions around them read and write, audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import utcnow
from infra.discovery.models import DiscoveryTarget
from infra.errors import Conflict, InvalidInput
from infra.inventory.enums import NetworkZone
from infra.migration.enums import Strategy, SystemStatus
from infra.migration.models import LegacySystem, SystemDependency, SystemServer, Wave, WaveMember
from infra.migration.schemas import RequestItems, StrategyOverride, WavePlanCreate
from infra.migration.service import get_system
from infra.migration.waves import PlanSystem, WavePlan, Window, plan_waves
from infra.tenancy.scope import Scope

COMFORT = Decimal("1.3")  # head-room over the observed p95
GIB_KIB = 1024 * 1024
# (os id, versions below which the OS is out of support)
END_OF_LIFE = {"centos": 8, "rhel": 8, "redhat": 8, "ubuntu": 20, "debian": 11, "sles": 15}
MANAGED_ENGINES = {"postgresql", "mysql", "redis"}  # the shared cloud runs these as services
IDLE_CPU_P95 = Decimal(3)


@dataclass(frozen=True)
class Suggestion:
    strategy: Strategy
    reasons: list[str]


def _version_major(version: str | None) -> int | None:
    digits = "".join(c if c.isdigit() else " " for c in (version or "")).split()
    return int(digits[0]) if digits else None


def suggest(
    *, zone: NetworkZone, facts: Sequence[dict[str, Any]], has_dependents: bool
) -> Suggestion:
    """Strategy for a system from its zone and its servers' facts, with every reason."""
    if zone is NetworkZone.INTRANET:
        return Suggestion(
            Strategy.RETAIN,
            ["runs on the classified e-government intranet (内网): no shared-cloud capacity"],
        )
    if not facts:
        return Suggestion(
            Strategy.RETAIN, ["no discovery facts yet: sweep its servers, then assess again"]
        )
    reasons: list[str] = []
    p95 = max(Decimal(str(f["utilisation"]["cpu_p95"])) for f in facts)
    inbound = any(c["direction"] == "inbound" for f in facts for c in f.get("connections", []))
    if p95 < IDLE_CPU_P95 and not inbound and not has_dependents:
        return Suggestion(
            Strategy.RETIRE,
            [
                f"CPU p95 {p95} % is below {IDLE_CPU_P95} %",
                "no connections from other hosts and no system depends on it",
            ],
        )
    for f in facts:
        os_id, major = (f.get("os_id") or "").lower(), _version_major(f.get("os_version"))
        if os_id in END_OF_LIFE and major is not None and major < END_OF_LIFE[os_id]:
            reasons.append(
                f"{f['hostname']}: {f.get('os_name') or os_id} is out of support; "
                "rebuild on a supported image"
            )
    engines = sorted({d["engine"] for f in facts for d in f.get("databases", [])})
    managed = [e for e in engines if e in MANAGED_ENGINES]
    if managed:
        reasons.append(f"{', '.join(managed)} can move to the cloud's managed database service")
    if reasons:
        return Suggestion(Strategy.REPLATFORM, reasons)
    others = [e for e in engines if e not in MANAGED_ENGINES]
    return Suggestion(
        Strategy.REHOST,
        [
            "supported OS and steady use: lift and shift onto cloud VMs",
            *([f"{', '.join(others)} stays on a VM (no managed service)"] if others else []),
        ],
    )


def _ceil(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def right_size(facts: Sequence[dict[str, Any]], *, comfort: Decimal = COMFORT) -> RequestItems:
    """vCPU, memory and storage for the cloud from observed p95 × comfort, per server summed."""
    vcpu, memory, storage = 0, Decimal(0), Decimal(0)
    for f in facts:
        util = f["utilisation"]
        cores = Decimal(f["cpu"]["count"])
        vcpu += max(
            1, int(_ceil(cores * Decimal(str(util["cpu_p95"])) / 100 * comfort, Decimal(1)))
        )
        used_gib = (
            Decimal(f["memory"]["total_kib"]) * Decimal(str(util["memory_p95"])) / 100 / GIB_KIB
        )
        memory += max(Decimal(1), _ceil(used_gib * comfort, Decimal("0.5")))
        seen: set[str] = set()
        used_kib = 0
        for fs in f.get("filesystems", []):
            if fs["device"] not in seen:
                seen.add(fs["device"])
                used_kib += fs["used_kib"]
        storage += max(Decimal(20), _ceil(Decimal(used_kib) / GIB_KIB * comfort, Decimal(10)))
    return RequestItems(vcpu=vcpu, memory_gib=memory, storage_gib=storage)


# --- service ------------------------------------------------------------------------------


def _facts(session: Session, system: LegacySystem) -> list[dict[str, Any]]:
    targets = session.scalars(
        select(DiscoveryTarget)
        .join(SystemServer, SystemServer.target_id == DiscoveryTarget.id)
        .where(SystemServer.system_id == system.id)
        .order_by(DiscoveryTarget.id)
    )
    return [t.facts for t in targets if t.facts]


def assess(
    session: Session, *, system_id: int, actor: Actor, scope: Scope, comfort: Decimal = COMFORT
) -> LegacySystem:
    """Suggest a strategy and size the system; a changed suggestion voids an earlier sign-off."""
    system = get_system(session, system_id=system_id, scope=scope)
    facts = _facts(session, system)
    dependents = session.scalar(
        select(SystemDependency.id).where(SystemDependency.depends_on_id == system.id).limit(1)
    )
    suggestion = suggest(
        zone=system.application.zone, facts=facts, has_dependents=dependents is not None
    )
    before = {"strategy": system.strategy, "signed_off_by": system.signed_off_by}
    if suggestion.strategy != system.suggested_strategy:
        system.signed_off_by, system.signed_off_at = None, None
    system.suggested_strategy, system.reasons = suggestion.strategy, suggestion.reasons
    if facts:
        size = right_size(facts, comfort=comfort)
        system.sized_vcpu = size.vcpu
        system.sized_memory_gib, system.sized_storage_gib = size.memory_gib, size.storage_gib
    system.assessed_at = utcnow()
    if system.status in (SystemStatus.REGISTERED, SystemStatus.SIGNED_OFF):
        system.status = SystemStatus.ASSESSED if not system.signed_off_by else system.status
    session.flush()
    record(
        session,
        actor=actor,
        action="assess",
        entity="legacy_system",
        entity_id=system.id,
        before=before,
        after={
            "strategy": system.strategy,
            "reasons": system.reasons,
            "vcpu": system.sized_vcpu,
            "memory_gib": system.sized_memory_gib,
            "storage_gib": system.sized_storage_gib,
        },
        department_id=system.department_id,
    )
    return system


def override(
    session: Session, *, system_id: int, data: StrategyOverride, actor: Actor, scope: Scope
) -> LegacySystem:
    """The operator's strategy, with the reason; the department must sign off again."""
    system = get_system(session, system_id=system_id, scope=scope)
    before = {"strategy": system.strategy, "signed_off_by": system.signed_off_by}
    system.strategy_override, system.override_reason = data.strategy, data.reason
    system.signed_off_by, system.signed_off_at = None, None
    if system.status is SystemStatus.SIGNED_OFF:
        system.status = SystemStatus.ASSESSED
    session.flush()
    record(
        session,
        actor=actor,
        action="override",
        entity="legacy_system",
        entity_id=system.id,
        before=before,
        after={"strategy": data.strategy, "reason": data.reason},
        department_id=system.department_id,
    )
    return system


def sign_off(session: Session, *, system_id: int, actor: Actor, scope: Scope) -> LegacySystem:
    """The department accepts the assessed strategy and size."""
    system = get_system(session, system_id=system_id, scope=scope)
    if system.strategy is None:
        raise Conflict("status", f"system {system_id} has not been assessed yet")
    if system.signed_off_by:
        raise Conflict("status", f"system {system_id} was signed off by {system.signed_off_by}")
    system.signed_off_by, system.signed_off_at = actor.username, utcnow()
    if system.status in (SystemStatus.REGISTERED, SystemStatus.ASSESSED):
        system.status = SystemStatus.SIGNED_OFF
    session.flush()
    record(
        session,
        actor=actor,
        action="sign_off",
        entity="legacy_system",
        entity_id=system.id,
        after={"strategy": system.strategy},
        department_id=system.department_id,
    )
    return system


def plan_and_store(
    session: Session, *, data: WavePlanCreate, actor: Actor, scope: Scope
) -> tuple[list[Wave], dict[int, str]]:
    """Plan waves for signed-off systems that move; replaces the plan of the same name."""
    query = select(LegacySystem).where(scope.where(LegacySystem.department_id))
    if data.system_ids:
        query = query.where(LegacySystem.id.in_(data.system_ids))
    chosen = [
        s
        for s in session.scalars(query.order_by(LegacySystem.id))
        if s.signed_off_by and s.strategy is not None and s.strategy.moves
    ]
    if not chosen:
        raise InvalidInput.one("system_ids", "no signed-off system to rehost or replatform")
    ids = {s.id for s in chosen}
    deps: dict[int, set[int]] = {s.id: set() for s in chosen}
    for dep in session.scalars(select(SystemDependency).where(SystemDependency.system_id.in_(ids))):
        if dep.depends_on_id in ids:
            deps[dep.system_id].add(dep.depends_on_id)
    plan: WavePlan = plan_waves(
        [
            PlanSystem(
                id=s.id,
                windows=tuple(Window(**w) for w in s.downtime_windows),
                max_downtime_hours=s.max_downtime_hours,
                depends_on=frozenset(deps[s.id]),
            )
            for s in chosen
        ],
        starts_on=data.starts_on,
        max_concurrent=data.max_concurrent,
        max_waves=data.max_waves,
    )
    old = list(session.scalars(select(Wave.id).where(Wave.plan == data.plan)))
    if old:
        session.execute(delete(WaveMember).where(WaveMember.wave_id.in_(old)))
        session.execute(delete(Wave).where(Wave.id.in_(old)))
    stored = []
    for planned in plan.waves:
        wave = Wave(
            plan=data.plan,
            number=planned.number,
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
            max_concurrent=data.max_concurrent,
        )
        session.add(wave)
        session.flush()
        for slot in planned.slots:
            session.add(
                WaveMember(
                    wave_id=wave.id,
                    system_id=slot.system_id,
                    slot_starts_at=slot.starts_at,
                    slot_ends_at=slot.ends_at,
                )
            )
            system = session.get(LegacySystem, slot.system_id)
            if system is not None and system.status is SystemStatus.SIGNED_OFF:
                system.status = SystemStatus.PLANNED
        stored.append(wave)
    session.flush()
    record(
        session,
        actor=actor,
        action="plan",
        entity="migration_wave_plan",
        entity_id=data.plan,
        after={
            "starts_on": data.starts_on,
            "waves": {w.number: [s.system_id for s in w.slots] for w in plan.waves},
            "unplaced": plan.unplaced,
        },
    )
    return stored, plan.unplaced


def planned_at(session: Session, *, plan: str) -> list[tuple[Wave, list[WaveMember]]]:
    waves = session.scalars(select(Wave).where(Wave.plan == plan).order_by(Wave.number))
    return [
        (
            w,
            list(
                session.scalars(
                    select(WaveMember)
                    .where(WaveMember.wave_id == w.id)
                    .order_by(WaveMember.slot_starts_at)
                )
            ),
        )
        for w in waves
    ]
