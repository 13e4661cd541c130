"""The agent process: collect on a tick, seal batches into the spool, send them in order.

Two threads: the main one collects every ``interval_s`` and seals a batch every
``push_interval_s``; the sender sends the spool's oldest batch until the panel accepts it
(200, stored now or before), and only then the next, so batches arrive in the order they were
sealed.  A panel that is down costs a back-off, never a collection.  A batch the panel refuses
as bad (4xx other than 401/403/408/429) is counted and dropped: it would be refused forever.
SIGTERM and SIGINT seal what was collected and give the sender a moment to flush.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from monitoring.agent import collect as collector
from monitoring.agent.exposition import Stats, serve
from monitoring.agent.spool import Spool, SpoolState

log = logging.getLogger("govcloud.agent")
RETRYABLE = frozenset({401, 403, 408, 425, 429})
BATCHES_PATH = "/api/v1/metrics/batches"


@dataclass(frozen=True)
class AgentConfig:
    panel_url: str | None  # None: expose /metrics only, push nothing
    token: str = ""
    interval_s: float = 15.0
    push_interval_s: float = 60.0
    spool_dir: Path = Path("/var/lib/govcloud-agent/spool")
    spool_max_batches: int = 10_000
    spool_max_bytes: int = 64 * 1024 * 1024
    listen: str = "127.0.0.1:9101"  # "" for no /metrics
    host_root: str | None = None
    timeout_s: float = 10.0
    max_backoff_s: float = 30.0
    flush_on_exit_s: float = 10.0


class Agent:
    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.spool = Spool(
            config.spool_dir,
            max_batches=config.spool_max_batches,
            max_bytes=config.spool_max_bytes,
        )
        self.stats = Stats()
        self.last_collection: collector.Collection | None = None
        self._pending: list[collector.Collection] = []
        self._stop = threading.Event()
        self._wake = threading.Event()

    # -- collecting and sealing --------------------------------------------------------------

    def collect_once(self) -> collector.Collection:
        started = time.process_time()
        collection = collector.collect()
        self.stats.add("govcloud_agent_collection_cpu_seconds", time.process_time() - started)
        self.stats.add("govcloud_agent_collections")
        self.last_collection = collection
        self._pending.append(collection)
        return collection

    def seal(self) -> dict[str, Any] | None:
        """Turn the collections gathered since the last seal into one spooled batch."""
        if not self._pending or self.config.panel_url is None:
            self._pending.clear()
            return None
        pending, self._pending = self._pending, []

        def build(seq: int, state: SpoolState) -> dict[str, Any]:
            index: dict[tuple[str, collector.Labels], int] = {}
            series: list[dict[str, Any]] = []
            samples: list[list[Any]] = []
            for collection in pending:
                for s in collection.samples:
                    key = (s.name, s.labels)
                    i = index.get(key)
                    if i is None:
                        i = index[key] = len(series)
                        series.append({"name": s.name, "labels": dict(s.labels)})
                    samples.append([i, collection.t_ms, s.value])
            return {
                "batch_id": str(uuid.uuid4()),
                "seq": seq,
                "dropped_batches_total": state.dropped_batches_total,
                "dropped_samples_total": state.dropped_samples_total,
                "series": series,
                "samples": samples,
            }

        batch = self.spool.seal(build)
        self.stats.add("govcloud_agent_batches_sealed")
        self.stats.add("govcloud_agent_samples_sealed", len(batch["samples"]))
        self._wake.set()
        return batch

    # -- sending ----------------------------------------------------------------------------

    def send_pending(self, client: httpx.Client) -> bool:
        """Send queued batches oldest first; False when the panel could not take one."""
        while (head := self.spool.head()) is not None:
            entry, body = head
            try:
                response = client.post(
                    self.config.panel_url.rstrip("/") + BATCHES_PATH,  # type: ignore[union-attr]
                    content=body,
                    headers={
                        "authorization": f"Bearer {self.config.token}",
                        "content-type": "application/json",
                    },
                )
            except httpx.HTTPError as exc:
                self.spool.release()
                self.stats.add("govcloud_agent_push_failures")
                log.info("panel unreachable (%s); %d batches spooled", exc, self.spool.batches)
                return False
            if response.status_code == 200:
                self.spool.done(entry)
                self.stats.add("govcloud_agent_batches_sent")
                if response.json().get("duplicate"):
                    self.stats.add("govcloud_agent_batches_replayed")
                continue
            if response.status_code >= 500 or response.status_code in RETRYABLE:
                self.spool.release()
                self.stats.add("govcloud_agent_push_failures")
                log.warning("panel answered %s: %s", response.status_code, response.text[:300])
                return False
            log.error("panel refused batch %s: %s", entry.seq, response.text[:500])
            self.stats.add("govcloud_agent_batches_rejected")
            self.spool.done(entry)
        return True

    def _sender(self) -> None:
        backoff = 0.0
        with httpx.Client(timeout=self.config.timeout_s) as client:
            while not self._stop.is_set():
                self._wake.wait(timeout=backoff or None)
                self._wake.clear()
                if self.send_pending(client):
                    backoff = 0.0
                else:
                    backoff = min(self.config.max_backoff_s, max(0.2, backoff * 2))

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        collector.use_host_root(self.config.host_root)
        if self.config.listen:
            serve(self, self.config.listen)
        sender = None
        if self.config.panel_url is not None:
            sender = threading.Thread(target=self._sender, name="sender", daemon=True)
            sender.start()
        last_seal = time.monotonic()
        next_tick = time.monotonic()
        while not self._stop.is_set():
            self.collect_once()
            if time.monotonic() - last_seal >= self.config.push_interval_s - 1e-3:
                self.seal()
                last_seal = time.monotonic()
            next_tick += self.config.interval_s
            self._stop.wait(max(0.0, next_tick - time.monotonic()))
        self.seal()
        if sender is not None:
            sender.join(self.config.timeout_s)  # one sender at a time keeps batches in order
        if self.config.panel_url is not None:
            with httpx.Client(timeout=self.config.flush_on_exit_s) as client:
                deadline = time.monotonic() + self.config.flush_on_exit_s
                while self.spool.batches and time.monotonic() < deadline:
                    if not self.send_pending(client):
                        time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()


def parse_args(argv: list[str] | None = None) -> AgentConfig:
    parser = argparse.ArgumentParser(prog="govcloud-agent", description=__doc__)
    parser.add_argument("--push", metavar="URL", help="the control panel to push batches to")
    parser.add_argument("--token-file", type=Path, help="file holding the agent token (gca_…)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between collections")
    parser.add_argument("--push-interval", type=float, default=60.0, help="seconds per batch")
    parser.add_argument("--spool-dir", type=Path, default=AgentConfig.spool_dir)
    parser.add_argument("--spool-max-batches", type=int, default=AgentConfig.spool_max_batches)
    parser.add_argument("--spool-max-bytes", type=int, default=AgentConfig.spool_max_bytes)
    parser.add_argument("--listen", default=AgentConfig.listen, help="host:port of /metrics")
    parser.add_argument("--host-root", help="where the host's /proc is mounted (containers)")
    args = parser.parse_args(argv)
    token = ""
    if args.push:
        token = os.environ.get("GOVCLOUD_AGENT_TOKEN", "")
        if args.token_file:
            token = args.token_file.read_text().strip()
        if not token:
            parser.error("--push needs a token: --token-file or GOVCLOUD_AGENT_TOKEN")
    return AgentConfig(
        panel_url=args.push,
        token=token,
        interval_s=args.interval,
        push_interval_s=args.push_interval,
        spool_dir=args.spool_dir,
        spool_max_batches=args.spool_max_batches,
        spool_max_bytes=args.spool_max_bytes,
        listen=args.listen,
        host_root=args.host_root,
    )


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per push
    agent = Agent(parse_args(argv))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: agent.stop())
    agent.run()


if __name__ == "__main__":
    main()
