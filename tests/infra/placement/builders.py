"""Small builders for placement tests: hosts and items with sensible defaults."""

from __future__ import annotations

from infra.inventory.enums import NetworkZone
from infra.placement import HostBin, Item

EXTRANET = NetworkZone.EXTRANET


def host(
    host_id: int,
    *,
    rack: int = 1,
    zone: NetworkZone = EXTRANET,
    level: int = 3,
    size: tuple[int, int, int] = (64, 256, 2048),
    draw: int = 400,
    on: bool = False,
) -> HostBin:
    return HostBin(host_id, rack, zone, level, *size, power_draw_w=draw, powered_on=on)


def item(
    item_id: int,
    size: tuple[int, int, int] = (4, 16, 100),
    *,
    zone: NetworkZone = EXTRANET,
    level: int = 2,
    group: str | None = None,
) -> Item:
    return Item(item_id, *size, zone=zone, mlps_level=level, anti_affinity_group=group)
