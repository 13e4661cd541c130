"""``govcloud events …``: see deliveries (poison events above all), redeliver, deliver now."""

from __future__ import annotations

from typing import Annotated

import typer

from infra.database import session_scope
from infra.events import service
from infra.events.dispatch import deliver_pending
from infra.events.enums import DeliveryStatus
from portal_api.clikit import console
from portal_api.registry import SUBSCRIPTIONS

app = typer.Typer(help="The event outbox and its deliveries.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="events")


@app.command("list")
def list_deliveries(
    status: Annotated[
        DeliveryStatus | None,
        typer.Option(help="Only deliveries in this state (gave_up: poison events)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """Delivery records, newest first: which subscription, which event, attempts, last error."""
    with session_scope() as session:
        views = service.list_deliveries(session, status=status, limit=limit)
    if not views:
        console.print("no deliveries")
    for view in views:  # one line each: greppable, and unwrapped in narrow terminals
        event, delivery = view.event, view.delivery
        error = f" — {delivery.last_error}" if delivery.last_error else ""
        console.print(
            f"event {event.id} {event.type} ({event.aggregate} {event.aggregate_id}) → "
            f"{delivery.subscription}: {delivery.status.value}, "
            f"{delivery.attempts} attempt(s){error}",
            soft_wrap=True,
            markup=False,
        )


@app.command("redeliver")
def redeliver(
    event_id: Annotated[int, typer.Argument(help="The outbox event's id.")],
    subscription: Annotated[str | None, typer.Option(help="Only this subscription.")] = None,
) -> None:
    """Make an event's failed or given-up deliveries due now, then deliver."""
    with session_scope() as session:
        count = service.redeliver(session, event_id=event_id, subscription=subscription)
    console.print(f"{count} deliveries of event {event_id} due again")
    deliver()


@app.command("deliver")
def deliver() -> None:
    """Deliver everything due now, in this process (what the delivery job and sweep do)."""
    report = deliver_pending(session_scope, SUBSCRIPTIONS)
    console.print(
        f"{report.delivered} delivered, {report.failed} failed, "
        f"{report.gave_up} given up, {report.waiting} waiting"
    )
    for error in report.errors:
        console.print(f"  {error}")
