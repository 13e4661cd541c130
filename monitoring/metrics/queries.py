"""Read queries over the stored samples for the floors above (billing reads traffic here).

Counters are read from the minute roll-ups (kept ``minute_retention_days``, long after raw
samples are gone): each minute bucket's ``last`` is the counter's value at its latest sample.
:func:`counter_increases` turns a host's byte counters into increases per minute bucket with
three rules, stated here once:

* **reset** — a counter that went down (a reboot, a driver reload, a 32-bit wrap) restarted
  from zero: the bucket's increase is its ``last`` value, the bytes counted since the restart.
  A reset inside a bucket is seen as ``min < previous last`` or ``last < max``.  Never negative;
  bytes counted before a restart and not yet sampled are lost (never over-counted).
* **gap** — an increase between two buckets further apart than ``max_gap_ms`` is dropped, not
  spread: its bytes cannot be placed in time, so nothing is invented for the missing minutes.
* **implausible** — an increase faster than ``max_bytes_per_s`` (a counter glitch) is dropped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.metrics.models import MetricRollup, MetricSeries

TRANSMIT_BYTES = "node_network_transmit_bytes_total"
MINUTE = 60
# Virtual and loopback devices carry traffic already counted on the physical ones (or none).
VIRTUAL_DEVICE_PREFIXES = (
    "lo", "veth", "docker", "br-", "virbr", "vnet", "tap", "tun", "cni", "flannel", "cali",
    "kube-", "vxlan",
)  # fmt: skip
DEFAULT_MAX_GAP_MS = 15 * 60_000
DEFAULT_MAX_BYTES_PER_S = 100e9 / 8  # 100 Gbit/s: faster than any host's uplinks


@dataclass
class CounterIncreases:
    """Per host: bucket start (epoch ms) → bytes counted in it; plus what the rules dropped."""

    by_host: dict[int, dict[int, int]] = field(default_factory=dict)
    resets: int = 0
    gaps: int = 0
    implausible: int = 0


def physical_device(labels: str) -> bool:
    device = str(json.loads(labels).get("device", ""))
    return bool(device) and not device.startswith(VIRTUAL_DEVICE_PREFIXES)


def counter_increases(
    session: Session,
    *,
    host_ids: Collection[int],
    start_ms: int,
    end_ms: int,
    metric: str = TRANSMIT_BYTES,
    max_gap_ms: int = DEFAULT_MAX_GAP_MS,
    max_bytes_per_s: float = DEFAULT_MAX_BYTES_PER_S,
) -> CounterIncreases:
    """Increases of ``metric`` (summed over a host's physical devices) per minute bucket in
    ``[start_ms, end_ms)``, by the rules in the module docstring."""
    out = CounterIncreases()
    if not host_ids:
        return out
    series = {
        row.id: row.host_id
        for row in session.execute(
            select(MetricSeries.id, MetricSeries.host_id, MetricSeries.labels).where(
                MetricSeries.host_id.in_(sorted(host_ids)), MetricSeries.name == metric
            )
        )
        if physical_device(row.labels)
    }
    if not series:
        return out
    rows = session.execute(
        select(
            MetricRollup.series_id,
            MetricRollup.bucket_ms,
            MetricRollup.min,
            MetricRollup.max,
            MetricRollup.last,
        )
        .where(
            MetricRollup.series_id.in_(sorted(series)),
            MetricRollup.step_s == MINUTE,
            # One bucket before the period (within the gap) gives the first increase its base.
            MetricRollup.bucket_ms >= start_ms - max_gap_ms,
            MetricRollup.bucket_ms < end_ms,
        )
        .order_by(MetricRollup.series_id, MetricRollup.bucket_ms)
    )
    sums: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    previous: tuple[int, int, float] | None = None  # (series, bucket, last)
    for sid, bucket, low, high, last in rows:
        prev = previous if previous is not None and previous[0] == sid else None
        previous = (sid, bucket, last)
        if prev is None:
            continue
        if bucket - prev[1] > max_gap_ms:
            out.gaps += 1
            continue
        if low < prev[2] or last < high:
            out.resets += 1
            increase = last
        else:
            increase = last - prev[2]
        if increase > max_bytes_per_s * (bucket - prev[1]) / 1000:
            out.implausible += 1
            continue
        if bucket >= start_ms and increase > 0:
            sums[series[sid]][bucket] += round(increase)
    out.by_host = {host: dict(buckets) for host, buckets in sums.items()}
    return out


def hosts_with_counters(session: Session, *, host_ids: Iterable[int]) -> set[int]:
    """The hosts among ``host_ids`` whose agents report transmit counters at all."""
    query = select(MetricSeries.host_id).where(
        MetricSeries.host_id.in_(sorted(set(host_ids))), MetricSeries.name == TRANSMIT_BYTES
    )
    return set(session.scalars(query.distinct()))
