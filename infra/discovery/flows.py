"""A discovery sweep as a job: probe the targets in parallel, store each host's facts as it
arrives, then the dependency edges between the hosts govcloud knows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.database import utcnow
from infra.discovery.collector import dependency_edges, sweep
from infra.discovery.enums import Reachability
from infra.discovery.models import DependencyEdge, DiscoveryTarget, KnownHostKey, SshCredential
from infra.discovery.schemas import ProbeResult, ProbeTarget, SweepCreate
from infra.discovery.secrets import unseal
from infra.discovery.service import known_keys_for
from infra.discovery.ssh import fingerprint
from infra.errors import InvalidInput
from infra.jobs.enums import EventLevel
from infra.jobs.models import Job
from infra.jobs.runner import JobContext
from infra.jobs.service import submit_job
from infra.tenancy.scope import Scope

SWEEP_KIND = "discovery.sweep"


def start_sweep(session: Session, *, data: SweepCreate, actor: Actor, scope: Scope) -> Job:
    """Queue a sweep over the given (or every visible) target; returns the job."""
    query = select(DiscoveryTarget.id).where(scope.where(DiscoveryTarget.department_id))
    if data.target_ids:
        query = query.where(DiscoveryTarget.id.in_(data.target_ids))
    ids = list(session.scalars(query.order_by(DiscoveryTarget.id)))
    missing = sorted(set(data.target_ids) - set(ids))
    if missing:
        raise InvalidInput.one("target_ids", f"no such targets: {missing}")
    if not ids:
        raise InvalidInput.one("target_ids", "no targets to discover")
    params = data.model_dump(mode="json") | {"target_ids": ids}
    departments = set(
        session.scalars(select(DiscoveryTarget.department_id).where(DiscoveryTarget.id.in_(ids)))
    )
    return submit_job(
        session,
        kind=SWEEP_KIND,
        title=f"discovery sweep of {len(ids)} host(s)",
        params=params,
        actor=actor,
        department_id=departments.pop() if len(departments) == 1 else None,
    )


def _targets(session: Session, ids: list[int]) -> tuple[list[ProbeTarget], list[ProbeResult]]:
    targets, skipped = [], []
    for row in session.scalars(select(DiscoveryTarget).where(DiscoveryTarget.id.in_(ids))):
        credential = session.get(SshCredential, row.credential_id) if row.credential_id else None
        if credential is None:
            skipped.append(
                ProbeResult(
                    key=row.id,
                    address=row.address,
                    port=row.port,
                    reachability=Reachability.AUTH_FAILED,
                    error="no credential is assigned to this host",
                )
            )
            continue
        targets.append(
            ProbeTarget(
                key=row.id,
                address=row.address,
                port=row.port,
                username=credential.username,
                private_key=unseal(credential.sealed_key),
                known_keys=known_keys_for(session, address=row.address, port=row.port),
                data_dirs=list(row.data_dirs or []),
            )
        )
    return targets, skipped


def _store(session: Session, result: ProbeResult, *, accept_new: bool) -> None:
    row = session.get(DiscoveryTarget, int(result.key))
    if row is None:
        return
    row.reachability = result.reachability
    row.last_error = result.error
    if result.facts is not None:
        row.facts = result.facts.model_dump(mode="json")
        row.hostname = result.facts.hostname
        row.collected_at = utcnow()
    if accept_new and result.offered_key and result.reachability is Reachability.REACHABLE:
        key_type, key = result.offered_key
        known = known_keys_for(session, address=row.address, port=row.port)
        if not known:
            session.add(
                KnownHostKey(
                    address=row.address,
                    port=row.port,
                    key_type=key_type,
                    key=key,
                    fingerprint=fingerprint(key_type, key),
                )
            )


def run_sweep(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Probe every target; one unreachable host is a result, never the end of the sweep."""
    data = SweepCreate.model_validate(params)
    with context.session() as session:
        targets, skipped = _targets(session, data.target_ids)
    total = len(targets) + len(skipped)
    done = 0

    def on_result(result: ProbeResult) -> None:
        nonlocal done
        done += 1
        with context.session() as session:
            _store(session, result, accept_new=data.accept_new_host_keys)
        ok = result.reachability is Reachability.REACHABLE
        context.log(
            f"{result.address}:{result.port} {result.reachability.value}"
            + ("" if ok else f": {result.error}"),
            level=EventLevel.INFO if ok else EventLevel.WARNING,
            target_id=result.key,
            seconds=str(result.seconds),
        )
        context.progress(int(done * 90 / max(1, total)))

    for result in skipped:
        on_result(result)
    results = sweep(
        targets,
        concurrency=data.concurrency,
        samples=data.samples,
        interval_s=float(data.interval_s),
        timeout_s=float(data.timeout_s),
        accept_new=data.accept_new_host_keys,
        on_result=on_result,
    )
    with context.session() as session:
        known: dict[str, int | str] = {
            t.address: t.id for t in session.scalars(select(DiscoveryTarget))
        }
        edges = dependency_edges(results, known=known)
        now = utcnow()
        for edge in edges:
            row = session.scalar(
                select(DependencyEdge).where(
                    DependencyEdge.source_id == edge.source,
                    DependencyEdge.target_id == edge.target,
                    DependencyEdge.port == edge.port,
                )
            )
            if row is None:
                session.add(
                    DependencyEdge(
                        source_id=int(edge.source),
                        target_id=int(edge.target),
                        port=edge.port,
                        process=edge.process,
                        first_seen=now,
                        last_seen=now,
                    )
                )
            else:
                row.last_seen, row.process = now, edge.process or row.process
    counts: dict[str, int] = {}
    for result in [*skipped, *results]:
        counts[result.reachability.value] = counts.get(result.reachability.value, 0) + 1
    context.log(f"sweep done: {counts}; {len(edges)} dependency edge(s)")
    return {"hosts": total, "by_reachability": counts, "edges": len(edges)}
