"""Probes against real servers on 127.0.0.1; timeouts honoured under a hundred hung targets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import get_settings
from monitoring.incidents.models import Incident
from monitoring.services.enums import ProbeKind
from monitoring.services.models import ProbeResult
from monitoring.services.probing import ProbeSpec, run_probes
from monitoring.services.scheduled import SCHEDULES, run_due_probes
from tests.factories import department
from tests.monitoring import factories as mf
from tests.monitoring.servers import closed_port, http_server, hung_listeners, resetting_server


def http(i: int, url: str, **kw: object) -> ProbeSpec:
    return ProbeSpec(probe_id=i, kind=ProbeKind.HTTP, target=url, timeout_s=1.0, **kw)  # type: ignore[arg-type]


def test_http_probes_answer_fail_hang_and_reset() -> None:
    with http_server() as base, hung_listeners(1) as (hung,), resetting_server() as reset:
        specs = [
            http(1, f"{base}/health", expected_status=200, expected_body="healthy"),
            http(2, f"{base}/fail"),
            http(3, f"{base}/health", expected_body="nope"),
            http(4, f"http://127.0.0.1:{hung}/"),
            http(5, f"http://127.0.0.1:{reset}/"),
            http(6, f"http://127.0.0.1:{closed_port()}/"),
            http(7, f"{base}/health", expected_status=204),
        ]
        out = {o.probe_id: o for o in run_probes(specs, concurrency=8)}
    assert out[1].ok
    assert out[1].error is None
    assert not out[2].ok
    assert "500" in (out[2].error or "")
    assert not out[3].ok
    assert "body lacks" in (out[3].error or "")
    assert not out[4].ok
    assert "timeout" in (out[4].error or "")
    assert not out[5].ok
    assert not out[6].ok
    assert not out[7].ok
    assert "expected 204" in (out[7].error or "")


def test_tcp_probes() -> None:
    with hung_listeners(1) as (listening,), resetting_server() as reset:
        out = run_probes(
            [
                ProbeSpec(1, ProbeKind.TCP, f"127.0.0.1:{listening}", 1.0),
                ProbeSpec(2, ProbeKind.TCP, f"127.0.0.1:{closed_port()}", 1.0),
                ProbeSpec(3, ProbeKind.TCP, f"127.0.0.1:{reset}", 1.0),
            ],
            concurrency=3,
        )
    assert [o.ok for o in out[:2]] == [True, False]
    # a reset races the handshake (up or down, depending on which the kernel reports first);
    # either way it is an outcome, at once, not an exception or a timeout
    assert out[2].latency_ms < 1000
    assert "timeout" not in (out[2].error or "")


def test_a_hundred_hung_targets_cost_one_timeout_of_wall_time() -> None:
    """Catches: a probe without its own deadline (the run would never end), or probes run one
    after another (100 × 0.5 s)."""
    with hung_listeners(100) as ports:
        specs = [http(i, f"http://127.0.0.1:{p}/") for i, p in enumerate(ports)]
        specs = [ProbeSpec(s.probe_id, s.kind, s.target, 0.5) for s in specs]
        began = time.perf_counter()
        out = run_probes(specs, concurrency=100)
        took = time.perf_counter() - began
    assert all(not o.ok and "timeout" in (o.error or "") for o in out)
    assert took < 5.0, f"100 hung targets took {took:.1f} s"


class _Job:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.factory.begin() as session:
            yield session


def test_scheduled_run_stores_minutes_and_opens_an_incident_after_n_failures(
    session: Session, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.schedules.types import ScheduleContext
    from monitoring.services import service as svc_service

    assert SCHEDULES[0].name == "monitoring.probes"
    dept, prov = department(session), mf.provider(session)
    up, down = mf.service(session, dept=dept, prov=prov), mf.service(session, dept=dept, prov=prov)
    with http_server() as base:
        mf.probe(session, up, target=base.removeprefix("http://"))
        mf.probe(session, down, target=f"127.0.0.1:{closed_port()}")
        ctx = ScheduleContext(job=_Job(session_factory), period_start=None, period_end=None)  # type: ignore[arg-type]
        threshold = get_settings().service_levels.incident_after_failures
        # one run per minute: pretend each run is a minute later
        import datetime as dt

        from infra.database import utcnow

        for i in range(threshold):
            later = utcnow() + dt.timedelta(minutes=i)
            monkeypatch.setattr("monitoring.services.scheduled.utcnow", lambda t=later: t)
            monkeypatch.setattr(svc_service, "utcnow", lambda t=later: t)
            summary = run_due_probes(ctx)
            assert summary["probed"] == 2
            assert summary["failed"] == 1
    session.expire_all()
    rows = session.execute(select(ProbeResult.ok)).scalars().all()
    assert sorted(rows) == [False] * threshold + [True] * threshold
    incidents = session.scalars(select(Incident)).all()
    assert [i.service_id for i in incidents] == [down.id]
