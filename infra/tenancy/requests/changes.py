"""Change requests: grow or shrink the items of running capacity.

A change request carries signed deltas per item of the request it changes; it is admitted
against the quota for its growth only, signed through the same chain, and applied on the
items' own hosts when the hosts have room (placement's job: :func:`apply_change`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.errors import NOT_FOUND_NAMED, WRONG_STATE, Conflict, InvalidInput, Thing
from infra.tenancy.models import Department, User
from infra.tenancy.requests import rules
from infra.tenancy.requests.enums import RequestKind, RequestState
from infra.tenancy.requests.exceptions import CHANGE_OPEN, CHANGES_NOTHING, LEAVES_NEGATIVE
from infra.tenancy.requests.models import QUANTITIES, RequestItem, ResourceRequest
from infra.tenancy.requests.schemas import ChangeCreate
from infra.tenancy.requests.service import actor_of, file, get_request
from infra.tenancy.scope import Scope

OPEN_STATES = (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.APPROVED)


def create_change(
    session: Session, *, scope: Scope, user: User, request_id: int, data: ChangeCreate
) -> ResourceRequest:
    """File (and by default submit) a change to an active request's items."""
    target = get_request(session, scope=scope, request_id=request_id, lock=True)
    if target.kind is not RequestKind.NEW or not target.state.holds_allocation:
        raise Conflict(
            "state",
            f"request {target.id} is {target.state.value}: only placed or active "
            "capacity can be changed",
            code=WRONG_STATE,
            params={"state": target.state},
        )
    pending = session.scalar(
        select(ResourceRequest.id).where(
            ResourceRequest.target_request_id == target.id, ResourceRequest.state.in_(OPEN_STATES)
        )
    )
    if pending is not None:
        raise Conflict(
            "request_id",
            f"change request {pending} for request {target.id} is open",
            code=CHANGE_OPEN,
            params={"change": str(pending)},
        )
    by_id = {item.id: item for item in target.items}
    items = []
    for index, delta in enumerate(data.items):
        item = by_id.get(delta.target_item_id)
        if item is None:
            raise InvalidInput.one(
                f"items[{index}].target_item_id",
                f"request {target.id} has no item {delta.target_item_id}",
                code=NOT_FOUND_NAMED,
                params={"what": Thing.REQUEST_ITEM, "value": str(delta.target_item_id)},
            )
        for resource in QUANTITIES:
            after = item.quantity(resource) + getattr(delta, resource)
            if after < 0:
                raise InvalidInput.one(
                    f"items[{index}].{resource}",
                    f"would leave {after} {resource} on item {item.id} (it has "
                    f"{item.quantity(resource)})",
                    code=LEAVES_NEGATIVE,
                    params={"after": after, "has": item.quantity(resource)},
                )
        items.append(
            RequestItem(
                name=item.name,
                zone=item.zone,
                mlps_level=item.mlps_level,
                anti_affinity_group=item.anti_affinity_group,
                target_item_id=item.id,
                **{r: getattr(delta, r) for r in QUANTITIES},
            )
        )
    if all(all(i.quantity(r) == 0 for r in QUANTITIES) for i in items):
        raise InvalidInput.one("items", "the change changes nothing", code=CHANGES_NOTHING)
    change = ResourceRequest(
        department_id=target.department_id,
        kind=RequestKind.CHANGE,
        target_request_id=target.id,
        title=f"change to request {target.id}: {target.title}"[:200],
        justification=data.justification,
        ends_on=target.ends_on,
        state=RequestState.DRAFT,
        estimated_monthly_cost=rules.monthly_cost(items),
        created_by_id=user.id,
        created_by=user.username,
        items=items,
    )
    department = session.get(Department, target.department_id)
    assert department is not None
    file(
        session, request=change, department=department, actor=actor_of(user), submit_now=data.submit
    )
    return change
