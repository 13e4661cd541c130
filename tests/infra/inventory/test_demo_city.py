"""The demo city reproduces the published survey exactly, from the database, and its shared
cloud can absorb the unclassified estate; loading twice changes nothing."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from infra.audit.models import AuditEntry
from infra.audit.service import verify_chain
from infra.database import session_scope
from infra.inventory.enums import SHARED_ZONES, Carrier, DeviceKind, NetworkZone, SiteKind
from infra.inventory.models import Application, CarrierLink, Device, Host, Rack, Site
from infra.inventory.queries import capacity_overview, rack_usages
from portal_api import demo


def test_the_demo_city_loads_exactly_and_idempotently(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """One load per backend (it is the expensive part), then every check over it."""
    with session_scope(session_factory) as writer:
        demo.load(writer)
    every_published_figure_is_reproduced(session)
    the_shared_cloud_absorbs_the_unclassified_estate(session)
    loading_again_changes_nothing(session, session_factory)


def percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def every_published_figure_is_reproduced(loaded: Session) -> None:
    s = loaded
    rooms = s.execute(
        select(func.count(), func.sum(Site.floor_area_m2)).where(Site.kind == SiteKind.LEGACY_ROOM)
    ).one()
    # SUM over SQLite's text-stored decimals goes through floats: add them exactly instead.
    areas = s.scalars(select(Site.floor_area_m2).where(Site.kind == SiteKind.LEGACY_ROOM)).all()
    assert rooms[0] == 92
    assert sum(a or Decimal(0) for a in areas) == Decimal("4358.75")

    legacy_site = select(Site.id).where(Site.kind == SiteKind.LEGACY_ROOM)
    server_years = s.scalars(select(Host.purchase_year).where(Host.site_id.in_(legacy_site))).all()
    devices = s.execute(
        select(Device.kind, Device.purchase_year).where(Device.site_id.in_(legacy_site))
    ).all()
    kinds = Counter(kind for kind, _ in devices)
    assert len(server_years) == 454
    assert kinds[DeviceKind.STORAGE] == 64
    assert kinds[DeviceKind.NETWORK] + kinds[DeviceKind.SECURITY] == 476
    years = list(server_years) + [year for _, year in devices]
    assert len(years) == 994
    assert percent(sum(y < 2013 for y in years), len(years)) == Decimal("54.9")
    assert percent(sum(y < 2015 for y in years), len(years)) == Decimal("70.7")

    apps = dict(s.execute(select(Application.zone, func.count()).group_by(Application.zone)).all())
    assert apps == {
        NetworkZone.INTERNET: 80,
        NetworkZone.EXTRANET: 8,
        NetworkZone.INTRANET: 29,
        NetworkZone.PRIVATE: 89,
    }
    lines = dict(s.execute(select(CarrierLink.carrier, func.count()).group_by("carrier")).all())
    assert sum(lines.values()) == 333
    assert lines[Carrier.CHINA_UNICOM] == 258
    assert lines[Carrier.CHINA_MOBILE] == 45
    assert lines[Carrier.CHINA_TELECOM] == 28
    assert lines[Carrier.CHINA_BROADNET] == 1
    assert s.scalar(select(func.sum(CarrierLink.bandwidth_mbps))) == 8_800  # 8.8 Gbit/s


def the_shared_cloud_absorbs_the_unclassified_estate(loaded: Session) -> None:
    s = loaded
    cloud_sites = s.scalars(select(Site).where(Site.kind == SiteKind.CLOUD)).all()
    assert len(cloud_sites) == 2
    providers = s.scalars(
        select(Host.provider_id).where(Host.provider_id.is_not(None)).distinct()
    ).all()
    assert len(providers) == 3
    pools = capacity_overview(s, reserve=Decimal("0.10"), allocated={})
    assert {row.zone for row in pools} == set(SHARED_ZONES)  # never the classified intranet
    legacy_site = select(Site.id).where(Site.kind == SiteKind.LEGACY_ROOM)
    for zone in SHARED_ZONES:
        demand = s.execute(
            select(func.sum(Host.vcpu), func.sum(Host.memory_gib), func.sum(Host.disk_gib)).where(
                Host.site_id.in_(legacy_site), Host.zone == zone
            )
        ).one()
        for resource, needed in zip(("vcpu", "memory_gib", "storage_gib"), demand, strict=True):
            offered = sum(row.capacity.allocatable[resource] for row in pools if row.zone == zone)
            assert offered >= needed, (zone, resource)
    racks = list(s.scalars(select(Rack)))
    over = [
        r
        for r, usage in zip(racks, rack_usages(s, racks).values(), strict=True)
        if usage.over_power_budget
    ]
    assert [(r.site.code, r.power_budget_kw) for r in over] == [("cloud-west", Decimal("7.50"))]
    classified = s.scalar(
        select(func.count()).where(Host.zone == NetworkZone.INTRANET, Host.provider_id.is_not(None))
    )
    assert classified == 0


def loading_again_changes_nothing(loaded: Session, session_factory: sessionmaker[Session]) -> None:
    def snapshot() -> tuple[int, ...]:
        loaded.expire_all()
        return tuple(
            loaded.scalar(select(func.count()).select_from(model)) or 0
            for model in (Site, Host, Device, Application, CarrierLink, AuditEntry)
        )

    first = snapshot()
    loaded.rollback()
    with session_scope(session_factory) as writer:
        demo.load(writer)
    assert snapshot() == first
    assert verify_chain(loaded).ok
