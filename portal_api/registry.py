"""Every floor's job kinds, periodic work and event subscriptions, collected explicitly.

The top floor may import every floor, so this is where the lists meet: the job runner reads
:data:`JOB_KINDS`, the scheduler :data:`SCHEDULES` and the event dispatcher
:data:`SUBSCRIPTIONS`, and nothing else.  A domain that gains a ``jobs.py``, ``scheduled.py``
or ``subscriptions.py`` adds one line here — nothing registers itself as a side effect of
being imported.
"""

from __future__ import annotations

from billing.invoices import jobs as billing_invoice_jobs
from billing.invoices import scheduled as billing_invoices_scheduled
from billing.metering import subscriptions as billing_metering_subscriptions
from billing.settlements import subscriptions as billing_settlement_subscriptions
from infra.audit import jobs as audit_jobs
from infra.audit import scheduled as audit_scheduled
from infra.discovery import jobs as discovery_jobs
from infra.events import jobs as event_jobs
from infra.events import scheduled as events_scheduled
from infra.events.types import Subscription
from infra.jobs import jobs as job_layer_jobs
from infra.jobs.registry import JobKind
from infra.migration import jobs as migration_jobs
from infra.provisioning import jobs as provisioning_jobs
from infra.provisioning import subscriptions as provisioning_subscriptions
from infra.schedules.service import job_kinds as schedule_job_kinds
from infra.schedules.types import Schedule
from infra.tenancy.requests import jobs as request_jobs
from infra.tenancy.requests import scheduled as request_schedules
from monitoring.assessment import scheduled as assessment_schedules
from monitoring.metrics import scheduled as metrics_scheduled
from monitoring.services import scheduled as monitoring_probes
from monitoring.slo import scheduled as monitoring_slo

SCHEDULES: tuple[Schedule, ...] = (
    *audit_scheduled.SCHEDULES,
    *events_scheduled.SCHEDULES,
    *request_schedules.SCHEDULES,
    *monitoring_probes.SCHEDULES,
    *monitoring_slo.SCHEDULES,
    *metrics_scheduled.SCHEDULES,  # roll-ups and retention of agents' samples
    *assessment_schedules.SCHEDULES,
    *billing_invoices_scheduled.SCHEDULES,  # month-end close
)

SUBSCRIPTIONS: tuple[Subscription, ...] = (
    *provisioning_subscriptions.SUBSCRIPTIONS,
    *billing_metering_subscriptions.SUBSCRIPTIONS,
    *billing_settlement_subscriptions.SUBSCRIPTIONS,
)

JOB_KINDS: tuple[JobKind, ...] = (
    *job_layer_jobs.JOBS,
    *audit_jobs.JOBS,
    *event_jobs.JOBS,
    *discovery_jobs.JOBS,
    *provisioning_jobs.JOBS,
    *migration_jobs.JOBS,
    *request_jobs.JOBS,
    *billing_invoice_jobs.JOBS,
    # Each schedule runs as a job of kind ``schedule:<name>``.
    *schedule_job_kinds(SCHEDULES),
)
