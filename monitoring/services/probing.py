"""Running probes: asyncio, bounded concurrency, every check under ``asyncio.wait_for``.

A hung target costs its timeout and nothing else — no thread is parked on it, and a hundred
hung targets take one timeout of wall time (with enough concurrency), not a hundred.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from monitoring.services.enums import ProbeKind

BODY_LIMIT = 1_000_000  # bytes of a response searched for the expected substring


@dataclass(frozen=True)
class ProbeSpec:
    probe_id: int
    kind: ProbeKind
    target: str
    timeout_s: float
    expected_status: int | None = None
    expected_body: str | None = None


@dataclass(frozen=True)
class ProbeOutcome:
    probe_id: int
    ok: bool
    latency_ms: int
    error: str | None = None


async def _http(client: httpx.AsyncClient, spec: ProbeSpec) -> str | None:
    """None when healthy, else what was wrong."""
    async with client.stream("GET", spec.target) as response:
        expected = spec.expected_status
        if expected is not None and response.status_code != expected:
            return f"status {response.status_code}, expected {expected}"
        if expected is None and response.status_code >= 400:
            return f"status {response.status_code}"
        if spec.expected_body:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= BODY_LIMIT:
                    break
            if spec.expected_body.encode() not in body:
                return f"body lacks {spec.expected_body[:40]!r}"
    return None


async def _tcp(spec: ProbeSpec) -> str | None:
    host, _, port = spec.target.rpartition(":")
    _reader, writer = await asyncio.open_connection(host.strip("[]"), int(port))
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()  # the handshake completed: a reset on close is no outage
    return None


async def check(client: httpx.AsyncClient, spec: ProbeSpec) -> ProbeOutcome:
    """Run one probe within its timeout; every failure becomes an outcome, never an error."""
    began = time.perf_counter()
    try:
        job = _http(client, spec) if spec.kind is ProbeKind.HTTP else _tcp(spec)
        problem = await asyncio.wait_for(job, timeout=spec.timeout_s)
    except TimeoutError:
        problem = f"timeout after {spec.timeout_s:g} s"
    except (httpx.HTTPError, OSError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__
    elapsed = int((time.perf_counter() - began) * 1000)
    return ProbeOutcome(spec.probe_id, problem is None, elapsed, problem)


async def run_all(specs: Sequence[ProbeSpec], *, concurrency: int) -> list[ProbeOutcome]:
    """Every probe, at most ``concurrency`` in flight; outcomes in the order of ``specs``."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        limits=limits,
        follow_redirects=False,
        timeout=None,  # noqa: S113 (asyncio.wait_for bounds every check)
        trust_env=False,
    ) as client:

        async def gated(spec: ProbeSpec) -> ProbeOutcome:
            async with gate:
                return await check(client, spec)

        return list(await asyncio.gather(*(gated(s) for s in specs)))


def run_probes(specs: Sequence[ProbeSpec], *, concurrency: int) -> list[ProbeOutcome]:
    """Synchronous entry for the scheduler's handler: one event loop per run, in this thread,
    or in one helper thread when this thread already runs a loop."""
    if not specs:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_all(specs, concurrency=concurrency))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="probes") as pool:
        return pool.submit(asyncio.run, run_all(specs, concurrency=concurrency)).result()
