"""The demo city's shared cloud: two sites run by three providers, sized to absorb the
unclassified legacy estate (every legacy server outside the classified intranet) with room
to spare after the platform's reserve."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.errors import InvalidInput
from infra.inventory import service
from infra.inventory.capacity import Slot, slot_collisions
from infra.inventory.enums import SHARED_ZONES, DeviceKind, HostStatus, NetworkZone, SiteKind
from infra.inventory.models import Device, Host, Provider, Rack, Site, Subnet
from infra.inventory.schemas import (
    ContractCreate,
    ProviderCreate,
    SiteCreate,
)
from infra.inventory.survey import ServerRow
from infra.inventory.survey_import import bulk_insert

HOST_VCPU, HOST_CORES, HOST_MEMORY_GIB, HOST_DISK_GIB, HOST_POWER_W = 64, 32, 256, 7_680, 520
HOSTS_PER_RACK = 16  # 2U each from U1, a pair of 1U top-of-rack switches at U41–U42
HEADROOM = Decimal("1.25")  # growth and failover on top of the estate's demand
TIGHT_FEED_KW = Decimal("7.50")  # a full rack draws 16 × 520 W + 2 × 180 W = 8.68 kW

PROVIDERS = [
    ("tianyi", "天翼云（中国电信）", "Tianyi Cloud (China Telecom)"),
    ("inspur", "浪潮云", "Inspur Cloud"),
    ("huawei", "华为云Stack", "Huawei Cloud Stack"),
]
SITES = [
    ("cloud-east", "政务云东区数据中心", "tianyi", "高新区云谷路 1 号"),
    ("cloud-west", "政务云西区数据中心", "inspur", "经开区数港大道 8 号"),
]
# Which provider runs which zone's pool, at which site (a pool may be split between two).
POOLS: dict[NetworkZone, list[tuple[str, str]]] = {
    NetworkZone.INTERNET: [("tianyi", "cloud-east")],
    NetworkZone.EXTRANET: [("inspur", "cloud-west"), ("huawei", "cloud-west")],
    NetworkZone.PRIVATE: [("tianyi", "cloud-east"), ("inspur", "cloud-west")],
}
SLA_TERMS = {"availability_pct": "99.95", "response_minutes": 15, "recovery_hours": 4}


@dataclass(frozen=True)
class Demand:
    vcpu: int = 0
    memory_gib: int = 0
    disk_gib: int = 0


def unclassified_demand(servers: Iterable[ServerRow]) -> dict[NetworkZone, Demand]:
    """What the legacy servers of each shared zone use today, summed."""
    totals: dict[NetworkZone, list[int]] = defaultdict(lambda: [0, 0, 0])
    for server in servers:
        if server.zone.hosts_shared_capacity:
            t = totals[server.zone]
            t[0] += server.vcpu
            t[1] += server.memory_gib
            t[2] += server.disk_gib
    return {zone: Demand(*t) for zone, t in totals.items()}


def hosts_needed(demand: Demand, reserve: Decimal) -> int:
    """Hosts of the standard size that hold ``demand`` × headroom after the reserve."""
    keep = 1 - reserve
    per_host = (HOST_VCPU * keep, HOST_MEMORY_GIB * keep, HOST_DISK_GIB * keep)
    wanted = (demand.vcpu, demand.memory_gib, demand.disk_gib)
    return max(
        1,
        *(
            math.ceil(Decimal(w) * HEADROOM / Decimal(p))
            for w, p in zip(wanted, per_host, strict=True)
        ),
    )


def build_cloud(
    session: Session, *, servers: list[ServerRow], reserve: Decimal, actor: Actor
) -> int:
    """Create the providers, sites, racks, hosts and subnets (skipped if already there).
    Returns the number of hosts created."""
    if session.scalar(select(Site.id).where(Site.kind == SiteKind.CLOUD).limit(1)) is not None:
        return 0
    providers = {
        code: service.create_provider(
            session, data=ProviderCreate(code=code, name=name, name_en=name_en), actor=actor
        )
        for code, name, name_en in PROVIDERS
    }
    for provider in providers.values():
        service.create_contract(
            session,
            data=ContractCreate(
                provider_id=provider.id,
                reference=f"gc-2026-{provider.code}",
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2028, 12, 31),
                monthly_fee=Decimal("1850000.00"),
                sla_terms=SLA_TERMS,
            ),
            actor=actor,
        )
    sites = {
        code: service.create_site(
            session,
            data=SiteCreate(
                code=code,
                name=name,
                kind=SiteKind.CLOUD,
                provider_id=providers[provider].id,
                address=address,
            ),
            actor=actor,
        )
        for code, name, provider, address in SITES
    }
    plan = _Plan()
    for zone, demand in sorted(unclassified_demand(servers).items()):
        pools = POOLS[zone]
        total = hosts_needed(demand, reserve)
        for index, (provider_code, site_code) in enumerate(pools):
            count = total // len(pools) + (1 if index < total % len(pools) else 0)
            plan.fill(sites[site_code], providers[provider_code], zone, count)
    for n, zone in enumerate(SHARED_ZONES):
        for m, site in enumerate(sites.values()):
            plan.subnets.append(
                {
                    "cidr": f"10.{16 + m}.{n * 4}.0/22",
                    "zone": zone,
                    "vlan": 100 + 10 * m + n,
                    "site_id": site.id,
                    "description": f"{site.code} {zone.value} hosts",
                }
            )
    plan.write(session, actor=actor)
    return len(plan.hosts)


@dataclass
class _Plan:
    """Racks, hosts, switches and subnets, checked in memory, then written in a few bulk
    statements with one audit entry naming everything created."""

    racks: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    hosts: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    subnets: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[tuple[int, str], list[Slot]] = field(default_factory=lambda: defaultdict(list))
    numbers: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    site_codes: dict[tuple[int, str], str] = field(default_factory=dict)

    def tighten_one_feed(self, site_code: str) -> None:
        """The site's first full rack is an older one with a tighter power feed: it draws
        more than its budget, and the capacity pages flag it."""
        for key, code in self.site_codes.items():
            if code == site_code and len(self.slots[key]) == HOSTS_PER_RACK + 2:
                self.racks[key]["power_budget_kw"] = TIGHT_FEED_KW
                return

    def new_rack(self, site: Site) -> tuple[int, str]:
        self.numbers[site.id] += 1
        number = self.numbers[site.id]
        key = (site.id, f"R{number:02d}")
        self.racks[key] = {
            "site_id": site.id,
            "name": key[1],
            "height_u": 42,
            "power_budget_kw": Decimal("12.00"),
        }
        self.site_codes[key] = site.code
        for u in (41, 42):
            self.mount(key, self.devices, _switch(f"{site.code}-r{number:02d}-tor{u - 40}", u))
        return key

    def mount(self, key: tuple[int, str], into: list[dict[str, Any]], row: dict[str, Any]) -> None:
        slot = Slot(row["name"], row["u_position"], row["u_height"], 0)
        problems = slot_collisions(self.racks[key]["height_u"], self.slots[key], slot)
        if problems:
            raise InvalidInput.one("u_position", f"rack {key[1]}: " + "; ".join(problems))
        self.slots[key].append(slot)
        into.append({**row, "site_id": key[0], "rack": key})

    def fill(self, site: Site, provider: Provider, zone: NetworkZone, count: int) -> None:
        if not zone.hosts_shared_capacity:
            raise InvalidInput.one("zone", "the classified intranet may not host shared capacity")
        model = "Inspur NF5280M6" if provider.code == "inspur" else "Huawei FusionServer 2288H V6"
        for n in range(count):
            if n % HOSTS_PER_RACK == 0:
                rack = self.new_rack(site)
            row = {
                "name": f"{site.code}-{zone.value}-{provider.code}-{n + 1:02d}",
                "u_position": 1 + 2 * (n % HOSTS_PER_RACK),
                "u_height": 2,
                "model": model,
                "vcpu": HOST_VCPU,
                "cores": HOST_CORES,
                "memory_gib": HOST_MEMORY_GIB,
                "disk_gib": HOST_DISK_GIB,
                "power_draw_w": HOST_POWER_W,
                "purchase_year": 2025,
                "provider_id": provider.id,
                "zone": zone,
                "max_mlps_level": 3,
                "status": HostStatus.ACTIVE,
            }
            self.mount(rack, self.hosts, row)

    def write(self, session: Session, *, actor: Actor) -> None:
        self.tighten_one_feed("cloud-west")
        bulk_insert(session, Rack, list(self.racks.values()))
        site_ids = sorted({site_id for site_id, _ in self.racks})
        ids = {
            (site_id, name): rack_id
            for rack_id, site_id, name in session.execute(
                select(Rack.id, Rack.site_id, Rack.name).where(Rack.site_id.in_(site_ids))
            )
        }
        for model, rows in ((Host, self.hosts), (Device, self.devices)):
            placed = [
                {**{k: v for k, v in row.items() if k != "rack"}, "rack_id": ids[row["rack"]]}
                for row in rows
            ]
            bulk_insert(session, model, placed)
        bulk_insert(session, Subnet, self.subnets)
        record(
            session,
            actor=actor,
            action="create",
            entity="inventory_bulk",
            entity_id="demo-cloud",
            after={
                "racks": [f"{site_id}/{name}" for site_id, name in self.racks],
                "hosts": [h["name"] for h in self.hosts],
                "devices": [d["name"] for d in self.devices],
                "subnets": [n["cidr"] for n in self.subnets],
            },
        )


def _switch(name: str, u: int) -> dict[str, Any]:
    return {
        "name": name,
        "kind": DeviceKind.NETWORK,
        "u_position": u,
        "u_height": 1,
        "model": "Huawei CE6881",
        "power_draw_w": 180,
        "purchase_year": 2025,
    }
