"""Every floor's periodic work and event subscriptions, collected explicitly.

The top floor may import every floor, so this is where the lists meet: the scheduler and the
event dispatcher read :data:`SCHEDULES` and :data:`SUBSCRIPTIONS` and nothing else.  A domain
that gains a ``scheduled.py`` or ``subscriptions.py`` adds one line here — nothing registers
itself as a side effect of being imported.
"""

from __future__ import annotations

from infra.audit import scheduled as audit_scheduled
from infra.events import scheduled as events_scheduled
from infra.events.types import Subscription
from infra.provisioning import subscriptions as provisioning_subscriptions
from infra.schedules.types import Schedule
from monitoring.assessment import scheduled as assessment_schedules
from monitoring.metrics import scheduled as metrics_scheduled
from monitoring.services import scheduled as monitoring_probes
from monitoring.slo import scheduled as monitoring_slo

SCHEDULES: tuple[Schedule, ...] = (
    *audit_scheduled.SCHEDULES,
    *events_scheduled.SCHEDULES,
    *monitoring_probes.SCHEDULES,
    *monitoring_slo.SCHEDULES,
    *assessment_schedules.SCHEDULES,
    *metrics_scheduled.SCHEDULES,  # roll-ups and retention of agents' samples
)

SUBSCRIPTIONS: tuple[Subscription, ...] = (*provisioning_subscriptions.SUBSCRIPTIONS,)
