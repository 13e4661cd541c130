"""Agent benchmark: the govcloud agent's CPU per collection against Debian's
``prometheus-node-exporter`` per scrape, on the same machine in the same run.

Both run as their own processes for ``--seconds`` each and are scraped on ``/metrics`` at
the same pace.  The agent also collects on its own tick (the same pace), seals a batch per
collection and pushes it to a stub panel in this process (answering 200 like the real one),
so its figure covers everything it does per collection: psutil reads, the exposition, JSON,
the spool file and the push.  CPU is the process's user + system time (``psutil``) over the
run, divided by collections (the agent's own counter) or scrapes (node_exporter).
Goal: agent ÷ node_exporter ≤ 1.0×.

Run: ``.venv/bin/python bench/agent.py [--seconds 20] [--interval 0.25]``
(``apt-get install prometheus-node-exporter`` for the baseline; the bench says when it is
missing.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.monitoring.agent.processes import free_port, scrape, wait_for  # noqa: E402


class StubPanel(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        batch_id = json.loads(body)["batch_id"]
        answer = json.dumps({"batch_id": batch_id, "stored": 1, "duplicate": False}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        return


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _scrape_loop(url: str, seconds: float, interval: float) -> int:
    scrapes = 0
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=10) as client:
        while time.monotonic() < deadline:
            client.get(url).raise_for_status()
            scrapes += 1
            time.sleep(interval)
    return scrapes


def bench_agent(seconds: float, interval: float, tmp: Path) -> float:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubPanel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = free_port()
    env = {**os.environ, "GOVCLOUD_AGENT_TOKEN": "gca_bench", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "monitoring.agent",
            "--push", f"http://127.0.0.1:{server.server_port}",
            "--interval", str(interval), "--push-interval", str(interval),
            "--spool-dir", str(tmp / "spool"), "--listen", f"127.0.0.1:{port}",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        wait_for(lambda: "node_load1" in httpx.get(url).text, timeout=60, what="the agent")
        time.sleep(1)  # past start-up (imports are not per collection)
        before_cpu = _cpu(process.pid)
        before = scrape(url)["govcloud_agent_collections_total"]
        _scrape_loop(url, seconds, interval)
        after = scrape(url)["govcloud_agent_collections_total"]
        spent = _cpu(process.pid) - before_cpu
    finally:
        process.terminate()
        process.wait(20)
        server.shutdown()
    return spent / max(1.0, after - before)


def bench_node_exporter(binary: str, seconds: float, interval: float) -> float:
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        wait_for(lambda: "node_load1" in httpx.get(url).text, timeout=60, what="node_exporter")
        time.sleep(1)
        before_cpu = _cpu(process.pid)
        scrapes = _scrape_loop(url, seconds, interval)
        spent = _cpu(process.pid) - before_cpu
    finally:
        process.terminate()
        process.wait(20)
    return spent / scrapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=0.25)
    args = parser.parse_args()
    binary = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    with tempfile.TemporaryDirectory() as tmpdir:
        agent = bench_agent(args.seconds, args.interval, Path(tmpdir))
    print(f"govcloud agent:  {agent * 1000:7.2f} ms CPU per collection (collect, expose, push)")
    if binary is None:
        print(
            "prometheus-node-exporter not installed (apt-get install prometheus-node-exporter): "
            "no baseline, no ratio"
        )
        return
    exporter = bench_node_exporter(binary, args.seconds, args.interval)
    print(f"node_exporter:   {exporter * 1000:7.2f} ms CPU per scrape")
    print(f"ratio:           {agent / exporter:7.2f}×  (goal ≤ 1.0×)")


if __name__ == "__main__":
    main()
