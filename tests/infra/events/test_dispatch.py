"""The outbox and its dispatcher: publish in the writer's transaction, deliver at least once,
in order per aggregate, each effect together with its delivery record."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from infra.database import session_scope, utcnow
from infra.events import dispatch
from infra.events.enums import DeliveryStatus
from infra.events.models import EventDelivery, OutboxEvent
from infra.events.service import DELIVER_KIND, list_deliveries, publish, redeliver
from infra.events.types import Event, Subscription
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.jobs.runner import set_backend


class ThingHappened(Event):
    type: ClassVar[str] = "tests.thing.happened"
    aggregate: ClassVar[str] = "thing"

    thing: str
    n: int

    def aggregate_id(self) -> str:
        return self.thing


def _effects(session: Session, thing: str | None = None) -> list[str]:
    query = select(Job.title).where(Job.kind == "tests.effect")
    if thing is not None:
        query = query.where(Job.title.startswith(f"{thing}:"))
    return sorted(session.scalars(query))


class Subscriber:
    """Writes one effect row per event; fails the first ``failures[(thing, n)]`` times *after*
    writing (so a failure whose effect leaked would show as a second row), and refuses an event
    whose predecessor's effect is not there yet (so out-of-order delivery shows as an error)."""

    def __init__(self, failures: dict[tuple[str, int], int] | None = None) -> None:
        self.failures = dict(failures or {})
        self.calls = 0

    def __call__(self, session: Session, event: Event) -> None:
        assert isinstance(event, ThingHappened)
        self.calls += 1
        if event.n > 1 and f"{event.thing}:{event.n - 1}" not in _effects(session, event.thing):
            raise RuntimeError(f"out of order: {event.thing}:{event.n} before its predecessor")
        session.add(
            Job(
                id=uuid.uuid4().hex,
                kind="tests.effect",
                title=f"{event.thing}:{event.n}",
                status=JobStatus.SUCCEEDED,
                progress=100,
                params={},
                created_by="tests",
                cancel_requested=False,
            )
        )
        session.flush()
        left = self.failures.get((event.thing, event.n), 0)
        if left:
            self.failures[(event.thing, event.n)] = left - 1
            raise RuntimeError(f"subscriber down for {event.thing}:{event.n}")


def _publish(factory: sessionmaker[Session], *events: Event) -> None:
    with session_scope(factory) as session:
        for event in events:
            publish(session, event)


def _deliver(
    factory: sessionmaker[Session],
    subscriber: Subscriber,
    *,
    now: dt.datetime | None = None,
    max_attempts: int = dispatch.MAX_ATTEMPTS,
) -> dispatch.DispatchReport:
    subscription = Subscription(name="tests.effects", event=ThingHappened, handler=subscriber)
    return dispatch.deliver_pending(
        lambda: session_scope(factory), [subscription], now=now, max_attempts=max_attempts
    )


class RecordingBackend:
    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.enqueued.append(job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        return None


SUBSCRIBED = Subscription(name="tests.effects", event=ThingHappened, handler=lambda _s, _e: None)


@pytest.fixture
def recording() -> Iterator[RecordingBackend]:
    """Jobs handed to the backend, in a process that subscribes to ThingHappened."""
    dispatch.install([SUBSCRIBED])
    backend = RecordingBackend()
    previous = set_backend(backend)
    yield backend
    set_backend(previous)


def test_a_rolled_back_writer_publishes_nothing_and_starts_no_delivery(
    session_factory: sessionmaker[Session], session: Session, recording: RecordingBackend
) -> None:
    """Catches an outbox written outside the writer's transaction, or a delivery job that runs
    for a transaction that never committed."""

    def failing_writer() -> None:
        with session_scope(session_factory) as writer:
            publish(writer, ThingHappened(thing="a", n=1))
            raise RuntimeError("the writer fails after publishing")

    with pytest.raises(RuntimeError):
        failing_writer()
    assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert session.scalar(select(func.count()).select_from(Job)) == 0
    assert recording.enqueued == []


def test_a_committed_writer_submits_one_delivery_job_after_commit(
    session_factory: sessionmaker[Session], session: Session, recording: RecordingBackend
) -> None:
    """Catches one job per event (a burst of publishes floods the queue) and a job handed to
    the backend before the writer commits."""
    with session_scope(session_factory) as writer:
        publish(writer, ThingHappened(thing="a", n=1))
        publish(writer, ThingHappened(thing="b", n=1))
        assert recording.enqueued == []
    jobs = session.scalars(select(Job).where(Job.kind == DELIVER_KIND)).all()
    assert [j.id for j in jobs] == recording.enqueued
    assert len(jobs) == 1
    _publish(session_factory, ThingHappened(thing="a", n=2))
    assert len(recording.enqueued) == 2, "the next transaction gets its own job"


def test_no_job_when_the_installed_subscriptions_do_not_want_the_event(
    session_factory: sessionmaker[Session], session: Session, recording: RecordingBackend
) -> None:
    dispatch.install([])
    _publish(session_factory, ThingHappened(thing="a", n=1))
    assert recording.enqueued == []
    assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 1


def test_a_failing_subscriber_is_retried_and_its_effect_happens_once(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """Catches an effect committed apart from its delivery record (a failed attempt's effect
    would survive) and a retry that ignores the backoff."""
    _publish(session_factory, ThingHappened(thing="a", n=1))
    subscriber = Subscriber(failures={("a", 1): 2})
    now = utcnow()
    first = _deliver(session_factory, subscriber, now=now)
    assert (first.delivered, first.failed) == (0, 1)
    delivery = session.scalars(select(EventDelivery)).one()
    assert delivery.status is DeliveryStatus.RETRYING
    assert delivery.attempts == 1
    assert delivery.last_error == "RuntimeError: subscriber down for a:1"
    assert delivery.next_attempt_at == now + dispatch.backoff(1)
    assert _effects(session) == []
    early = _deliver(session_factory, subscriber, now=now + dt.timedelta(seconds=1))
    assert (early.waiting, subscriber.calls) == (1, 1), "not retried before its backoff ends"
    _deliver(session_factory, subscriber, now=now + dt.timedelta(seconds=10))
    _deliver(session_factory, subscriber, now=now + dt.timedelta(seconds=60))
    session.rollback()  # a new read transaction: SQLite readers see a snapshot
    assert _effects(session) == ["a:1"]
    delivery = session.scalars(select(EventDelivery)).one()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    again = _deliver(session_factory, subscriber, now=now + dt.timedelta(hours=1))
    assert (again.delivered, subscriber.calls) == (0, 3), "a delivered event is not redelivered"
    session.rollback()
    assert _effects(session) == ["a:1"]


def test_order_per_aggregate_while_other_aggregates_flow(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """Catches delivering event n+1 of an aggregate while n is still failing (the subscriber
    raises 'out of order'), and one failing aggregate holding up the others."""
    _publish(session_factory, ThingHappened(thing="a", n=1), ThingHappened(thing="b", n=1))
    _publish(session_factory, ThingHappened(thing="a", n=2), ThingHappened(thing="b", n=2))
    _publish(session_factory, ThingHappened(thing="a", n=3))
    subscriber = Subscriber(failures={("a", 1): 1})
    now = utcnow()
    report = _deliver(session_factory, subscriber, now=now)
    assert (report.delivered, report.failed, report.waiting) == (2, 1, 2)
    session.rollback()
    assert _effects(session) == ["b:1", "b:2"]
    report = _deliver(session_factory, subscriber, now=now + dt.timedelta(minutes=1))
    assert report.errors == []
    assert report.delivered == 3
    session.rollback()  # a new read transaction: SQLite readers see a snapshot
    assert _effects(session) == ["a:1", "a:2", "a:3", "b:1", "b:2"]


def test_a_poison_event_is_visible_blocks_only_its_aggregate_and_can_be_redelivered(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    _publish(session_factory, ThingHappened(thing="a", n=1), ThingHappened(thing="a", n=2))
    _publish(session_factory, ThingHappened(thing="b", n=1))
    subscriber = Subscriber(failures={("a", 1): 5})
    now = utcnow()
    _deliver(session_factory, subscriber, now=now, max_attempts=2)
    report = _deliver(session_factory, subscriber, now=now + dt.timedelta(hours=1), max_attempts=2)
    assert report.gave_up == 1
    session.rollback()
    poison = list_deliveries(session, status=DeliveryStatus.GAVE_UP)
    assert [(v.event.aggregate_id, v.delivery.attempts) for v in poison] == [("a", 2)]
    assert poison[0].delivery.last_error == "RuntimeError: subscriber down for a:1"
    assert _effects(session) == ["b:1"]
    later = _deliver(session_factory, subscriber, now=now + dt.timedelta(days=1), max_attempts=2)
    assert (later.delivered, subscriber.calls) == (0, 3), "given up: not tried again"
    subscriber.failures.clear()
    with session_scope(session_factory) as writer:
        assert redeliver(writer, event_id=poison[0].event.id) == 1
    _deliver(session_factory, subscriber, now=now + dt.timedelta(days=1), max_attempts=2)
    session.rollback()  # a new read transaction: SQLite readers see a snapshot
    assert _effects(session) == ["a:1", "a:2", "b:1"]


def test_install_refuses_duplicate_names() -> None:
    sub = Subscription(name="x", event=ThingHappened, handler=Subscriber())
    with pytest.raises(ValueError, match="unique"):
        dispatch.install([sub, sub])


def test_two_dispatchers_at_once_deliver_each_event_once(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    """Catches dispatchers racing on one (subscription, event): without the per-aggregate
    turn-taking both would run the handler (two effects) or one would fail on the unique
    delivery record."""
    import threading

    for n in range(1, 6):
        _publish(session_factory, ThingHappened(thing="a", n=n), ThingHappened(thing="b", n=n))
    subscriber = Subscriber()
    reports: list[dispatch.DispatchReport] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        reports.append(_deliver(session_factory, subscriber))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.errors for r in reports] == [[], []]
    assert sum(r.delivered for r in reports) >= 10
    session.rollback()
    assert _effects(session) == sorted(f"{t}:{n}" for t in "ab" for n in range(1, 6))


def test_the_sweep_schedule_delivers_with_the_installed_subscriptions(
    session_factory: sessionmaker[Session], session: Session
) -> None:
    from infra.events import scheduled
    from infra.jobs.runner import JobContext
    from infra.schedules.types import ScheduleContext
    from tests import factories

    _publish(session_factory, ThingHappened(thing="a", n=1))
    job = factories.job(session, dept=None)
    context = ScheduleContext(
        job=JobContext(job.id, session_factory), period_start=utcnow(), period_end=utcnow()
    )
    assert scheduled.sweep(context) == {"skipped": "no subscriptions installed"}
    subscriber = Subscriber()
    dispatch.install([Subscription(name="tests.effects", event=ThingHappened, handler=subscriber)])
    assert scheduled.sweep(context)["delivered"] == 1
    session.rollback()
    assert _effects(session) == ["a:1"]
    assert [s.name for s in scheduled.SCHEDULES] == ["events.sweep"]
