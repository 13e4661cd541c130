"""Assessment rules, right-sizing, override and sign-off, and stored wave plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from infra.discovery.models import DiscoveryTarget
from infra.errors import Conflict
from infra.inventory.enums import NetworkZone
from infra.migration import assessment, service
from infra.migration.enums import Strategy, SystemStatus
from infra.migration.models import LegacySystem
from infra.migration.schemas import DowntimeWindow, StrategyOverride, WavePlanCreate
from tests import factories
from tests.factories import EVERYTHING, SYSTEM
from tests.infra.migration.builders import legacy_system


def facts(
    *,
    cpu_p95: str = "40",
    mem_p95: str = "50",
    cores: int = 8,
    mem_gib: int = 16,
    os_id: str = "kylin",
    os_version: str = "V10",
    engines: tuple[str, ...] = (),
    inbound: bool = True,
    used_gib: int = 100,
) -> dict[str, Any]:
    return {
        "hostname": "h",
        "os_id": os_id,
        "os_version": os_version,
        "os_name": f"{os_id} {os_version}",
        "cpu": {"count": cores},
        "memory": {"total_kib": mem_gib * 1024 * 1024},
        "filesystems": [
            {"device": "/dev/sda1", "used_kib": used_gib * 1024 * 1024},
            {"device": "/dev/sda1", "used_kib": used_gib * 1024 * 1024},  # a bind mount
        ],
        "connections": [{"direction": "inbound"}] if inbound else [],
        "databases": [{"engine": e} for e in engines],
        "utilisation": {"cpu_p95": cpu_p95, "memory_p95": mem_p95},
    }


@pytest.mark.parametrize(
    ("zone", "servers", "dependents", "expected", "reason"),
    [
        (NetworkZone.INTRANET, [facts()], False, Strategy.RETAIN, "内网"),
        (NetworkZone.EXTRANET, [], False, Strategy.RETAIN, "no discovery facts"),
        (
            NetworkZone.EXTRANET,
            [facts(cpu_p95="1", inbound=False)],
            False,
            Strategy.RETIRE,
            "below",
        ),
        (NetworkZone.EXTRANET, [facts(cpu_p95="1", inbound=False)], True, Strategy.REHOST, "lift"),
        (
            NetworkZone.INTERNET,
            [facts(os_id="centos", os_version="6.10")],
            False,
            Strategy.REPLATFORM,
            "out of support",
        ),
        (
            NetworkZone.PRIVATE,
            [facts(engines=("postgresql",))],
            False,
            Strategy.REPLATFORM,
            "managed",
        ),
        (NetworkZone.PRIVATE, [facts(engines=("oracle",))], False, Strategy.REHOST, "oracle stays"),
    ],
)
def test_suggestion_and_its_reasons(
    zone: NetworkZone,
    servers: list[dict[str, Any]],
    dependents: bool,
    expected: Strategy,
    reason: str,
) -> None:
    got = assessment.suggest(zone=zone, facts=servers, has_dependents=dependents)
    assert got.strategy is expected
    assert any(reason in r for r in got.reasons), got.reasons


def test_right_size_from_p95_with_comfort() -> None:
    size = assessment.right_size([facts(cpu_p95="40", mem_p95="50"), facts(cpu_p95="2")])
    # 8 cores × 40 % × 1.3 = 4.16 → 5; 8 × 2 % × 1.3 = 0.2 → 1 (at least one)
    assert size.vcpu == 6
    # 16 GiB × 50 % × 1.3 = 10.4 → 10.5, twice
    assert size.memory_gib == Decimal("21.0")
    # 100 GiB used (the bind mount counted once) × 1.3 = 130, twice
    assert size.storage_gib == Decimal(260)


def test_assess_override_sign_off(session: Session) -> None:
    w = factories.world(session)
    target = DiscoveryTarget(
        address="10.8.0.1", port=22, data_dirs=[], facts=facts(engines=("mysql",))
    )
    session.add(target)
    session.flush()
    system = legacy_system(session, w.own, servers=[target.id])
    assessed = assessment.assess(session, system_id=system.id, actor=SYSTEM, scope=EVERYTHING)
    assert assessed.strategy is Strategy.REPLATFORM
    assert assessed.status is SystemStatus.ASSESSED
    assert (assessed.sized_vcpu, assessed.sized_memory_gib) == (5, Decimal("10.5"))
    signed = assessment.sign_off(session, system_id=system.id, actor=SYSTEM, scope=EVERYTHING)
    assert signed.status is SystemStatus.SIGNED_OFF
    with pytest.raises(Conflict):
        assessment.sign_off(session, system_id=system.id, actor=SYSTEM, scope=EVERYTHING)
    over = assessment.override(
        session,
        system_id=system.id,
        data=StrategyOverride(strategy=Strategy.REHOST, reason="vendor will not certify RDS"),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    assert over.strategy is Strategy.REHOST
    assert over.signed_off_by is None  # the department must agree again
    assert over.status is SystemStatus.ASSESSED


def test_waves_are_stored_for_signed_off_systems(session: Session) -> None:
    w = factories.world(session)
    sat = DowntimeWindow(weekday=5, start="22:00", hours=8)
    systems: list[LegacySystem] = []
    for _ in range(3):
        target = DiscoveryTarget(
            address=f"10.8.1.{len(systems) + 1}", port=22, data_dirs=[], facts=facts()
        )
        session.add(target)
        session.flush()
        systems.append(legacy_system(session, w.own, servers=[target.id], windows=[sat]))
    db, app, web = systems
    service.add_dependency(
        session, system_id=app.id, depends_on_id=db.id, actor=SYSTEM, scope=EVERYTHING
    )
    service.add_dependency(
        session, system_id=web.id, depends_on_id=app.id, actor=SYSTEM, scope=EVERYTHING
    )
    for s in systems:
        assessment.assess(session, system_id=s.id, actor=SYSTEM, scope=EVERYTHING)
        assessment.sign_off(session, system_id=s.id, actor=SYSTEM, scope=EVERYTHING)
    _, unplaced = assessment.plan_and_store(
        session,
        data=WavePlanCreate(starts_on=dt.date(2027, 3, 1), max_concurrent=1, max_waves=10),
        actor=SYSTEM,
        scope=EVERYTHING,
    )
    assert unplaced == {}
    stored = assessment.planned_at(session, plan="default")
    # One Saturday night each (the cap is one): db, then app, then web, a week apart.
    assert [[m.system_id for m in members] for _, members in stored] == [
        [db.id],
        [app.id],
        [web.id],
    ]
    assert all(s.status is SystemStatus.PLANNED for s in systems)
