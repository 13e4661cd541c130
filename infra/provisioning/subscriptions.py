"""What provisioning does when other rooms report news."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.events.types import Event, Subscription
from infra.provisioning.models import StackState
from infra.provisioning.service import mark_out_of_date, tenancy_config
from infra.settings import get_settings
from infra.tenancy.events import QuotaChanged
from infra.tenancy.models import Department


def stack_out_of_date(session: Session, event: Event) -> None:
    """A quota changed: the department's stack no longer matches — unless an ``up`` since
    already deployed the quotas as they stand (a late or repeated delivery changes nothing)."""
    assert isinstance(event, QuotaChanged)
    department = session.get(Department, event.department_id)
    if department is None:
        return
    state = session.scalar(select(StackState).where(StackState.department_id == department.id))
    if state is not None and not state.out_of_date and state.applied_fingerprint is not None:
        settings = get_settings().provisioning
        current = tenancy_config(session, department=department, settings=settings).fingerprint()
        if current == state.applied_fingerprint:
            return
    if event.resource and event.zone:
        reason = f"{event.resource} quota in {event.zone} {event.change or 'changed'}"
    else:
        reason = "a quota changed"
    mark_out_of_date(session, department_id=department.id, reason=reason)


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(
        name="provisioning.stack_out_of_date", event=QuotaChanged, handler=stack_out_of_date
    ),
)
