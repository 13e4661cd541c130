"""Events between floors: the types a lower floor publishes and an upper floor subscribes to.

A floor that has news defines its event classes in ``<domain>/events.py`` and calls
:func:`infra.events.service.publish` inside the writer's own transaction (a transactional
outbox: a rolled-back writer publishes nothing).  A floor that cares lists its subscriptions in
``<domain>/subscriptions.py`` as ``SUBSCRIPTIONS: tuple[Subscription, ...]``, collected
explicitly by ``portal_api/registry.py``.  Delivery is at least once and in order per aggregate,
so handlers must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Event(BaseModel):
    """Base of every published event; the payload is the model's JSON.

    Subclasses set ``type`` (stable, stored: ``"tenancy.request.activated"``) and
    ``aggregate`` (what the event is about: ``"resource_request"``), and implement
    :meth:`aggregate_id` (which one).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    aggregate: ClassVar[str]

    def aggregate_id(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must say which {self.aggregate} it is")


EventHandler = Callable[["Session", Event], None]


@dataclass(frozen=True)
class Subscription:
    """``handler`` runs in a writer session of its own for each event of type ``event``.

    ``name`` is stable and unique: deliveries are recorded per (subscription, event), so a
    renamed subscription would see every old event again.
    """

    name: str
    event: type[Event]
    handler: EventHandler
