"""Inventory vocabulary shared by every floor (zones are where quotas and capacity live)."""

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


class SiteKind(StrEnum):
    CLOUD = "cloud"  # a shared-cloud site run by a provider
    LEGACY_ROOM = "legacy_room"  # a department's own machine room, to be emptied


class HostStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class DeviceKind(StrEnum):
    STORAGE = "storage"
    NETWORK = "network"
    SECURITY = "security"


class Carrier(StrEnum):
    CHINA_UNICOM = "china_unicom"
    CHINA_MOBILE = "china_mobile"
    CHINA_TELECOM = "china_telecom"
    CHINA_BROADNET = "china_broadnet"  # 中国广电 (broadcasting)
    OTHER = "other"


MLPS_LEVELS = (1, 2, 3, 4)  # 等级保护 levels a system may be graded at (5 is not civilian)
