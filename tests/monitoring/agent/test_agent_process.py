"""A real agent process pushing to a real control panel (uvicorn) on 127.0.0.1.

Runs on each test database (the panel process is pointed at it): the SQLite file, and the
PostgreSQL database when ``GOVCLOUD_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from monitoring.metrics.models import MetricBatch, MetricSample
from tests.monitoring.agent.processes import (
    AgentProcess,
    Panel,
    free_port,
    running,
    scrape,
    wait_for,
)
from tests.monitoring.metrics_support import enrol, make_hosts

pytestmark = pytest.mark.slow


def _stored_batches(session: Session) -> list[MetricBatch]:
    session.rollback()
    return list(session.scalars(select(MetricBatch).order_by(MetricBatch.id)))


def _spooled(spool: Path) -> list[int]:
    return [int(p.name.split("-", 1)[0]) for p in spool.glob("*.batch.json")]


def _agent_args(panel_url: str, spool: Path, *extra: str) -> list[str]:
    return [
        "--push", panel_url, "--interval", "0.2", "--push-interval", "0.2",
        "--spool-dir", str(spool), "--listen", f"127.0.0.1:{free_port()}", *extra,
    ]  # fmt: skip


def test_panel_killed_and_restarted_during_pushes_every_sample_stored_once_in_order(
    engine: Engine, session: Session, database_url: str, tmp_path: Path
) -> None:
    """Catches batches lost while the panel is down, replays stored twice, and batches stored
    out of the order the agent sealed them (ids grow with storage order, seq with sealing)."""
    who = enrol(session, make_hosts(session, 1)[0])
    panel = Panel(database_url, free_port(), tmp_path / "panel.log")
    spool = tmp_path / "spool"
    panel.start()
    agent = AgentProcess(_agent_args(panel.url, spool), who.token, tmp_path / "agent.log")
    with running(agent.kill, panel.kill):
        wait_for(lambda: len(_stored_batches(session)) >= 5, what="five stored batches")
        panel.kill()
        # The agent keeps collecting and spools its batches.
        wait_for(lambda: len(list(spool.glob("*.batch.json"))) >= 4, what="a spooled backlog")
        backlog = max(_spooled(spool))
        panel.start()
        wait_for(lambda: min(_spooled(spool), default=backlog + 1) > backlog, what="the backlog")
        time.sleep(0.5)
        assert agent.stop() == 0
    sealed = json.loads((spool / "state.json").read_text())
    batches = _stored_batches(session)
    seqs = [b.seq for b in batches]
    left = sorted(p.name for p in spool.glob("*.batch.json"))
    assert seqs == list(range(1, sealed["next_seq"])), f"lost or reordered: {seqs}, left {left}"
    assert sealed["dropped_batches_total"] == 0
    samples = session.scalar(select(func.count()).select_from(MetricSample))
    assert samples == sum(b.sample_count for b in batches)
    # Every collection is stored whole: each series has one sample per collection time.
    times = session.scalar(select(func.count(func.distinct(MetricSample.t_ms))))
    assert times is not None
    assert times >= len(batches)


def test_spool_overflow_drops_the_oldest_and_reports_the_drops(
    engine: Engine, session: Session, database_url: str, tmp_path: Path
) -> None:
    """Catches drops that go unreported (to the panel, in the next batch) or uncounted."""
    who = enrol(session, make_hosts(session, 1)[0])
    panel = Panel(database_url, free_port(), tmp_path / "panel.log")
    spool = tmp_path / "spool"
    listen = free_port()
    args = _agent_args(panel.url, spool, "--spool-max-batches", "3")
    args[args.index("--listen") + 1] = f"127.0.0.1:{listen}"
    agent = AgentProcess(args, who.token, tmp_path / "agent.log")
    with running(agent.kill, panel.kill):
        metrics_url = f"http://127.0.0.1:{listen}/metrics"
        wait_for(
            lambda: scrape(metrics_url).get("govcloud_agent_spool_dropped_batches_total", 0) >= 5,
            what="the full spool to drop batches",
        )
        assert scrape(metrics_url)["govcloud_agent_spool_batches"] <= 3
        panel.start()
        wait_for(lambda: len(_stored_batches(session)) >= 6, what="batches after the restart")
        assert agent.stop() == 0
    batches = _stored_batches(session)
    seqs = [b.seq for b in batches]
    assert seqs == sorted(seqs)
    missing = set(range(1, seqs[-1] + 1)) - set(seqs)
    assert missing
    assert min(missing) == 1, "the oldest batches are the ones dropped"
    reported = batches[-1]
    assert reported.dropped_batches_total == len(missing)
    # Each dropped batch held at least one collection (the host's series count varies).
    smallest = min(b.sample_count for b in batches)
    assert reported.dropped_samples_total >= len(missing) * smallest * 0.5


def test_agent_metrics_use_node_exporter_names_with_collection_timestamps(
    tmp_path: Path,
) -> None:
    port = free_port()
    agent = AgentProcess(
        ["--interval", "0.5", "--listen", f"127.0.0.1:{port}", "--spool-dir", str(tmp_path)],
        "",
        tmp_path / "agent.log",
    )
    with running(agent.kill):
        import httpx

        url = f"http://127.0.0.1:{port}/metrics"
        wait_for(lambda: "node_cpu_seconds_total" in httpx.get(url).text, what="/metrics")
        text = httpx.get(url).text
    assert agent.process.returncode in (None, -9)
    for expected in (
        "# TYPE node_cpu_seconds_total counter",
        'node_cpu_seconds_total{cpu="0",mode="idle"}',
        "node_memory_MemTotal_bytes ",
        "node_memory_MemAvailable_bytes ",
        "node_load1 ",
        "node_boot_time_seconds ",
        'node_filesystem_size_bytes{device="',
        "govcloud_agent_spool_dropped_batches_total 0.0",
    ):
        assert expected in text, expected
    line = next(x for x in text.splitlines() if x.startswith("node_memory_MemTotal_bytes "))
    stamp_ms = int(line.split()[-1])
    assert abs(stamp_ms / 1000 - time.time()) < 30, "samples carry their collection time"
