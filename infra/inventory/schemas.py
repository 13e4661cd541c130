"""Pydantic shapes for the inventory (Create / Update / Read per entity)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from infra.inventory.enums import Carrier, DeviceKind, HostStatus, NetworkZone, SiteKind
from infra.schemas import InputModel, OutputModel

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", max_length=64)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=300)]
Note = Annotated[str, StringConstraints(max_length=200)]
Model = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Year = Annotated[int, Field(ge=1980, le=2100)]
Mlps = Annotated[int, Field(ge=1, le=4, description="等级保护 level 1–4")]


class ProviderCreate(InputModel):
    code: Code
    name: Name
    name_en: Name | None = None
    contact: Note | None = None


class ProviderUpdate(InputModel):
    name: Name | None = None
    name_en: Name | None = None
    contact: Note | None = None


class ProviderRead(OutputModel):
    id: int
    code: str
    name: str
    name_en: str | None
    contact: str | None


class ContractCreate(InputModel):
    provider_id: int
    reference: Code
    starts_on: dt.date
    ends_on: dt.date
    monthly_fee: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    sla_terms: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _term(self) -> ContractCreate:
        if self.ends_on <= self.starts_on:
            raise ValueError("ends_on must come after starts_on")
        return self


class ContractRead(OutputModel):
    id: int
    provider_id: int
    reference: str
    starts_on: dt.date
    ends_on: dt.date
    monthly_fee: Decimal
    sla_terms: dict[str, Any]


class SiteCreate(InputModel):
    code: Code
    name: Name
    kind: SiteKind
    provider_id: int | None = None
    department_id: int | None = None
    address: Text | None = None
    floor_area_m2: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)


class SiteUpdate(InputModel):
    name: Name | None = None
    address: Text | None = None
    floor_area_m2: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)


class SiteRead(OutputModel):
    id: int
    code: str
    name: str
    kind: SiteKind
    provider_id: int | None
    department_id: int | None
    address: str | None
    floor_area_m2: Decimal | None


class RackCreate(InputModel):
    site_id: int
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    height_u: int = Field(default=42, ge=1, le=60)
    power_budget_kw: Decimal = Field(ge=0, le=200, max_digits=6, decimal_places=2)


class RackRead(OutputModel):
    id: int
    site_id: int
    name: str
    height_u: int
    power_budget_kw: Decimal


class Mounting(InputModel):
    rack_id: int | None = None
    u_position: int | None = Field(default=None, ge=1, le=60)
    u_height: int = Field(default=1, ge=1, le=10)


class HostCreate(Mounting):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    site_id: int
    model: Model
    vcpu: int = Field(ge=1, le=4096)
    cores: int = Field(ge=1, le=2048)
    memory_gib: int = Field(ge=1, le=65_536)
    disk_gib: int = Field(ge=0, le=10_000_000)
    power_draw_w: int = Field(default=0, ge=0, le=50_000)
    purchase_year: Year
    provider_id: int | None = None
    department_id: int | None = None
    zone: NetworkZone
    max_mlps_level: Mlps = 2
    status: HostStatus = HostStatus.ACTIVE


class HostUpdate(InputModel):
    status: HostStatus | None = None
    max_mlps_level: Mlps | None = None
    power_draw_w: int | None = Field(default=None, ge=0, le=50_000)


class HostRead(OutputModel):
    id: int
    name: str
    site_id: int
    rack_id: int | None
    u_position: int | None
    u_height: int
    model: str
    vcpu: int
    cores: int
    memory_gib: int
    disk_gib: int
    power_draw_w: int
    purchase_year: int
    provider_id: int | None
    department_id: int | None
    zone: NetworkZone
    max_mlps_level: int
    status: HostStatus


class DeviceCreate(Mounting):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    kind: DeviceKind
    site_id: int
    model: Model
    power_draw_w: int = Field(default=0, ge=0, le=50_000)
    purchase_year: Year
    department_id: int | None = None


class DeviceRead(OutputModel):
    id: int
    name: str
    kind: DeviceKind
    site_id: int
    rack_id: int | None
    u_position: int | None
    u_height: int
    model: str
    power_draw_w: int
    purchase_year: int
    department_id: int | None


class ApplicationCreate(InputModel):
    code: Code
    name: Name
    department_id: int
    zone: NetworkZone
    mlps_level: Mlps = 2
    site_id: int | None = None


class ApplicationRead(OutputModel):
    id: int
    code: str
    name: str
    department_id: int
    zone: NetworkZone
    mlps_level: int
    site_id: int | None


class SubnetCreate(InputModel):
    cidr: Annotated[str, StringConstraints(min_length=3, max_length=43)]
    zone: NetworkZone
    vlan: int | None = Field(default=None, ge=1, le=4094)
    site_id: int | None = None
    description: Note | None = None


class SubnetCarve(InputModel):
    """Ask for the next free prefix of a given length inside a parent block."""

    parent_cidr: Annotated[str, StringConstraints(min_length=3, max_length=43)]
    prefixlen: int = Field(ge=8, le=128)
    zone: NetworkZone
    vlan: int | None = Field(default=None, ge=1, le=4094)
    site_id: int | None = None
    description: Note | None = None


class SubnetRead(OutputModel):
    id: int
    cidr: str
    zone: NetworkZone
    vlan: int | None
    site_id: int | None
    description: str | None


class IpAllocate(InputModel):
    address: Annotated[str, StringConstraints(max_length=39)] | None = None
    host_id: int | None = None
    description: Note | None = None


class IpRead(OutputModel):
    id: int
    subnet_id: int
    address: str
    host_id: int | None
    description: str | None


class CarrierLinkCreate(InputModel):
    circuit_id: Code
    carrier: Carrier
    bandwidth_mbps: int = Field(ge=1, le=1_000_000)
    a_site_id: int
    z_end: Name
    zone: NetworkZone
    department_id: int | None = None
    monthly_cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class CarrierLinkRead(OutputModel):
    id: int
    circuit_id: str
    carrier: Carrier
    bandwidth_mbps: int
    a_site_id: int
    z_end: str
    zone: NetworkZone
    department_id: int | None
    monthly_cost: Decimal
