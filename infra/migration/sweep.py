"""Leave nothing of a migration run behind: its processes, its secrets, its files on the hosts.

Every attempt first stops the processes earlier attempts left (this run's, or those of a killed
run this one rolls back) and removes their decrypted keys, then sweeps the hosts
(``playbooks/sweep.yml``); at its end, in a ``finally``, it sweeps the hosts and removes its own
secrets again.  A SIGKILL skips the ``finally``; the next attempt or rollback sweeps first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.jobs.enums import EventLevel
from infra.jobs.runner import JobContext
from infra.migration import steps as steps_
from infra.migration.ansible_adapter import run_playbook
from infra.migration.models import MigrationRun


def stop_leftovers(run_dir: Path) -> list[int]:
    """Kill what an earlier attempt of this run left running on this machine: every process
    whose command line names the run's directory (ansible-playbook, its ssh with the run's key)
    and every process of the sessions those run in (a crashed control panel's Ansible lives
    on in a session of its own, with children that do not name the directory)."""
    marker = str(run_dir) + os.sep
    mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    own_session = os.getsid(0)
    sessions: set[int] = set()
    targets: dict[int, psutil.Process] = {}
    recorded = run_dir / "sessions"  # written as each playbook starts (ansible_adapter)
    with contextlib.suppress(OSError):
        for line in recorded.read_text().splitlines():
            # The session outlives its leader (ssh's ControlPersist masters stay in it).
            _pid, _, sid_text = line.partition(" ")
            with contextlib.suppress(ValueError):
                if int(sid_text) not in (own_session, 0, 1):
                    sessions.add(int(sid_text))
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid in mine or marker not in " ".join(proc.info.get("cmdline") or []):
            continue
        targets[proc.pid] = proc
        with contextlib.suppress(OSError):
            sid = os.getsid(proc.pid)
            if sid != own_session:
                sessions.add(sid)
    if sessions:
        for proc in psutil.process_iter(["pid"]):
            with contextlib.suppress(OSError):
                if proc.pid not in mine and os.getsid(proc.pid) in sessions:
                    targets[proc.pid] = proc
    for proc in targets.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(list(targets.values()), timeout=10)
    with contextlib.suppress(OSError):
        recorded.unlink()
    return sorted(targets)


def remove_secrets(run_dir: Path) -> None:
    """The run's decrypted keys, its known_hosts and its database dumps on this machine."""
    for sub in ("keys", "dumps"):
        shutil.rmtree(run_dir / sub, ignore_errors=True)
    with contextlib.suppress(OSError):
        (run_dir / "known_hosts").unlink()


def earlier_runs(session: Session, run: MigrationRun) -> list[MigrationRun]:
    """This run and the system's recent runs: an earlier attempt's or a killed run's leftovers
    are swept before this one goes on (a rollback of a killed run sweeps the killed run)."""
    query = (
        select(MigrationRun)
        .where(MigrationRun.system_id == run.system_id, MigrationRun.id <= run.id)
        .order_by(MigrationRun.id.desc())
        .limit(20)
    )
    return list(session.scalars(query))


def unswept_dirs(runs: list[MigrationRun], current: MigrationRun) -> list[str]:
    """The host directories of runs whose last attempt could not sweep its hosts (killed, or a
    host unreachable at its end); the current run's own on a later attempt."""
    return [
        str(run.plan["remote_run_dir"])
        for run in runs
        if run.plan.get("remote_run_dir")
        and not (run.results or {}).get("swept")
        and (run.id != current.id or current.attempts > 1)
    ]


def sweep_hosts(context: JobContext, run_id: int, env: dict[str, Any], dirs: list[str]) -> bool:
    """Run ``sweep.yml`` on both hosts; an unreachable host is logged (and swept next time).
    Whether every host was swept."""
    step = steps_.Step("sweep", "sweep.yml", extra=(("sweep_dirs", dirs),))
    result = run_playbook(steps_.request_for(step, **env))
    if not result.ok or result.failures:
        context.log(
            f"run {run_id}: could not sweep every host ({'; '.join(result.failures)[:500]}); "
            "the next attempt or rollback sweeps again",
            level=EventLevel.WARNING,
        )
        return False
    return True
