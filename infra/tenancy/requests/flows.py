"""Placement of approved requests: inventory → free room → ``infra.placement.place`` →
verified → allocations persisted → requests placed; and change requests applied in place.

A request is placed whole or not at all: when any of its items finds no host, the request
stays *approved* with each item's binding constraint in ``placement_note``, and the packing is
recomputed without it so its items hold no room in the plan.  Every plan is checked by the
independent verifier before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import serialize_on
from infra.inventory.capacity import HostSize, allocatable
from infra.inventory.enums import HostStatus, SiteKind
from infra.inventory.models import Device, Host, Rack, Site
from infra.placement import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
    UnplacedReason,
    place,
    verify,
)
from infra.tenancy.requests.enums import RequestAction, RequestKind, RequestState
from infra.tenancy.requests.models import QUANTITIES, Allocation, ResourceRequest
from infra.tenancy.requests.queries import allocated_by_host
from infra.tenancy.requests.schemas import PlacementPlanRead, PlanLineRead, UnplacedItem
from infra.tenancy.requests.service import ENTITY, transition

MAX_ROUNDS = 50


@dataclass(frozen=True)
class PlanLine:
    request_id: int
    item_id: int
    item_name: str
    host_id: int
    host_name: str
    vcpu: int
    memory_gib: int
    storage_gib: int


@dataclass
class PlacementPlan:
    placed: list[PlanLine] = field(default_factory=list)
    # request id -> [(item id, reason)] for requests that stay approved
    unplaced: dict[int, list[tuple[int, UnplacedReason]]] = field(default_factory=dict)
    changes_applied: list[int] = field(default_factory=list)
    changes_blocked: dict[int, str] = field(default_factory=dict)
    hosts_used: int = 0
    dry_run: bool = True


def plan_read(plan: PlacementPlan) -> PlacementPlanRead:
    return PlacementPlanRead(
        dry_run=plan.dry_run,
        placed=[PlanLineRead.model_validate(line) for line in plan.placed],
        unplaced={
            request_id: [UnplacedItem(item_id=i, reason=str(r), code=r.code) for i, r in reasons]
            for request_id, reasons in plan.unplaced.items()
        },
        changes_applied=plan.changes_applied,
        changes_blocked=plan.changes_blocked,
        hosts_used=plan.hosts_used,
    )


def host_bins(
    session: Session, *, reserve: Decimal
) -> tuple[list[HostBin], list[RackPower], dict[int, str]]:
    """Free room on every active, racked shared-cloud host, and every rack's power headroom.

    A host carrying no allocation counts as switched off: its draw is not charged to its
    rack until placement opens it.
    """
    hosts = session.scalars(
        select(Host)
        .join(Site, Host.site_id == Site.id)
        .where(Site.kind == SiteKind.CLOUD, Host.status == HostStatus.ACTIVE)
        .where(Host.rack_id.is_not(None))
        .order_by(Host.id)
    ).all()
    used = allocated_by_host(session)
    drawn: dict[int, int] = defaultdict(int)
    for rack_id, draw in session.execute(
        select(Device.rack_id, func.sum(Device.power_draw_w))
        .where(Device.rack_id.is_not(None))
        .group_by(Device.rack_id)
    ):
        if rack_id is not None:
            drawn[rack_id] += int(draw or 0)
    bins = []
    for host in hosts:
        assert host.rack_id is not None
        usable = allocatable(HostSize(host.vcpu, host.memory_gib, host.disk_gib), reserve)
        taken = used.get(host.id, HostSize(0, 0, 0))
        powered = host.id in used
        if powered:
            drawn[host.rack_id] += host.power_draw_w
        bins.append(
            HostBin(
                host_id=host.id,
                rack_id=host.rack_id,
                zone=host.zone,
                max_mlps_level=host.max_mlps_level,
                vcpu=max(usable.vcpu - taken.vcpu, 0),
                memory_gib=max(usable.memory_gib - taken.memory_gib, 0),
                storage_gib=max(usable.storage_gib - taken.storage_gib, 0),
                power_draw_w=host.power_draw_w,
                powered_on=powered,
            )
        )
    rack_ids = sorted({b.rack_id for b in bins})
    budgets: dict[int, Decimal] = dict(
        session.execute(select(Rack.id, Rack.power_budget_kw).where(Rack.id.in_(rack_ids))).all()
    )
    racks = [
        RackPower(rack_id, max(int(budgets[rack_id] * 1000) - drawn[rack_id], 0))
        for rack_id in rack_ids
    ]
    return bins, racks, {h.id: h.name for h in hosts}


def _items_of(requests: list[ResourceRequest]) -> list[Item]:
    return [
        Item(
            item_id=item.id,
            vcpu=item.vcpu,
            memory_gib=item.memory_gib,
            storage_gib=item.storage_gib,
            zone=item.zone,
            mlps_level=item.mlps_level,
            # Groups are a department's names: kept apart across its requests, not others'.
            anti_affinity_group=(
                f"{request.department_id}:{item.anti_affinity_group}"
                if item.anti_affinity_group
                else None
            ),
        )
        for request in requests
        for item in request.items
    ]


def pack(
    requests: list[ResourceRequest],
    hosts: list[HostBin],
    racks: list[RackPower],
    *,
    anti_affinity: AntiAffinityScope,
) -> tuple[Placement, dict[int, list[tuple[int, UnplacedReason]]]]:
    """Place whole requests only: drop any request with an unplaced item and pack again."""
    candidates = list(requests)
    dropped: dict[int, list[tuple[int, UnplacedReason]]] = {}
    for _ in range(MAX_ROUNDS):
        items = _items_of(candidates)
        placement = place(items, hosts, racks, anti_affinity=anti_affinity)
        problems = verify(items, hosts, racks, placement, anti_affinity=anti_affinity)
        if problems:
            raise RuntimeError("placement failed its verification: " + "; ".join(problems))
        failing = [r for r in candidates if any(i.id in placement.unplaced for i in r.items)]
        if not failing:
            return placement, dropped
        for request in failing:
            dropped[request.id] = [
                (i.id, placement.unplaced[i.id])
                for i in request.items
                if i.id in placement.unplaced
            ]
        candidates = [r for r in candidates if r not in failing]
    return Placement({}, {}), dropped


def run_placement(
    session: Session,
    *,
    actor: Actor,
    reserve: Decimal,
    dry_run: bool,
    anti_affinity: AntiAffinityScope = "host",
    only: frozenset[int] | None = None,
) -> PlacementPlan:
    """Place every approved request that fits (or, ``dry_run``, say what would happen);
    ``only`` limits the run to those requests (the operator placing one from its page)."""
    serialize_on(session, "placement")
    query = select(ResourceRequest).where(ResourceRequest.state == RequestState.APPROVED)
    if only is not None:
        query = query.where(ResourceRequest.id.in_(sorted(only)))
    approved = list(
        session.scalars(
            query.options(selectinload(ResourceRequest.items))
            .order_by(ResourceRequest.decided_at, ResourceRequest.id)
            .with_for_update()
        )
    )
    plan = PlacementPlan(dry_run=dry_run)
    changes = [r for r in approved if r.kind is RequestKind.CHANGE]
    new = [r for r in approved if r.kind is RequestKind.NEW]
    apply_changes(session, changes=changes, plan=plan, reserve=reserve, actor=actor)
    hosts, racks, names = host_bins(session, reserve=reserve)
    placement, dropped = pack(new, hosts, racks, anti_affinity=anti_affinity)
    plan.unplaced = dropped
    plan.hosts_used = placement.hosts_used()
    items = {i.id: (r, i) for r in new for i in r.items}
    for item_id, host_id in sorted(placement.assignments.items()):
        request, item = items[item_id]
        plan.placed.append(
            PlanLine(
                request.id,
                item.id,
                item.name,
                host_id,
                names[host_id],
                item.vcpu,
                item.memory_gib,
                item.storage_gib,
            )
        )
    if not dry_run:
        _persist(session, plan=plan, requests=new, actor=actor)
    return plan


def _persist(
    session: Session, *, plan: PlacementPlan, requests: list[ResourceRequest], actor: Actor
) -> None:
    by_request: dict[int, list[PlanLine]] = defaultdict(list)
    for line in plan.placed:
        by_request[line.request_id].append(line)
    for request in requests:
        if request.id in plan.unplaced:
            note = "; ".join(
                f"item {item_id}: {reason}" for item_id, reason in plan.unplaced[request.id]
            )
            if note != request.placement_note:
                request.placement_note = note
                session.flush()
                record(
                    session,
                    actor=actor,
                    action="unplaced",
                    entity=ENTITY,
                    entity_id=request.id,
                    after={"placement_note": note},
                    department_id=request.department_id,
                )
            continue
        lines = by_request.get(request.id, [])
        for line in lines:
            session.add(
                Allocation(
                    request_id=request.id,
                    item_id=line.item_id,
                    host_id=line.host_id,
                    department_id=request.department_id,
                    zone=next(i.zone for i in request.items if i.id == line.item_id),
                    vcpu=line.vcpu,
                    memory_gib=line.memory_gib,
                    storage_gib=line.storage_gib,
                )
            )
        request.placement_note = None
        transition(
            session,
            request,
            RequestAction.PLACE,
            actor=actor,
            details={"hosts": {str(line.item_id): line.host_name for line in lines}},
        )


def apply_changes(
    session: Session,
    *,
    changes: list[ResourceRequest],
    plan: PlacementPlan,
    reserve: Decimal,
    actor: Actor,
) -> None:
    """Resize running items in place where their hosts have room; otherwise say why."""
    free = {b.host_id: b for b in host_bins(session, reserve=reserve)[0]}
    growth: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for change in changes:
        moves: list[tuple[Allocation | None, dict[str, int]]] = []
        blocked = None
        target_request = session.get(ResourceRequest, change.target_request_id)
        if target_request is None or not target_request.state.holds_allocation:
            state = target_request.state.value if target_request else "gone"
            blocked = f"request {change.target_request_id} is {state}: nothing left to change"
        for delta in change.items:
            allocation = session.scalar(
                select(Allocation).where(
                    Allocation.item_id == delta.target_item_id, Allocation.released_at.is_(None)
                )
            )
            sizes = {r: delta.quantity(r) for r in QUANTITIES}
            if allocation is not None:
                room = free.get(allocation.host_id)
                wanted = growth[allocation.host_id]
                for index, resource in enumerate(("vcpu", "memory_gib", "storage_gib")):
                    have = getattr(room, resource) if room is not None else 0
                    if wanted[index] + max(sizes[resource], 0) > have:
                        blocked = (
                            f"item {delta.target_item_id}: its host has {have - wanted[index]} "
                            f"{resource} free, the change adds {sizes[resource]}"
                        )
            moves.append((allocation, sizes))
        if blocked is not None:
            plan.changes_blocked[change.id] = blocked
            if not plan.dry_run and change.placement_note != blocked:
                change.placement_note = blocked
                session.flush()
                record(
                    session,
                    actor=actor,
                    action="unplaced",
                    entity=ENTITY,
                    entity_id=change.id,
                    after={"placement_note": blocked},
                    department_id=change.department_id,
                )
            continue
        for allocation, sizes in moves:
            if allocation is not None:
                for index, resource in enumerate(("vcpu", "memory_gib", "storage_gib")):
                    growth[allocation.host_id][index] += max(sizes[resource], 0)
        plan.changes_applied.append(change.id)
        if plan.dry_run:
            continue
        for delta, (allocation, sizes) in zip(change.items, moves, strict=True):
            target = session.get(type(delta), delta.target_item_id)
            assert target is not None
            for resource, amount in sizes.items():
                setattr(target, resource, target.quantity(resource) + amount)
            if allocation is not None:
                allocation.vcpu += sizes["vcpu"]
                allocation.memory_gib += sizes["memory_gib"]
                allocation.storage_gib += sizes["storage_gib"]
        change.placement_note = None
        transition(
            session,
            change,
            RequestAction.PLACE,
            actor=actor,
            details={"applied_to": change.target_request_id},
        )
        transition(session, change, RequestAction.ACTIVATE, actor=actor)
