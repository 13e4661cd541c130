"""Vocabulary of rate cards: what is sold, in which unit, on which side of the ledger."""

from __future__ import annotations

from enum import StrEnum


class CardSide(StrEnum):
    """``charge``: what departments pay the cloud office; ``cost``: what a provider is paid."""

    CHARGE = "charge"
    COST = "cost"


class Unit(StrEnum):
    """A price is per unit; usage is metered in sixtieths of the unit (exact integers).

    For the time units (``*_hour``) a sixtieth is a unit-minute.  For ``gb`` (egress, 10⁹
    bytes, as carriers count) a sixtieth is 1/60 GB: the one convention lets the rating
    processor price time and volume alike (amount = sixtieths × price / 60)."""

    VCPU_HOUR = "vcpu_hour"
    GIB_HOUR = "gib_hour"
    GPU_HOUR = "gpu_hour"
    SERVER_HOUR = "server_hour"
    INSTANCE_HOUR = "instance_hour"
    IP_HOUR = "ip_hour"
    MBPS_HOUR = "mbps_hour"
    GB = "gb"


class UsageBasis(StrEnum):
    """How a price line's quantity is found — stated per line in the card, never implied.

    ``provisioned``: what the allocation was granted, for as long as it held it (every held
    service; bandwidth bought as a fixed rate, 包月固定带宽).  ``measured``: what monitoring saw
    the hosts do (egress volume; bandwidth as the month's 95th-percentile rate, 月95计费); see
    ``billing/metering/traffic.py`` for the rules."""

    PROVISIONED = "provisioned"
    MEASURED = "measured"


class ServiceType(StrEnum):
    ECS_VCPU = "ecs_vcpu"
    ECS_MEMORY = "ecs_memory"
    GPU = "gpu"
    BARE_METAL = "bare_metal"
    BLOCK_SSD = "block_ssd"
    BLOCK_HDD = "block_hdd"
    OBJECT_STORAGE = "object_storage"
    RDS = "rds"
    EIP = "eip"
    SLB = "slb"
    BANDWIDTH = "bandwidth"
    EGRESS = "egress"

    @property
    def unit(self) -> Unit:
        return SERVICE_UNITS[self]

    @property
    def category(self) -> str:
        """FOCUS ServiceCategory."""
        return SERVICE_CATEGORIES[self]


SERVICE_UNITS: dict[ServiceType, Unit] = {
    ServiceType.ECS_VCPU: Unit.VCPU_HOUR,
    ServiceType.ECS_MEMORY: Unit.GIB_HOUR,
    ServiceType.GPU: Unit.GPU_HOUR,
    ServiceType.BARE_METAL: Unit.SERVER_HOUR,
    ServiceType.BLOCK_SSD: Unit.GIB_HOUR,
    ServiceType.BLOCK_HDD: Unit.GIB_HOUR,
    ServiceType.OBJECT_STORAGE: Unit.GIB_HOUR,
    ServiceType.RDS: Unit.INSTANCE_HOUR,
    ServiceType.EIP: Unit.IP_HOUR,
    ServiceType.SLB: Unit.INSTANCE_HOUR,
    ServiceType.BANDWIDTH: Unit.MBPS_HOUR,
    ServiceType.EGRESS: Unit.GB,
}

MEASURABLE: frozenset[ServiceType] = frozenset({ServiceType.BANDWIDTH, ServiceType.EGRESS})
"""Services a card line may bill as measured; egress can only be measured."""
ONLY_MEASURED: frozenset[ServiceType] = frozenset({ServiceType.EGRESS})

SERVICE_CATEGORIES: dict[ServiceType, str] = {
    ServiceType.ECS_VCPU: "Compute",
    ServiceType.ECS_MEMORY: "Compute",
    ServiceType.GPU: "Compute",
    ServiceType.BARE_METAL: "Compute",
    ServiceType.BLOCK_SSD: "Storage",
    ServiceType.BLOCK_HDD: "Storage",
    ServiceType.OBJECT_STORAGE: "Storage",
    ServiceType.RDS: "Databases",
    ServiceType.EIP: "Networking",
    ServiceType.SLB: "Networking",
    ServiceType.BANDWIDTH: "Networking",
    ServiceType.EGRESS: "Networking",
}

SERVICE_LABELS: dict[ServiceType, tuple[str, str]] = {
    ServiceType.ECS_VCPU: ("云服务器 vCPU", "ECS vCPU"),
    ServiceType.ECS_MEMORY: ("云服务器内存", "ECS memory"),
    ServiceType.GPU: ("GPU 云服务器", "GPU"),
    ServiceType.BARE_METAL: ("裸金属服务器", "Bare metal"),
    ServiceType.BLOCK_SSD: ("云硬盘 SSD", "Block storage SSD"),
    ServiceType.BLOCK_HDD: ("云硬盘 HDD", "Block storage HDD"),
    ServiceType.OBJECT_STORAGE: ("对象存储", "Object storage"),
    ServiceType.RDS: ("云数据库 RDS", "RDS"),
    ServiceType.EIP: ("弹性公网 IP", "Elastic IP"),
    ServiceType.SLB: ("负载均衡", "Load balancer"),
    ServiceType.BANDWIDTH: ("带宽", "Bandwidth"),
    ServiceType.EGRESS: ("公网出流量", "Internet egress"),
}
BASIS_LABELS: dict[UsageBasis, tuple[str, str]] = {
    UsageBasis.PROVISIONED: ("按开通量", "as provisioned"),
    UsageBasis.MEASURED: ("按实测", "as measured"),
}
"""(zh-CN, en) labels beside the values."""
