"""What each process starts for jobs: the registry, the backend, the maintenance thread.

* the panel (:func:`start_panel`, from the app's lifespan);
* ``govcloud worker`` (:func:`run_worker`): PostgreSQL with ``jobs.backend=procrastinate``;
* the CLI installs the registry (:func:`install_registry`) and runs its jobs inline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from infra.database import reader_of, session_scope
from infra.events.dispatch import install as install_subscriptions
from infra.jobs import registry
from infra.jobs.maintenance import Duty, Maintenance, reap_duty
from infra.jobs.registry import Kinds
from infra.jobs.runner import current_backend, get_backend, set_backend
from infra.jobs.service import resume_queued
from infra.schedules import service as schedules
from infra.schedules.types import Schedule
from infra.settings import Settings
from portal_api.registry import JOB_KINDS, SCHEDULES, SUBSCRIPTIONS

log = logging.getLogger(__name__)


def install_registry(kinds: Kinds | None = None) -> None:
    registry.install(JOB_KINDS if kinds is None else kinds)


def _scheduler_duty(schedule_list: Sequence[Schedule]) -> Duty:
    duty = partial(schedules.tick, schedules=schedule_list)
    duty.__name__ = "scheduler"  # type: ignore[attr-defined]
    return duty


def use_configured_backend(settings: Settings, factory: sessionmaker[Session]) -> None:
    """With ``jobs.backend=procrastinate``: its schema, and its backend for this process."""
    if settings.jobs.backend != "procrastinate":
        return
    from infra.jobs.engine import ProcrastinateBackend, ensure_schema

    ensure_schema(settings.database_url)
    if not isinstance(current_backend(), ProcrastinateBackend):
        set_backend(ProcrastinateBackend(factory))


@dataclass
class Started:
    maintenance: Maintenance | None

    def stop(self) -> None:
        if self.maintenance is not None:
            self.maintenance.stop()
        get_backend().shutdown(wait=False)


def start_panel(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    kinds: Kinds | None = None,
    schedule_list: Sequence[Schedule] = SCHEDULES,
) -> Started:
    """The panel's share: registry, backend, queued jobs resumed (embedded), maintenance.

    The scheduler ticks here only with the embedded backend (one machine, SQLite); with
    Procrastinate the workers tick it."""
    install_registry(kinds)
    use_configured_backend(settings, factory)
    with session_scope(reader_of(factory)) as session:  # reads only; hands over on commit
        resumed = resume_queued(session)
    if resumed:
        log.info("handed %d queued jobs to this process", len(resumed))
    duties: list[Duty] = [reap_duty]
    if settings.jobs.backend == "embedded" and settings.jobs.scheduler_in_panel:
        duties.append(_scheduler_duty(schedule_list))
    maintenance = Maintenance(factory, duties, interval=settings.jobs.maintenance_s)
    maintenance.start()
    return Started(maintenance)


def run_worker(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    queues: Sequence[str] | None,
    concurrency: int,
    scheduler: bool = True,
    kinds: Kinds | None = None,
    schedule_list: Sequence[Schedule] = SCHEDULES,
) -> None:
    """``govcloud worker``: a Procrastinate worker plus reaping and the scheduler, until
    SIGINT/SIGTERM."""
    from infra.jobs.engine import run_worker as run_engine_worker

    install_registry(kinds)
    install_subscriptions(SUBSCRIPTIONS)  # the worker delivers events to the same subscribers
    use_configured_backend(settings, factory)
    duties: list[Duty] = [reap_duty]
    if scheduler:
        duties.append(_scheduler_duty(schedule_list))
    maintenance = Maintenance(factory, duties, interval=settings.jobs.maintenance_s)
    maintenance.start()
    try:
        run_engine_worker(
            settings.database_url,
            queues=queues,
            concurrency=concurrency,
            factory=factory,
            name=f"govcloud-{threading.get_native_id()}",
        )
    finally:
        maintenance.stop()
