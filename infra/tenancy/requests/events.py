"""What happens to a resource request that other floors care about (metering above all).

Published in the writer's transaction by the request service; the payload names the request
and its department, and subscribers read the request's items and allocations themselves (they
may: every upper floor imports infra).  ``at`` is when it happened, to the second, aware UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from infra.events.types import Event


class _RequestEvent(Event):
    aggregate: ClassVar[str] = "resource_request"

    request_id: int
    department_id: int
    at: dt.datetime

    def aggregate_id(self) -> str:
        return str(self.request_id)


class RequestActivated(_RequestEvent):
    """Its allocations are live: metering starts."""

    type: ClassVar[str] = "tenancy.request.activated"


class RequestChanged(_RequestEvent):
    """A change request was applied in place: the running quantities differ from ``at`` on."""

    type: ClassVar[str] = "tenancy.request.changed"


class RequestReleased(_RequestEvent):
    """Released or expired: its allocations are gone and metering stops."""

    type: ClassVar[str] = "tenancy.request.released"
