"""The at-scale path: Debian's Prometheus scraping a real agent, read through its HTTP API,
gives the same figures as the embedded database the same agent pushes to.

The agent collects every 3 s and Prometheus scrapes every second, so every collection is
scraped (the agent stamps its exposition with the collection time, and Prometheus keeps it);
the two sources are compared over the span Prometheus holds, at a 1-second step, under the
range-query semantics written down in monitoring/metrics/sources.py.  Skipped, saying so,
where Debian's ``prometheus`` is not installed (``apt-get install prometheus``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitoring.metrics.sources import DatabaseSource, PrometheusSource
from tests.monitoring.agent.processes import AgentProcess, Panel, free_port, running, wait_for
from tests.monitoring.metrics_support import enrol, make_hosts

PROMETHEUS = shutil.which("prometheus")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PROMETHEUS is None,
        reason="Debian's prometheus is not installed (apt-get install prometheus)",
    ),
]


def _start_prometheus(
    tmp_path: Path, agent_port: int, host: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: govcloud-agent
    honor_timestamps: true
    static_configs:
      - targets: ["127.0.0.1:{agent_port}"]
        labels: {{host: "{host}"}}
"""
    )
    with (tmp_path / "prometheus.log").open("ab") as log:
        process = subprocess.Popen(
            [
                str(PROMETHEUS), f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200, what="prometheus")
    return process, url


def test_prometheus_and_the_database_give_the_same_figures(
    engine: Engine, session: Session, database_url: str, tmp_path: Path
) -> None:
    """Catches the two sources disagreeing on values, times, labels or step semantics."""
    who = enrol(session, make_hosts(session, 1)[0])
    host = who.host.name
    panel = Panel(database_url, free_port(), tmp_path / "panel.log")
    panel.start()
    agent_port = free_port()
    agent = AgentProcess(
        [
            "--push", panel.url, "--interval", "3", "--push-interval", "3",
            "--spool-dir", str(tmp_path / "spool"), "--listen", f"127.0.0.1:{agent_port}",
        ],
        who.token, tmp_path / "agent.log",
    )  # fmt: skip
    prometheus, prom_url = _start_prometheus(tmp_path, agent_port, host)
    source = PrometheusSource(prom_url)
    now_ms = int(time.time() * 1000)

    def collections_seen() -> list[float]:
        (series,) = source.query_range(
            host=host,
            metric="node_time_seconds",
            matchers={},
            start_ms=now_ms - 60_000,
            end_ms=int(time.time() * 1000),
            step_ms=1000,
        )
        return sorted({v for _t, v in series.points})

    def stop_prometheus() -> None:
        prometheus.terminate()
        prometheus.wait(20)

    with running(agent.kill, panel.kill, stop_prometheus):
        wait_for(lambda: len(collections_seen()) >= 5, timeout=60, what="five scraped collections")
        seen = collections_seen()
        assert agent.stop() == 0
        compared = _compare(source, DatabaseSource(session), session, host, seen)
    assert compared > 20


def _compare(
    prometheus: PrometheusSource,
    database: DatabaseSource,
    session: Session,
    host: str,
    seen: list[float],
) -> int:
    first_ms, last_ms = round(seen[0] * 1000), round(seen[-1] * 1000)
    session.rollback()
    compared = 0
    for metric, matchers in (
        ("node_memory_MemAvailable_bytes", {}),
        ("node_cpu_seconds_total", {"cpu": "0"}),
        ("node_load1", {}),
        ("node_network_receive_bytes_total", {}),
    ):
        # Outside the scraped span the two differ (the panel holds collections before and
        # after it); inside, every collection is in both.
        kwargs = {"host": host, "metric": metric, "matchers": matchers}
        span = {"start_ms": first_ms, "end_ms": last_ms, "step_ms": 1000}
        from_db = database.query_range(**kwargs, **span)  # type: ignore[arg-type]
        from_prometheus = prometheus.query_range(**kwargs, **span)  # type: ignore[arg-type]
        assert from_db, metric
        assert [(s.labels, s.points) for s in from_db] == [
            (s.labels, s.points) for s in from_prometheus
        ], metric
        compared += sum(len(s.points) for s in from_db)
    return compared
