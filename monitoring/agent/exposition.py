"""The agent's own ``/metrics``: the last collection, under node_exporter's names, plus the
agent's health (spool depth, drops, pushes).

Collected samples are exposed with the time they were collected (explicit timestamps in the
text format), so a Prometheus scraping the agent stores exactly what the agent pushes to the
panel: same times, same values.  Scraping never triggers a collection.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from monitoring.agent.collect import HELP, Collection

if TYPE_CHECKING:
    from monitoring.agent.main import Agent


def _family(name: str) -> tuple[str, str]:
    if name.endswith("_total"):
        return name.removesuffix("_total"), "counter"
    return name, "gauge"


class AgentCollector(Collector):
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def collect(self) -> Iterator[Metric]:
        last: Collection | None = self.agent.last_collection
        if last is not None:
            families: dict[str, Metric] = {}
            # The text format prints int(seconds * 1000): half a millisecond more makes the
            # truncation land on t_ms exactly instead of one below it.
            stamp = (last.t_ms + 0.5) / 1000
            for sample in last.samples:
                base, kind = _family(sample.name)
                family = families.get(base)
                if family is None:
                    family = families[base] = Metric(base, HELP.get(sample.name, base), kind)
                family.add_sample(sample.name, dict(sample.labels), sample.value, timestamp=stamp)
            yield from families.values()
        yield from self._health()

    def _health(self) -> Iterator[Metric]:
        agent = self.agent
        stats = agent.stats.snapshot()
        spool = agent.spool
        values: dict[str, tuple[str, str, float]] = {
            "govcloud_agent_spool_batches": ("gauge", "Batches waiting on disk", spool.batches),
            "govcloud_agent_spool_bytes": ("gauge", "Bytes waiting on disk", spool.bytes),
            "govcloud_agent_spool_dropped_batches_total": (
                "counter",
                "Batches the full spool dropped (oldest first)",
                spool.state.dropped_batches_total,
            ),
            "govcloud_agent_spool_dropped_samples_total": (
                "counter",
                "Samples in the batches the full spool dropped",
                spool.state.dropped_samples_total,
            ),
        }
        for name, (kind, help_text, value) in values.items():
            family = Metric(_family(name)[0], help_text, kind)
            family.add_sample(name, {}, float(value))
            yield family
        for name, value in sorted(stats.items()):
            family = Metric(name, f"Agent counter {name}", "counter")
            family.add_sample(f"{name}_total", {}, float(value))
            yield family


class Stats:
    """Thread-safe counters of the agent's own work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: defaultdict[str, float] = defaultdict(float)

    def add(self, name: str, amount: float = 1) -> None:
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)


def serve(agent: Agent, listen: str) -> None:
    """Serve ``/metrics`` on ``host:port`` in a daemon thread."""
    host, _, port = listen.rpartition(":")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AgentCollector(agent))
    start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0", registry=registry)  # noqa: S104
