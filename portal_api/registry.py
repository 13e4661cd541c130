"""Every floor's periodic work and event subscriptions, collected explicitly.

The top floor may import every floor, so this is where the lists meet: the scheduler and the
event dispatcher read :data:`SCHEDULES` and :data:`SUBSCRIPTIONS` and nothing else.  A domain
that gains a ``scheduled.py`` or ``subscriptions.py`` adds one line here — nothing registers
itself as a side effect of being imported.
"""

from __future__ import annotations

from billing.invoices import scheduled as billing_invoices_scheduled
from billing.metering import subscriptions as billing_metering_subscriptions
from infra.events.types import Subscription
from infra.schedules.types import Schedule

SCHEDULES: tuple[Schedule, ...] = (*billing_invoices_scheduled.SCHEDULES,)

SUBSCRIPTIONS: tuple[Subscription, ...] = (*billing_metering_subscriptions.SUBSCRIPTIONS,)
