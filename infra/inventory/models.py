"""What the cloud office owns and what it must absorb: providers, sites, racks, hosts,
devices, legacy applications, subnets, addresses and carrier links."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.inventory.enums import Carrier, DeviceKind, HostStatus, NetworkZone, SiteKind
from infra.tenancy.scope import DepartmentOwned, OwnedThrough, ProviderDirectory, ProviderOwned


class Provider(ProviderDirectory, Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Contract(ProviderOwned, Base):
    """A provider's service contract; ``sla_terms`` holds the promised figures as data."""

    __tablename__ = "contracts"
    __table_args__ = (CheckConstraint("ends_on > starts_on", name="term_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    monthly_fee: Mapped[decimal.Decimal] = mapped_column(Exact(16, 2))
    sla_terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Site(DepartmentOwned, ProviderOwned, Base):
    """A shared-cloud site (run by a provider) or a department's legacy machine room."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind] = mapped_column(enum_column(SiteKind))
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(300))
    floor_area_m2: Mapped[decimal.Decimal | None] = mapped_column(Exact(12, 2))


class Rack(OwnedThrough, Base):
    __tablename__ = "racks"
    __scope_parent__ = ("site_id", Site)
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("height_u BETWEEN 1 AND 60", name="height_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    height_u: Mapped[int] = mapped_column(Integer, default=42)
    power_budget_kw: Mapped[decimal.Decimal] = mapped_column(Exact(8, 2))

    site: Mapped[Site] = relationship()


class Host(DepartmentOwned, ProviderOwned, Base):
    """A server: a shared-cloud host in a provider's rack, or a legacy server in a
    department's room.  ``max_mlps_level`` is the highest 等级保护 level it may carry."""

    __tablename__ = "hosts"
    __table_args__ = (
        CheckConstraint(
            "vcpu > 0 AND cores > 0 AND memory_gib > 0 AND disk_gib >= 0", name="sizes"
        ),
        CheckConstraint("max_mlps_level BETWEEN 1 AND 4", name="mlps_range"),
        CheckConstraint("u_height BETWEEN 1 AND 10", name="u_height_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    rack_id: Mapped[int | None] = mapped_column(
        ForeignKey("racks.id", ondelete="RESTRICT"), index=True
    )
    u_position: Mapped[int | None] = mapped_column(Integer)
    u_height: Mapped[int] = mapped_column(Integer, default=1)
    model: Mapped[str] = mapped_column(String(100))
    vcpu: Mapped[int] = mapped_column(Integer)
    cores: Mapped[int] = mapped_column(Integer)
    memory_gib: Mapped[int] = mapped_column(Integer)
    disk_gib: Mapped[int] = mapped_column(Integer)
    power_draw_w: Mapped[int] = mapped_column(Integer, default=0)
    purchase_year: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("providers.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone), index=True)
    max_mlps_level: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[HostStatus] = mapped_column(enum_column(HostStatus), default=HostStatus.ACTIVE)
    # A legacy server serves one application (the unit that is migrated).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )

    site: Mapped[Site] = relationship()
    rack: Mapped[Rack | None] = relationship()


class Device(DepartmentOwned, Base):
    """Storage, network and security equipment (mostly the legacy estate's)."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[DeviceKind] = mapped_column(enum_column(DeviceKind))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    rack_id: Mapped[int | None] = mapped_column(
        ForeignKey("racks.id", ondelete="RESTRICT"), index=True
    )
    u_position: Mapped[int | None] = mapped_column(Integer)
    u_height: Mapped[int] = mapped_column(Integer, default=1)
    model: Mapped[str] = mapped_column(String(100))
    power_draw_w: Mapped[int] = mapped_column(Integer, default=0)
    purchase_year: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )


class Application(DepartmentOwned, Base):
    """A department's legacy application, by the network it runs on."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone), index=True)
    mlps_level: Mapped[int] = mapped_column(Integer, default=2)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )


class Subnet(Base):
    __tablename__ = "subnets"
    __table_args__ = (
        UniqueConstraint("zone", "cidr"),
        CheckConstraint("vlan IS NULL OR vlan BETWEEN 1 AND 4094", name="vlan_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cidr: Mapped[str] = mapped_column(String(43))
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone), index=True)
    vlan: Mapped[int | None] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str | None] = mapped_column(String(200))


class IpAddress(Base):
    __tablename__ = "ip_addresses"
    __table_args__ = (UniqueConstraint("subnet_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subnet_id: Mapped[int] = mapped_column(
        ForeignKey("subnets.id", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str] = mapped_column(String(39))
    host_id: Mapped[int | None] = mapped_column(
        ForeignKey("hosts.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str | None] = mapped_column(String(200))


class CarrierLink(DepartmentOwned, Base):
    """A leased line from a carrier (the legacy estate's private lines, the cloud's uplinks)."""

    __tablename__ = "carrier_links"
    __table_args__ = (CheckConstraint("bandwidth_mbps > 0", name="bandwidth_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circuit_id: Mapped[str] = mapped_column(String(64), unique=True)
    carrier: Mapped[Carrier] = mapped_column(enum_column(Carrier), index=True)
    bandwidth_mbps: Mapped[int] = mapped_column(Integer)
    a_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    z_end: Mapped[str] = mapped_column(String(200))
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    monthly_cost: Mapped[decimal.Decimal] = mapped_column(Exact(12, 2))
