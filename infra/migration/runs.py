"""Migration runs as jobs: create, run step by step, resume after a crash, roll back.

A run records each step as it starts and ends, so a run whose process died (or whose link
went down) resumes at the first step not done.  A cut-over that fails after the source was
stopped is rolled back at once: the destination is discarded and the source restarted.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record
from infra.database import utcnow
from infra.discovery.models import DiscoveryTarget, SshCredential
from infra.discovery.secrets import unseal
from infra.discovery.service import known_keys_for
from infra.errors import Conflict, InvalidInput
from infra.events.service import publish
from infra.jobs.enums import EventLevel, JobStatus
from infra.jobs.models import Job
from infra.jobs.runner import JobContext
from infra.jobs.service import submit_job
from infra.migration import steps as steps_
from infra.migration import sweep
from infra.migration.ansible_adapter import PlaybookEvent, run_playbook
from infra.migration.enums import RunKind, RunStatus, SystemStatus
from infra.migration.events import SystemCutOver
from infra.migration.models import LegacySystem, MigrationRun, Wave, WaveMember
from infra.migration.schemas import RunCreate
from infra.migration.service import get_system
from infra.settings import get_settings
from infra.tenancy.scope import Scope

RUN_KIND = "migration.run"


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that claimed a run still lives (on this machine)."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's: cannot tell, assume it runs
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def _target(session: Session, target_id: int, field: str) -> DiscoveryTarget:
    target = session.get(DiscoveryTarget, target_id)
    if target is None:
        raise InvalidInput.one(field, f"no discovery target {target_id}")
    if target.credential_id is None:
        raise InvalidInput.one(field, f"target {target_id} has no credential")
    if not known_keys_for(session, address=target.address, port=target.port):
        raise InvalidInput.one(field, f"govcloud holds no host key for target {target_id}")
    return target


def _check_wave_cap(session: Session, system: LegacySystem) -> None:
    member = session.scalar(select(WaveMember).where(WaveMember.system_id == system.id))
    if member is None:
        return
    wave = session.get(Wave, member.wave_id)
    assert wave is not None
    peers = select(WaveMember.system_id).where(WaveMember.wave_id == wave.id)
    active = session.scalar(
        select(func.count(func.distinct(MigrationRun.system_id))).where(
            MigrationRun.system_id.in_(peers),
            MigrationRun.system_id != system.id,
            MigrationRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        )
    )
    if (active or 0) >= wave.max_concurrent:
        raise Conflict(
            "system_id",
            f"wave {wave.number} of plan {wave.plan} already migrates {active} systems "
            f"(its cap is {wave.max_concurrent})",
        )


def create_run(session: Session, *, data: RunCreate, actor: Actor, scope: Scope) -> MigrationRun:
    """Plan a run and queue its job (throttled by the system's wave cap)."""
    system = get_system(session, system_id=data.system_id, scope=scope)
    if data.source_id == data.destination_id:
        raise InvalidInput.one("destination_id", "the destination must differ from the source")
    _target(session, data.source_id, "source_id")
    _target(session, data.destination_id, "destination_id")
    busy = session.scalar(
        select(MigrationRun.id).where(
            MigrationRun.system_id == system.id,
            MigrationRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        )
    )
    if busy is not None:
        raise Conflict("system_id", f"run {busy} of this system is still under way")
    _check_wave_cap(session, system)
    if data.kind is not RunKind.MIGRATE and not data.data_dirs and not data.service:
        raise InvalidInput.one("kind", f"a {data.kind.value} needs data_dirs or a service")
    # On the hosts: a fresh unguessable name; the transfer key's directory in it is 0700.
    remote_run_dir = f"/var/tmp/govcloud-run-{secrets.token_hex(8)}"  # noqa: S108
    plan = data.model_dump(
        mode="json",
        include={
            "data_dirs",
            "databases",
            "service",
            "service_config_dir",
            "bwlimit_kib",
            "uid_map",
            "gid_map",
        },
    ) | {"remote_run_dir": remote_run_dir}
    run = MigrationRun(
        system_id=system.id,
        kind=data.kind,
        status=RunStatus.QUEUED,
        source_id=data.source_id,
        destination_id=data.destination_id,
        plan=plan,
        steps=steps_.initial_steps(data.kind, plan),
        results={},
        created_by=actor.username,
        attempts=0,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="migration_run",
        entity_id=run.id,
        after={"kind": run.kind, "system_id": system.id, "plan": plan},
        department_id=system.department_id,
    )
    _submit(session, run, actor=actor, department_id=system.department_id)
    return run


def _submit(session: Session, run: MigrationRun, *, actor: Actor, department_id: int) -> Job:
    job = submit_job(
        session,
        kind=RUN_KIND,
        title=f"{run.kind.value} run {run.id} of system {run.system_id}",
        params={"run_id": run.id},
        actor=actor,
        department_id=department_id,
    )
    run.job_id = job.id
    return job


def resume_run(session: Session, *, run_id: int, actor: Actor, scope: Scope) -> MigrationRun:
    """Go on from the first step not done, after a failure or a crash of the run's process."""
    run = get_run(session, run_id=run_id, scope=scope)
    if run.status is RunStatus.RUNNING and owner_alive(run.owner):
        raise Conflict("status", f"run {run_id} is running in process {run.owner}")
    if not run.status.resumable and run.status is not RunStatus.QUEUED:
        raise Conflict("status", f"run {run_id} has {run.status.value}; nothing to resume")
    if run.job_id:
        stale = session.get(Job, run.job_id)
        if stale is not None and not stale.status.finished:
            stale.status, stale.error = JobStatus.FAILED, "interrupted: its process died"
            stale.finished_at = utcnow()
    run.status, run.owner = RunStatus.QUEUED, None
    system = session.get(LegacySystem, run.system_id)
    assert system is not None
    record(
        session,
        actor=actor,
        action="resume",
        entity="migration_run",
        entity_id=run.id,
        after={"steps": run.steps},
        department_id=system.department_id,
    )
    _submit(session, run, actor=actor, department_id=system.department_id)
    return run


def rollback(session: Session, *, run_id: int, actor: Actor, scope: Scope) -> MigrationRun:
    """Queue a rollback of ``run_id``: restart the source, discard the destination."""
    run = get_run(session, run_id=run_id, scope=scope)
    if run.status is RunStatus.RUNNING and owner_alive(run.owner):
        raise Conflict("status", f"run {run_id} is still running; wait or let it fail first")
    data = RunCreate(
        system_id=run.system_id,
        kind=RunKind.ROLLBACK,
        source_id=run.source_id,
        destination_id=run.destination_id,
        **{
            k: v
            for k, v in run.plan.items()
            if k in ("data_dirs", "databases", "service", "service_config_dir")
        },
    )
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED):
        run.status, run.error = RunStatus.FAILED, run.error or "abandoned for a rollback"
    return create_run(session, data=data, actor=actor, scope=scope)


def get_run(session: Session, *, run_id: int, scope: Scope) -> MigrationRun:
    run = session.get(MigrationRun, run_id)
    if run is None:
        from infra.errors import NotFound

        raise NotFound("migration run", run_id)
    get_system(session, system_id=run.system_id, scope=scope)
    return run


def list_runs(
    session: Session, *, scope: Scope, system_id: int | None = None
) -> list[MigrationRun]:
    query = (
        select(MigrationRun)
        .join(LegacySystem, LegacySystem.id == MigrationRun.system_id)
        .where(scope.where(LegacySystem.department_id))
    )
    if system_id is not None:
        query = query.where(MigrationRun.system_id == system_id)
    return list(session.scalars(query.order_by(MigrationRun.id.desc())))


# --- the job ------------------------------------------------------------------------------


def _side(session: Session, target_id: int, keys_dir: Path) -> steps_.Side:
    target = session.get(DiscoveryTarget, target_id)
    assert target is not None
    credential = session.get(SshCredential, target.credential_id)
    assert credential is not None
    key_file = keys_dir / f"{target_id}.key"
    key_file.touch(mode=0o600)
    key_file.write_text(unseal(credential.sealed_key).strip() + "\n")  # ssh needs the newline
    where = target.address if target.port == 22 else f"[{target.address}]:{target.port}"
    lines = [
        f"{where} {key_type} {key}"
        for key_type, key in known_keys_for(session, address=target.address, port=target.port)
    ]
    return steps_.Side(target.address, target.port, credential.username, key_file, lines)


def _set_step(context: JobContext, run_id: int, name: str, **values: Any) -> None:
    with context.session() as session:
        run = session.get(MigrationRun, run_id)
        assert run is not None
        run.steps = [s | values if s["name"] == name else s for s in run.steps]


def _finish(context: JobContext, run_id: int, status: RunStatus, error: str | None) -> None:
    with context.session() as session:
        run = session.get(MigrationRun, run_id)
        assert run is not None
        now = utcnow()
        run.status, run.error, run.owner = status, error, None
        if status is not RunStatus.FAILED:
            run.finished_at = now
        system = session.get(LegacySystem, run.system_id)
        assert system is not None
        if status is RunStatus.SUCCEEDED:
            system.status = {
                RunKind.MIGRATE: SystemStatus.MIGRATING,
                RunKind.CUTOVER: SystemStatus.MIGRATED,
                RunKind.ROLLBACK: SystemStatus.ROLLED_BACK,
            }[run.kind]
            if run.kind is RunKind.CUTOVER:
                cut_over = SystemCutOver(
                    system_id=system.id, department_id=system.department_id, run_id=run.id, at=now
                )
                publish(session, cut_over)
        elif status is RunStatus.ROLLED_BACK:
            system.status = SystemStatus.ROLLED_BACK


def _run_steps(
    context: JobContext, run_id: int, kind: RunKind, names: list[str], env: dict[str, Any]
) -> str | None:
    """Run the named steps in order; the first failure's message, or None."""
    for name in names:
        step = steps_.step_named(kind, name)
        _set_step(context, run_id, name, status="running", started_at=utcnow().isoformat())
        context.log(f"step {name}: {step.playbook}", step=name)

        def on_event(event: PlaybookEvent, name: str = name) -> None:
            if event.kind in ("task_start", "skipped", "stats"):
                return
            bad = event.kind in ("failed", "unreachable")
            context.log(
                f"{name}: {event.host} {event.kind}: {event.task}"
                + (f" — {event.message}" if event.message else ""),
                level=EventLevel.ERROR if bad else EventLevel.INFO,
                step=name,
                host=event.host,
            )

        request = steps_.request_for(step, **env)
        result = run_playbook(request, on_event=on_event)
        if not result.ok:
            error = "; ".join(result.failures) or f"ansible {result.status} (rc {result.rc})"
            _set_step(context, run_id, name, status="failed", error=error[:2000])
            return f"step {name} failed: {error}"
        with context.session() as session:
            run = session.get(MigrationRun, run_id)
            assert run is not None
            found = steps_.step_results(step, result, run.plan)
            if found:
                run.results = run.results | found
        _set_step(context, run_id, name, status="done", finished_at=utcnow().isoformat())
        context.progress(int(100 * (names.index(name) + 1) / max(1, len(names))) - 1)
    return None


def run_migration(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Do the run's remaining steps; a failed cut-over rolls itself back."""
    run_id = int(params["run_id"])
    settings = get_settings().migration
    with context.session() as session:
        run = session.get(MigrationRun, run_id)
        assert run is not None
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return {"status": run.status.value}
        run.status, run.owner, run.attempts = RunStatus.RUNNING, _owner(), run.attempts + 1
        kind, plan, attempt = run.kind, dict(run.plan), run.attempts
        pending = [s["name"] for s in run.steps if s["status"] in ("pending", "running", "failed")]
        root = Path(settings.run_root).resolve()
        run_dir = root / f"run-{run.id}"
        earlier = sweep.earlier_runs(session, run)
        # First stop every process of earlier attempts (this run's, or a killed run this one
        # rolls back) and remove the secrets they left, before any new key is written.
        leftovers: list[int] = []
        for other in earlier:
            other_dir = root / f"run-{other.id}"
            leftovers += sweep.stop_leftovers(other_dir)
            sweep.remove_secrets(other_dir)
        sweep_dirs = sweep.unswept_dirs(earlier, run)
        run.results = {k: v for k, v in (run.results or {}).items() if k != "swept"}
        keys = run_dir / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        keys.chmod(0o700)
        source = _side(session, run.source_id, keys)
        destination = _side(session, run.destination_id, keys)
        system = session.get(LegacySystem, run.system_id)
        assert system is not None
        if kind is not RunKind.ROLLBACK:
            system.status = SystemStatus.MIGRATING
    if leftovers:
        context.log(
            f"stopped {len(leftovers)} process(es) left by an earlier attempt",
            level=EventLevel.WARNING,
            pids=leftovers,
        )
    known_hosts = run_dir / "known_hosts"
    known_hosts.write_text(
        "\n".join(source.known_hosts_lines + destination.known_hosts_lines) + "\n"
    )
    env = {
        "plan": plan,
        "run_dir": run_dir,
        "remote_run_dir": plan["remote_run_dir"],
        "inventory_": steps_.inventory(source, destination, known_hosts=known_hosts),
        "destination": destination,
        "attempt": attempt,
        "timeout_s": settings.playbook_timeout_s,
    }
    try:
        if sweep_dirs:
            sweep.sweep_hosts(context, run_id, env, sweep_dirs)
        return _attempt(context, run_id, kind, plan, pending, env)
    finally:
        # Nothing of the run stays on the hosts, nor its secrets here (a SIGKILL skips this:
        # the next attempt or rollback sweeps first, above).
        swept = False
        with contextlib.suppress(Exception):
            swept = sweep.sweep_hosts(context, run_id, env, [plan["remote_run_dir"]])
        sweep.remove_secrets(run_dir)
        if swept:
            with context.session() as session:
                done = session.get(MigrationRun, run_id)
                assert done is not None
                done.results = (done.results or {}) | {"swept": True}


def _attempt(
    context: JobContext,
    run_id: int,
    kind: RunKind,
    plan: dict[str, Any],
    pending: list[str],
    env: dict[str, Any],
) -> dict[str, Any]:
    attempt = env["attempt"]
    context.log(f"{kind.value} run {run_id}, attempt {attempt}: steps {pending}")
    error = _run_steps(context, run_id, kind, pending, env)
    if error and kind is RunKind.CUTOVER and _source_was_stopped(context, run_id):
        context.log(f"{error}; rolling back", level=EventLevel.ERROR)
        back = [
            s.name for s in steps_.STEPS[RunKind.ROLLBACK] if s.needs is None or plan.get(s.needs)
        ]
        back_error = _rollback_steps(context, run_id, back, env)
        if back_error:
            message = f"{error}; rollback failed: {back_error}"
            _finish(context, run_id, RunStatus.FAILED, message)
            return {"status": "failed", "error": message}
        _finish(context, run_id, RunStatus.ROLLED_BACK, f"{error}; rolled back")
        return {"status": "rolled_back", "error": error}
    _finish(context, run_id, RunStatus.FAILED if error else RunStatus.SUCCEEDED, error)
    if error:
        context.log(error, level=EventLevel.ERROR)
        return {"status": "failed", "error": error}
    return {"status": "succeeded"}


def _source_was_stopped(context: JobContext, run_id: int) -> bool:
    with context.session() as session:
        run = session.get(MigrationRun, run_id)
        assert run is not None
        return any(
            s["name"] == steps_.ROLLBACK_AFTER_CUTOVER_STEP and s["status"] in ("done", "skipped")
            for s in run.steps
        )


def _rollback_steps(
    context: JobContext, run_id: int, names: list[str], env: dict[str, Any]
) -> str | None:
    """Roll back inside a cut-over run (steps recorded under a ``rollback:`` prefix)."""
    with context.session() as session:
        run = session.get(MigrationRun, run_id)
        assert run is not None
        run.steps = run.steps + [{"name": f"rollback:{n}", "status": "pending"} for n in names]
    for name in names:
        step = steps_.step_named(RunKind.ROLLBACK, name)
        context.log(f"rollback step {name}: {step.playbook}", level=EventLevel.WARNING)
        result = run_playbook(steps_.request_for(step, **env))
        status = "done" if result.ok else "failed"
        _set_step(context, run_id, f"rollback:{name}", status=status)
        if not result.ok:
            return "; ".join(result.failures) or f"ansible {result.status}"
    return None
