"""Metering follows the request events and migration cut-overs (idempotent handlers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from billing.metering.service import sync_request
from infra.events.types import Event, Subscription
from infra.migration.cutover import adopt_cut_over_system
from infra.migration.events import SystemCutOver
from infra.tenancy.requests.events import RequestActivated, RequestChanged, RequestReleased


def on_request_event(session: Session, event: Event) -> None:
    """Open, split or close the request's usage intervals at the event's minute."""
    assert isinstance(event, RequestActivated | RequestChanged | RequestReleased)
    sync_request(session, request_id=event.request_id, at=event.at)


def on_system_cut_over(session: Session, event: Event) -> None:
    """Retire the legacy hosts, adopt the system as an allocation, and start metering it."""
    assert isinstance(event, SystemCutOver)
    request = adopt_cut_over_system(
        session, system_id=event.system_id, run_id=event.run_id, at=event.at
    )
    if request is not None:
        sync_request(session, request_id=request.id, at=event.at)


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("billing.metering.request_activated", RequestActivated, on_request_event),
    Subscription("billing.metering.request_changed", RequestChanged, on_request_event),
    Subscription("billing.metering.request_released", RequestReleased, on_request_event),
    Subscription("billing.metering.system_cut_over", SystemCutOver, on_system_cut_over),
)
