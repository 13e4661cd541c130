"""Every floor's periodic work and event subscriptions, collected explicitly.

The top floor may import every floor, so this is where the lists meet: the scheduler and the
event dispatcher read :data:`SCHEDULES` and :data:`SUBSCRIPTIONS` and nothing else.  A domain
that gains a ``scheduled.py`` or ``subscriptions.py`` adds one line here — nothing registers
itself as a side effect of being imported.
"""

from __future__ import annotations

from infra.events.types import Subscription
from infra.schedules.types import Schedule
from monitoring.metrics import scheduled as metrics_scheduled

SCHEDULES: tuple[Schedule, ...] = (
    *metrics_scheduled.SCHEDULES,  # roll-ups and retention of agents' samples
)

SUBSCRIPTIONS: tuple[Subscription, ...] = ()
