"""Where queries read samples from: the embedded database, or Prometheus at scale.

Both implement :class:`SampleSource` with Prometheus's range-query semantics, so code above
them cannot tell which one it reads:

* the result has a point at each ``t = start + k·step`` (``t <= end``) for which the series
  has a sample in ``(t − lookback, t]``; the point's value is the *latest* such sample's;
* lookback is Prometheus's default of 5 minutes;
* times are epoch milliseconds (Prometheus's own resolution), values float64 — read back
  from Prometheus's JSON exactly (it prints the shortest decimal that round-trips).

Host agents stamp their exposition with the collection time, and Prometheus keeps those
timestamps (``honor_timestamps``), so the same collection has the same time in both stores.
Prometheus must attach the host's inventory name as the ``host`` label (a static label per
target, or relabelling from the node name); target labels (``host``, ``instance``, ``job``)
are not part of a series' labels here.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.errors import NotFound
from infra.inventory.models import Host
from monitoring.metrics.models import MetricSample, MetricSeries

LOOKBACK_MS = 5 * 60 * 1000
TARGET_LABELS = frozenset({"host", "instance", "job"})
MAX_POINTS = 11_000  # Prometheus's own limit on points per series


@dataclass(frozen=True)
class SeriesData:
    name: str
    labels: dict[str, str]
    points: list[tuple[int, float]] = field(default_factory=list)  # (t_ms, value)


class SampleSource(Protocol):
    def query_range(
        self,
        *,
        host: str,
        metric: str,
        matchers: Mapping[str, str],
        start_ms: int,
        end_ms: int,
        step_ms: int,
    ) -> list[SeriesData]:
        """Series of ``metric`` on ``host`` whose labels include ``matchers``, evaluated at
        each step (see the module docstring)."""
        ...


def steps(start_ms: int, end_ms: int, step_ms: int) -> range:
    if step_ms <= 0 or end_ms < start_ms:
        raise ValueError("a range query needs step > 0 and end >= start")
    if (end_ms - start_ms) // step_ms + 1 > MAX_POINTS:
        raise ValueError(f"more than {MAX_POINTS} points per series: use a larger step")
    return range(start_ms, end_ms + 1, step_ms)


def evaluate(samples: list[tuple[int, float]], grid: range) -> list[tuple[int, float]]:
    """The latest sample in ``(t − lookback, t]`` at each ``t`` of the grid (samples sorted)."""
    times = [t for t, _ in samples]
    points = []
    for t in grid:
        i = bisect.bisect_right(times, t) - 1
        if i >= 0 and times[i] > t - LOOKBACK_MS:
            points.append((t, samples[i][1]))
    return points


class DatabaseSource:
    """Raw samples in the control panel's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def query_range(
        self,
        *,
        host: str,
        metric: str,
        matchers: Mapping[str, str],
        start_ms: int,
        end_ms: int,
        step_ms: int,
    ) -> list[SeriesData]:
        grid = steps(start_ms, end_ms, step_ms)
        host_id = self.session.scalar(select(Host.id).where(Host.name == host))
        if host_id is None:
            raise NotFound("host", host)
        found = [
            (row.id, json.loads(row.labels))
            for row in self.session.execute(
                select(MetricSeries.id, MetricSeries.labels).where(
                    MetricSeries.host_id == host_id, MetricSeries.name == metric
                )
            )
        ]
        wanted = {
            sid: labels
            for sid, labels in found
            if all(labels.get(k) == v for k, v in matchers.items())
        }
        if not wanted:
            return []
        rows = self.session.execute(
            select(MetricSample.series_id, MetricSample.t_ms, MetricSample.value)
            .where(
                MetricSample.series_id.in_(wanted),
                MetricSample.t_ms > start_ms - LOOKBACK_MS,
                MetricSample.t_ms <= end_ms,
            )
            .order_by(MetricSample.series_id, MetricSample.t_ms)
        )
        by_series: dict[int, list[tuple[int, float]]] = {sid: [] for sid in wanted}
        for sid, t_ms, value in rows:
            by_series[sid].append((t_ms, value))
        result = [
            SeriesData(metric, wanted[sid], evaluate(samples, grid))
            for sid, samples in by_series.items()
        ]
        return sorted((s for s in result if s.points), key=lambda s: sorted(s.labels.items()))


class PrometheusError(RuntimeError):
    """Prometheus answered with an error (or not at all)."""


def _quote(value: str) -> str:
    return json.dumps(value)  # PromQL string literals escape like JSON's


class PrometheusSource:
    """Prometheus's HTTP API (``/api/v1/query_range``)."""

    def __init__(self, base_url: str, *, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def query_range(
        self,
        *,
        host: str,
        metric: str,
        matchers: Mapping[str, str],
        start_ms: int,
        end_ms: int,
        step_ms: int,
    ) -> list[SeriesData]:
        steps(start_ms, end_ms, step_ms)
        selector = ",".join(
            f"{k}={_quote(v)}" for k, v in sorted({**matchers, "host": host}.items())
        )
        params = {
            "query": f"{metric}{{{selector}}}",
            "start": f"{start_ms / 1000:.3f}",
            "end": f"{end_ms / 1000:.3f}",
            "step": f"{step_ms / 1000:.3f}",
        }
        try:
            response = httpx.get(
                f"{self.base_url}/api/v1/query_range", params=params, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            raise PrometheusError(f"Prometheus at {self.base_url} did not answer: {exc}") from exc
        body = response.json()
        if response.status_code != 200 or body.get("status") != "success":
            raise PrometheusError(f"Prometheus refused the query: {body.get('error', body)}")
        result = []
        for item in body["data"]["result"]:
            labels = {
                k: v
                for k, v in item["metric"].items()
                if k != "__name__" and k not in TARGET_LABELS
            }
            points = [(round(float(t) * 1000), float(v)) for t, v in item["values"]]
            result.append(SeriesData(metric, labels, points))
        return sorted(result, key=lambda s: sorted(s.labels.items()))
