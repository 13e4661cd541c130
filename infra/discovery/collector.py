"""Probing many hosts at once: bounded concurrency, a deadline per host, no host stops the rest."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from decimal import Decimal

from infra.discovery.enums import Reachability
from infra.discovery.probe import parse_probe, probe_script
from infra.discovery.schemas import DependencyEdgeFacts, ProbeResult, ProbeTarget
from infra.discovery.ssh import SshFailure, run_script

# Loopback and link-local peers are never edges between hosts.
_LOCAL_PREFIXES = ("127.", "::1", "169.254.", "fe80:")


def probe_host(
    target: ProbeTarget,
    *,
    samples: int,
    interval_s: float,
    timeout_s: float,
    accept_new: bool = False,
) -> ProbeResult:
    """Probe one host; every failure becomes a result, never an exception."""
    started = time.monotonic()
    script = probe_script(data_dirs=target.data_dirs, samples=samples, interval_s=interval_s)
    # The sampling window is part of the work, not of the network's allowance.
    budget = timeout_s + samples * interval_s
    offered: tuple[str, str] | None = None
    try:
        output, offered = run_script(
            address=target.address,
            port=target.port,
            username=target.username,
            private_key=target.private_key,
            known_keys=target.known_keys,
            script=script,
            timeout_s=budget,
            accept_new=accept_new,
        )
        facts = parse_probe(output.stdout, interval_s=interval_s)
        reachability, error = Reachability.REACHABLE, None
    except SshFailure as exc:
        facts, reachability, error = None, exc.reachability, exc.reason
        offered = exc.offered_key or offered
    except ValueError as exc:
        facts, reachability, error = None, Reachability.PROBE_FAILED, str(exc)
    return ProbeResult(
        key=target.key,
        address=target.address,
        port=target.port,
        reachability=reachability,
        error=error,
        facts=facts,
        offered_key=offered if reachability is not Reachability.REACHABLE or accept_new else None,
        seconds=Decimal(str(round(time.monotonic() - started, 3))),
    )


def sweep(
    targets: Sequence[ProbeTarget],
    *,
    concurrency: int,
    samples: int = 1,
    interval_s: float = 1.0,
    timeout_s: float = 30.0,
    accept_new: bool = False,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> list[ProbeResult]:
    """Probe ``targets`` with at most ``concurrency`` at a time; results in target order."""
    results: dict[int, ProbeResult] = {}
    workers = max(1, min(concurrency, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="govcloud-probe") as pool:
        futures = {
            pool.submit(
                probe_host,
                target,
                samples=samples,
                interval_s=interval_s,
                timeout_s=timeout_s,
                accept_new=accept_new,
            ): index
            for index, target in enumerate(targets)
        }
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if on_result is not None:
                on_result(result)
    return [results[i] for i in range(len(targets))]


def dependency_edges(
    results: Iterable[ProbeResult], *, known: dict[str, int | str]
) -> list[DependencyEdgeFacts]:
    """Edges from each host's outbound connections to other known hosts (by address)."""
    edges: dict[tuple[int | str, int | str, int], DependencyEdgeFacts] = {}
    for result in results:
        if result.facts is None:
            continue
        own = {result.address} | {c.local_address for c in result.facts.connections}
        for conn in result.facts.connections:
            peer = conn.remote_address
            if conn.direction != "outbound" or peer in own or peer.startswith(_LOCAL_PREFIXES):
                continue
            target = known.get(peer)
            if target is None or target == result.key:
                continue
            key = (result.key, target, conn.service_port)
            edges.setdefault(
                key,
                DependencyEdgeFacts(
                    source=result.key, target=target, port=conn.service_port, process=conn.process
                ),
            )
    return sorted(edges.values(), key=lambda e: (str(e.source), str(e.target), e.port))
