"""Real processes for the agent tests: a control panel (uvicorn) and host agents, on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], *, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCLOUD_")}
    env.update(GOVCLOUD_DEMO="1", GOVCLOUD_DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    return env


class Panel:
    """``uvicorn --factory portal_api.app:create_app`` on a fixed port, restartable."""

    def __init__(self, database_url: str, port: int, log: Path) -> None:
        self.database_url, self.port, self.log = database_url, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "uvicorn", "--factory", "portal_api.app:create_app",
                    "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
                ],
                env=_env(self.database_url), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
        try:
            wait_for(
                lambda: httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200,
                timeout=60,
                what=f"the panel on {self.url}",
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}; its log:\n{self.log.read_text()[-3000:]}") from None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None


class AgentProcess:
    def __init__(self, args: list[str], token: str, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCLOUD_")}
        env.update(GOVCLOUD_AGENT_TOKEN=token, PYTHONPATH=str(ROOT))
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "monitoring.agent", *args],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip

    def stop(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def scrape(url: str) -> dict[str, float]:
    """A /metrics page as {'name{labels}': value} (timestamps dropped)."""
    values = {}
    for line in httpx.get(url, timeout=5).text.splitlines():
        if line and not line.startswith("#"):
            key, value, *_ = line.rsplit(" ", 2) if line.count(" ") >= 2 else (*line.split(" "),)
            values[key] = float(value)
    return values


@contextlib.contextmanager
def running(*stoppers: Callable[[], object]) -> Iterator[None]:
    try:
        yield
    finally:
        for stop in stoppers:
            with contextlib.suppress(Exception):
                stop()
