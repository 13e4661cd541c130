"""Network zones: a ground-floor notion that quotas, requests, inventory and stacks share
(so tenancy need not import inventory to name one)."""

from __future__ import annotations

from enum import StrEnum


class NetworkZone(StrEnum):
    """China's e-government network zones.

    ``INTRANET`` (电子政务内网, classified) is recorded in the inventory but may never host
    shared-cloud capacity: no quota, request or placement may name it.
    """

    INTERNET = "internet"  # 互联网区
    EXTRANET = "extranet"  # 电子政务外网
    PRIVATE = "private"  # 业务专网
    INTRANET = "intranet"  # 电子政务内网 (classified)

    @property
    def hosts_shared_capacity(self) -> bool:
        return self is not NetworkZone.INTRANET


SHARED_ZONES = tuple(zone for zone in NetworkZone if zone.hosts_shared_capacity)
