"""Resource requests, their items and approval steps, approval rules, and allocations."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from infra.database import Base, Exact, UTCDateTime, utcnow
from infra.enums import enum_column
from infra.inventory.enums import NetworkZone
from infra.tenancy.requests.enums import ApprovalStage, RequestKind, RequestState, StepStatus

# The five quantities an item asks for; the same names as infra.tenancy.enums.ResourceClass.
QUANTITIES = ("vcpu", "memory_gib", "storage_gib", "public_ip", "bandwidth_mbps")


class ResourceRequest(Base):
    """A department's request for capacity (or, ``kind=change``, to resize an active one)."""

    __tablename__ = "resource_requests"
    __table_args__ = (
        UniqueConstraint("created_by_id", "idempotency_key"),
        Index("ix_resource_requests_department_state", "department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind), default=RequestKind.NEW)
    target_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_requests.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    justification: Mapped[str] = mapped_column(Text)
    wanted_by: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[RequestState] = mapped_column(
        enum_column(RequestState), default=RequestState.DRAFT, index=True
    )
    estimated_monthly_cost: Mapped[decimal.Decimal] = mapped_column(Exact(14, 2))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Why the last placement attempt left items unplaced (item id -> reason), for the pages.
    placement_note: Mapped[str | None] = mapped_column(Text)
    reminded_days: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    placed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    items: Mapped[list[RequestItem]] = relationship(
        back_populates="request", order_by="RequestItem.id", cascade="all, delete-orphan"
    )
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="request", order_by="ApprovalStep.position", cascade="all, delete-orphan"
    )

    def waiting_step(self) -> ApprovalStep | None:
        """The first step still waiting for a signature, if the request is submitted."""
        if self.state is not RequestState.SUBMITTED:
            return None
        return next((s for s in self.steps if s.status is StepStatus.WAITING), None)


class RequestItem(Base):
    """One machine's worth of capacity.  In a change request the quantities are signed deltas
    against ``target_item_id``."""

    __tablename__ = "request_items"
    __table_args__ = (CheckConstraint("mlps_level BETWEEN 1 AND 4", name="mlps_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("resource_requests.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    vcpu: Mapped[int] = mapped_column(Integer, default=0)
    memory_gib: Mapped[int] = mapped_column(Integer, default=0)
    storage_gib: Mapped[int] = mapped_column(Integer, default=0)
    public_ip: Mapped[int] = mapped_column(Integer, default=0)
    bandwidth_mbps: Mapped[int] = mapped_column(Integer, default=0)
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone))
    mlps_level: Mapped[int] = mapped_column(Integer, default=2)
    anti_affinity_group: Mapped[str | None] = mapped_column(String(64))
    target_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_items.id", ondelete="RESTRICT"), index=True
    )

    request: Mapped[ResourceRequest] = relationship(back_populates="items")

    def quantity(self, resource: str) -> int:
        value: int = getattr(self, resource)
        return value


class ApprovalStep(Base):
    """One signature in a request's chain, fixed when the request is submitted."""

    __tablename__ = "approval_steps"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("resource_requests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[ApprovalStage] = mapped_column(enum_column(ApprovalStage), index=True)
    # The department whose admin signs (section head, department admin); None for the office.
    approver_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[StepStatus] = mapped_column(
        enum_column(StepStatus), default=StepStatus.WAITING, index=True
    )
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[ResourceRequest] = relationship(back_populates="steps")


class ApprovalRule(Base):
    """A stage of the approval chain for a department (None: every department without rules
    of its own), applied when the request is at least this big."""

    __tablename__ = "approval_rules"
    __table_args__ = (
        UniqueConstraint("department_id", "stage"),
        CheckConstraint("min_monthly_cost >= 0 AND min_vcpu >= 0", name="thresholds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[ApprovalStage] = mapped_column(enum_column(ApprovalStage))
    position: Mapped[int] = mapped_column(Integer)
    min_monthly_cost: Mapped[decimal.Decimal] = mapped_column(Exact(14, 2), default=0)
    min_vcpu: Mapped[int] = mapped_column(Integer, default=0)


class Allocation(Base):
    """Capacity of one request item held on one host; ``released_at`` set when given back."""

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint("vcpu >= 0 AND memory_gib >= 0 AND storage_gib >= 0", name="sizes"),
        Index("ix_allocations_host_open", "host_id", "released_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("resource_requests.id", ondelete="RESTRICT"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("request_items.id", ondelete="RESTRICT"), index=True
    )
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="RESTRICT"))
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    zone: Mapped[NetworkZone] = mapped_column(enum_column(NetworkZone))
    vcpu: Mapped[int] = mapped_column(Integer)
    memory_gib: Mapped[int] = mapped_column(Integer)
    storage_gib: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
