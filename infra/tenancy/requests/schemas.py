"""Pydantic shapes of requests, items, decisions, approval rules, allocations and usage."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from infra.inventory.enums import NetworkZone
from infra.schemas import InputModel, OutputModel
from infra.tenancy.enums import ResourceClass
from infra.tenancy.requests.enums import (
    ApprovalStage,
    RequestKind,
    RequestState,
    StepStatus,
    UsageLevel,
)

Title = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=2000, strip_whitespace=True)]
ItemName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Group = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", strip_whitespace=True)
]

# Per item (one machine): beyond these it is a typo, or a request for a dedicated cluster.
ITEM_MAXIMUM = {
    "vcpu": 256,
    "memory_gib": 4096,
    "storage_gib": 200_000,
    "public_ip": 64,
    "bandwidth_mbps": 100_000,
}
MAX_ITEMS = 200


class ItemCreate(InputModel):
    name: ItemName = "vm"
    vcpu: int = Field(default=0, ge=0, le=ITEM_MAXIMUM["vcpu"])
    memory_gib: int = Field(default=0, ge=0, le=ITEM_MAXIMUM["memory_gib"])
    storage_gib: int = Field(default=0, ge=0, le=ITEM_MAXIMUM["storage_gib"])
    public_ip: int = Field(default=0, ge=0, le=ITEM_MAXIMUM["public_ip"])
    bandwidth_mbps: int = Field(default=0, ge=0, le=ITEM_MAXIMUM["bandwidth_mbps"])
    zone: NetworkZone
    mlps_level: int = Field(default=2, ge=1, le=4, description="等级保护 level 1–4")
    anti_affinity_group: Group | None = None

    @model_validator(mode="after")
    def _asks_for_something(self) -> ItemCreate:
        if not any(getattr(self, r) for r in ITEM_MAXIMUM):
            raise ValueError("an item must ask for at least one resource")
        return self


class RequestCreate(InputModel):
    department_id: int | None = Field(
        default=None, description="Defaults to the caller's own department"
    )
    title: Title
    justification: Text
    wanted_by: dt.date | None = None
    ends_on: dt.date | None = Field(default=None, description="End of the term; None: open")
    items: list[ItemCreate] = Field(min_length=1, max_length=MAX_ITEMS)
    submit: bool = Field(default=False, description="Submit at once instead of saving a draft")


class ChangeItemCreate(InputModel):
    """Signed deltas for one item of the active request being changed."""

    target_item_id: int
    vcpu: int = Field(default=0, ge=-ITEM_MAXIMUM["vcpu"], le=ITEM_MAXIMUM["vcpu"])
    memory_gib: int = Field(
        default=0, ge=-ITEM_MAXIMUM["memory_gib"], le=ITEM_MAXIMUM["memory_gib"]
    )
    storage_gib: int = Field(
        default=0, ge=-ITEM_MAXIMUM["storage_gib"], le=ITEM_MAXIMUM["storage_gib"]
    )
    public_ip: int = Field(default=0, ge=-ITEM_MAXIMUM["public_ip"], le=ITEM_MAXIMUM["public_ip"])
    bandwidth_mbps: int = Field(
        default=0, ge=-ITEM_MAXIMUM["bandwidth_mbps"], le=ITEM_MAXIMUM["bandwidth_mbps"]
    )


class ChangeCreate(InputModel):
    justification: Text
    items: list[ChangeItemCreate] = Field(min_length=1, max_length=MAX_ITEMS)
    submit: bool = True


class Decision(InputModel):
    note: Annotated[str, StringConstraints(max_length=2000, strip_whitespace=True)] | None = None


class Rejection(InputModel):
    reason: Reason = Field(description="Shown to the department")


class ManualActivation(InputModel):
    reason: Reason = Field(description="Why the capacity is live before its stack deployed")


class Renewal(InputModel):
    ends_on: dt.date


class ItemRead(OutputModel):
    id: int
    name: str
    vcpu: int
    memory_gib: int
    storage_gib: int
    public_ip: int
    bandwidth_mbps: int
    zone: NetworkZone
    mlps_level: int
    anti_affinity_group: str | None
    target_item_id: int | None


class StepRead(OutputModel):
    position: int
    stage: ApprovalStage
    approver_department_id: int | None
    status: StepStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None


class RequestRead(OutputModel):
    id: int
    department_id: int
    kind: RequestKind
    target_request_id: int | None
    title: str
    justification: str
    wanted_by: dt.date | None
    ends_on: dt.date | None
    state: RequestState
    estimated_monthly_cost: decimal.Decimal
    rejection_reason: str | None
    placement_note: str | None
    created_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    placed_at: dt.datetime | None
    closed_at: dt.datetime | None
    items: list[ItemRead]
    steps: list[StepRead]


class HistoryEntry(OutputModel):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None


class ApprovalRuleCreate(InputModel):
    department_id: int | None = None
    stage: ApprovalStage
    position: int = Field(ge=1, le=20)
    min_monthly_cost: decimal.Decimal = Field(default=decimal.Decimal(0), ge=0, max_digits=14)
    min_vcpu: int = Field(default=0, ge=0)


class ApprovalRuleRead(OutputModel):
    id: int
    department_id: int | None
    stage: ApprovalStage
    position: int
    min_monthly_cost: decimal.Decimal
    min_vcpu: int


class AllocationRead(OutputModel):
    id: int
    request_id: int
    item_id: int
    host_id: int
    department_id: int
    zone: NetworkZone
    vcpu: int
    memory_gib: int
    storage_gib: int
    created_at: dt.datetime
    released_at: dt.datetime | None


class UsageRow(OutputModel):
    department_id: int
    department_code: str
    resource: ResourceClass
    zone: NetworkZone
    limit: int
    in_use: int
    reserved: int
    free: int
    percent: decimal.Decimal
    level: UsageLevel


class PlanLineRead(OutputModel):
    request_id: int
    item_id: int
    item_name: str
    host_id: int
    host_name: str
    vcpu: int
    memory_gib: int
    storage_gib: int


class UnplacedItem(OutputModel):
    item_id: int
    reason: str  # in English
    code: str  # the binding constraint (``unplaced_*``), stable for clients that translate


class PlacementPlanRead(OutputModel):
    dry_run: bool
    placed: list[PlanLineRead]
    unplaced: dict[int, list[UnplacedItem]]
    changes_applied: list[int]
    changes_blocked: dict[int, str]
    hosts_used: int
