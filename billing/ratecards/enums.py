"""Vocabulary of rate cards: what is sold, in which unit, on which side of the ledger."""

from __future__ import annotations

from enum import StrEnum


class CardSide(StrEnum):
    """``charge``: what departments pay the cloud office; ``cost``: what a provider is paid."""

    CHARGE = "charge"
    COST = "cost"


class Unit(StrEnum):
    """Every price is per unit-hour; usage is metered in unit-minutes (exact integers)."""

    VCPU_HOUR = "vcpu_hour"
    GIB_HOUR = "gib_hour"
    GPU_HOUR = "gpu_hour"
    SERVER_HOUR = "server_hour"
    INSTANCE_HOUR = "instance_hour"
    IP_HOUR = "ip_hour"
    MBPS_HOUR = "mbps_hour"


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
}

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
}
"""(zh-CN, en) labels beside the values."""
