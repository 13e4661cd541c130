"""Inventory vocabulary shared by every floor (zones are where quotas and capacity live)."""

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled

# Re-exported: zones moved below tenancy and inventory (infra/zones.py).
from infra.zones import SHARED_ZONES as SHARED_ZONES
from infra.zones import NetworkZone as NetworkZone


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


ZONE_LABELS: Final[dict[NetworkZone, str]] = labelled(
    {
        NetworkZone.INTERNET: N_("Internet zone"),
        NetworkZone.EXTRANET: N_("E-government extranet"),
        NetworkZone.PRIVATE: N_("Private business network"),
        NetworkZone.INTRANET: N_("E-government intranet (classified)"),
    }
)


SITE_KIND_LABELS: Final[dict[SiteKind, str]] = labelled(
    {
        SiteKind.CLOUD: N_("Shared-cloud site"),
        SiteKind.LEGACY_ROOM: N_("Legacy machine room"),
    }
)


HOST_STATUS_LABELS: Final[dict[HostStatus, str]] = labelled(
    {
        HostStatus.PLANNED: N_("Planned"),
        HostStatus.ACTIVE: N_("Active"),
        HostStatus.MAINTENANCE: N_("In maintenance"),
        HostStatus.RETIRED: N_("Retired"),
    }
)


DEVICE_KIND_LABELS: Final[dict[DeviceKind, str]] = labelled(
    {
        DeviceKind.STORAGE: N_("Storage"),
        DeviceKind.NETWORK: N_("Network equipment"),
        DeviceKind.SECURITY: N_("Security equipment"),
    }
)


CARRIER_LABELS: Final[dict[Carrier, str]] = labelled(
    {
        Carrier.CHINA_UNICOM: N_("China Unicom"),
        Carrier.CHINA_MOBILE: N_("China Mobile"),
        Carrier.CHINA_TELECOM: N_("China Telecom"),
        Carrier.CHINA_BROADNET: N_("China Broadnet"),
        Carrier.OTHER: N_("Other carrier"),
    }
)


class SlaTerm(StrEnum):
    """The figures a contract's ``sla_terms`` may promise (read by monitoring's incident
    targets); ``severities`` holds the same keys per severity (``{"P1": {...}}``)."""

    AVAILABILITY_PCT = "availability_pct"
    RESPONSE_MINUTES = "response_minutes"
    RECOVERY_MINUTES = "recovery_minutes"
    RECOVERY_HOURS = "recovery_hours"
    SEVERITIES = "severities"


SLA_TERM_LABELS: Final[dict[SlaTerm, str]] = labelled(
    {
        SlaTerm.AVAILABILITY_PCT: N_("Availability (%)"),
        SlaTerm.RESPONSE_MINUTES: N_("Response within (minutes)"),
        SlaTerm.RECOVERY_MINUTES: N_("Recovery within (minutes)"),
        SlaTerm.RECOVERY_HOURS: N_("Recovery within (hours)"),
        SlaTerm.SEVERITIES: N_("Per severity"),
    }
)
