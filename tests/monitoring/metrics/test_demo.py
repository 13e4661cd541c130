"""Demo agents' samples: deterministic, idempotent, rolled up."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitoring.metrics.demo import DEMO_HOSTS, load_demo_samples, samples_for
from monitoring.metrics.models import MetricRollup, MetricSample
from tests.monitoring.metrics_support import make_hosts


def test_demo_samples_are_deterministic_idempotent_and_rolled_up(session: Session) -> None:
    make_hosts(session, DEMO_HOSTS + 1)
    end = 1_796_000_040_000
    assert samples_for("h1", end_ms=end) == samples_for("h1", end_ms=end)
    assert samples_for("h1", end_ms=end) != samples_for("h2", end_ms=end)
    written = load_demo_samples(session, now_ms=end)
    session.commit()
    assert written == DEMO_HOSTS * len(samples_for("h1", end_ms=end))
    assert load_demo_samples(session, now_ms=end + 60_000) == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(MetricSample)) == written
    hourly = session.scalar(
        select(func.count()).select_from(MetricRollup).where(MetricRollup.step_s == 3600)
    )
    assert hourly == DEMO_HOSTS * 11 * 25  # a day not aligned to hours touches 25 of them
