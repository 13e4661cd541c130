"""A deterministic demo city shaped on a real city's published survey of its legacy estate.

The figures in :data:`FIGURES` are reproduced exactly (a test checks each one): 92 machine
rooms totalling 4,358.75 m²; 994 devices (454 servers, 64 storage, 476 network/security),
54.9 % bought before 2013 and 70.7 % before 2015 — both shares of all 994 devices, servers
included, rounded to one decimal: 546 and 703 devices; 206 applications (80 on the internet, 8 on
the extranet, 29 on the classified intranet, 89 on business private networks); 333 carrier
lines totalling 8.8 Gbit/s (258 China Unicom, 45 China Mobile, 28 China Telecom,
1 broadcasting — the published breakdown sums to 332, so the 333rd line is "other").

The generator only emits survey rows (see survey.py); loading goes through the importer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from infra.inventory.enums import Carrier, DeviceKind, NetworkZone
from infra.inventory.survey import (
    ApplicationRow,
    DeviceRow,
    LineRow,
    RoomRow,
    ServerRow,
    SurveyRow,
)

SEED = 20_130_101


@dataclass(frozen=True)
class CityFigures:
    rooms: int = 92
    room_area_m2: Decimal = Decimal("4358.75")
    servers: int = 454
    storage_devices: int = 64
    network_security_devices: int = 476
    bought_before_2013: int = 546  # 54.9 % of 994
    bought_before_2015: int = 703  # 70.7 % of 994
    applications: dict[NetworkZone, int] = field(
        default_factory=lambda: {
            NetworkZone.INTERNET: 80,
            NetworkZone.EXTRANET: 8,
            NetworkZone.INTRANET: 29,
            NetworkZone.PRIVATE: 89,
        }
    )
    lines: dict[Carrier, int] = field(
        default_factory=lambda: {
            Carrier.CHINA_UNICOM: 258,
            Carrier.CHINA_MOBILE: 45,
            Carrier.CHINA_TELECOM: 28,
            Carrier.CHINA_BROADNET: 1,
            Carrier.OTHER: 1,
        }
    )
    line_bandwidth_mbps: int = 8_800

    @property
    def devices(self) -> int:
        return self.servers + self.storage_devices + self.network_security_devices


FIGURES = CityFigures()

# Departments that run classified (电子政务内网) systems.
CLASSIFIED_OWNERS = ("gov-office", "police", "development-reform", "finance", "justice")

SERVER_MODELS = (
    "IBM System x3650 M3",
    "HP ProLiant DL380 G7",
    "Dell PowerEdge R710",
    "Inspur NF5270M4",
    "Huawei RH2288 V3",
    "Sugon I620-G20",
    "Lenovo SR650",
    "H3C UniServer R4900 G3",
)
STORAGE_MODELS = ("EMC VNX5300", "NetApp FAS2240", "Huawei OceanStor 5300", "IBM DS3524")
NETWORK_MODELS = ("Cisco Catalyst 3750", "H3C S5130", "Huawei S5720", "Ruijie RG-S5750")
SECURITY_MODELS = ("Hillstone SG-6000", "Topsec NGFW4000", "Venustech USG", "Sangfor AF-1000")
LINE_UNIT_PRICE = {  # CNY per Mbps per month, plus a fixed port fee
    Carrier.CHINA_UNICOM: Decimal("28"),
    Carrier.CHINA_MOBILE: Decimal("25"),
    Carrier.CHINA_TELECOM: Decimal("30"),
    Carrier.CHINA_BROADNET: Decimal("22"),
    Carrier.OTHER: Decimal("35"),
}
LINE_MENU_MBPS = (2, 4, 8, 10, 10, 20, 20, 20, 30, 50, 100)
Z_ENDS = {
    NetworkZone.INTERNET: "互联网出口",
    NetworkZone.EXTRANET: "电子政务外网汇聚节点",
    NetworkZone.INTRANET: "电子政务内网汇聚节点",
    NetworkZone.PRIVATE: "业务专网上级节点",
}


def _split_exact(rng: random.Random, total: int, parts: int, low: int) -> list[int]:
    """``parts`` positive integers, each at least ``low``, summing exactly to ``total``."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(parts)]
    spare = total - low * parts
    shares = [int(spare * w / sum(weights)) for w in weights]
    shares[rng.randrange(parts)] += spare - sum(shares)
    return [low + share for share in shares]


APP_KINDS = (
    "政务服务系统",
    "办公自动化系统",
    "数据共享平台",
    "业务审批系统",
    "信息发布网站",
    "档案管理系统",
    "视频会商系统",
    "监管执法平台",
)


def _rooms(rng: random.Random, departments: list[str], names: Mapping[str, str]) -> list[RoomRow]:
    owners = list(departments) + [
        rng.choice(departments) for _ in range(FIGURES.rooms - len(departments))
    ]
    rng.shuffle(owners)
    hundredths = _split_exact(rng, int(FIGURES.room_area_m2 * 100), FIGURES.rooms, 800)
    return [
        RoomRow(
            code=f"room-{n:03d}",
            department=owner,
            name=f"{names.get(owner, owner)}机房 {n}",
            floor_area_m2=Decimal(area) / 100,
        )
        for n, (owner, area) in enumerate(zip(owners, hundredths, strict=True), start=1)
    ]


def _applications(
    rng: random.Random, rooms: list[RoomRow], names: Mapping[str, str]
) -> list[ApplicationRow]:
    by_department: dict[str, list[RoomRow]] = {}
    for room in rooms:
        by_department.setdefault(room.department, []).append(room)
    classified = [d for d in CLASSIFIED_OWNERS if d in by_department] or list(by_department)
    apps = []
    n = 0
    for zone, count in FIGURES.applications.items():
        for _ in range(count):
            n += 1
            owners = classified if zone is NetworkZone.INTRANET else list(by_department)
            department = rng.choice(owners)
            room = rng.choice(by_department[department])
            level = 3 if zone is NetworkZone.INTRANET else rng.choice((2, 2, 2, 3))
            apps.append(
                ApplicationRow(
                    code=f"app-{n:03d}",
                    department=department,
                    name=f"{names.get(department, department)}{APP_KINDS[n % len(APP_KINDS)]} {n}",
                    zone=zone,
                    mlps_level=level,
                    room=room.code,
                )
            )
    return apps


def _purchase_years(rng: random.Random) -> list[int]:
    before_2013 = FIGURES.bought_before_2013
    in_2013_2014 = FIGURES.bought_before_2015 - before_2013
    later = FIGURES.devices - FIGURES.bought_before_2015
    years = (
        [rng.randint(2004, 2012) for _ in range(before_2013)]
        + [rng.randint(2013, 2014) for _ in range(in_2013_2014)]
        + [rng.randint(2015, 2023) for _ in range(later)]
    )
    rng.shuffle(years)
    return years


def _servers(rng: random.Random, apps: list[ApplicationRow], years: list[int]) -> list[ServerRow]:
    owners = list(apps) + [rng.choice(apps) for _ in range(FIGURES.servers - len(apps))]
    servers = []
    for n, app in enumerate(owners, start=1):
        cores = rng.choice((4, 4, 6, 8, 8, 12, 16))
        servers.append(
            ServerRow(
                name=f"srv-{n:03d}",
                room=app.room or "",
                application=app.code,
                model=rng.choice(SERVER_MODELS),
                vcpu=cores * 2,
                cores=cores,
                memory_gib=rng.choice((8, 16, 16, 32, 32, 64)),
                disk_gib=rng.choice((146, 300, 600, 600, 900, 1200)),
                power_draw_w=rng.randint(280, 650),
                purchase_year=years[n - 1],
                zone=app.zone,
            )
        )
    return servers


def _devices(rng: random.Random, rooms: list[RoomRow], years: list[int]) -> list[DeviceRow]:
    kinds = (
        [DeviceKind.STORAGE] * FIGURES.storage_devices
        + [DeviceKind.NETWORK] * 318
        + [DeviceKind.SECURITY] * (FIGURES.network_security_devices - 318)
    )
    models = {
        DeviceKind.STORAGE: STORAGE_MODELS,
        DeviceKind.NETWORK: NETWORK_MODELS,
        DeviceKind.SECURITY: SECURITY_MODELS,
    }
    return [
        DeviceRow(
            name=f"dev-{n:03d}",
            room=rng.choice(rooms).code,
            device_type=kind,
            model=rng.choice(models[kind]),
            power_draw_w=rng.randint(60, 900),
            purchase_year=year,
        )
        for n, (kind, year) in enumerate(zip(kinds, years, strict=True), start=1)
    ]


def _lines(rng: random.Random, rooms: list[RoomRow]) -> list[LineRow]:
    carriers = [c for c, count in FIGURES.lines.items() for _ in range(count)]
    rng.shuffle(carriers)
    speeds = [rng.choice(LINE_MENU_MBPS) for _ in carriers]
    # Bring the total to the published figure by nudging the fastest lines.
    gap = FIGURES.line_bandwidth_mbps - sum(speeds)
    order = sorted(range(len(speeds)), key=lambda i: -speeds[i])
    step = 0
    while gap:
        i = order[step % len(order)]
        delta = max(-(speeds[i] - 2), min(gap, 100)) if gap > 0 else max(gap, -(speeds[i] - 2))
        speeds[i] += delta
        gap -= delta
        step += 1
    zones = (NetworkZone.EXTRANET, NetworkZone.EXTRANET, NetworkZone.PRIVATE, NetworkZone.INTERNET)
    lines = []
    for n, (carrier, mbps) in enumerate(zip(carriers, speeds, strict=True), start=1):
        zone = rng.choice(zones)
        lines.append(
            LineRow(
                circuit_id=f"ckt-{n:04d}",
                carrier=carrier,
                bandwidth_mbps=mbps,
                room=rng.choice(rooms).code,
                z_end=Z_ENDS[zone],
                zone=zone,
                monthly_cost=LINE_UNIT_PRICE[carrier] * mbps + Decimal(500),
            )
        )
    return lines


@dataclass(frozen=True)
class CitySurvey:
    rooms: list[RoomRow]
    applications: list[ApplicationRow]
    servers: list[ServerRow]
    devices: list[DeviceRow]
    lines: list[LineRow]

    def by_kind(self) -> dict[str, list[SurveyRow]]:
        """Rows per survey kind, in import order."""
        return {
            "rooms": list(self.rooms),
            "applications": list(self.applications),
            "servers": list(self.servers),
            "devices": list(self.devices),
            "lines": list(self.lines),
        }


def generate_survey(
    departments: list[str], *, names: Mapping[str, str] | None = None, seed: int = SEED
) -> CitySurvey:
    """The demo city's legacy estate as survey rows, the same for the same inputs
    (``departments`` are codes; ``names`` the departments' names for the rows' labels)."""
    if not departments:
        raise ValueError("the demo city needs at least one department")
    rng = random.Random(seed)
    rooms = _rooms(rng, sorted(departments), names or {})
    apps = _applications(rng, rooms, names or {})
    years = _purchase_years(rng)
    servers = _servers(rng, apps, years[: FIGURES.servers])
    devices = _devices(rng, rooms, years[FIGURES.servers :])
    return CitySurvey(rooms, apps, servers, devices, _lines(rng, rooms))
