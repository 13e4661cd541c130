"""What each kind of run does, step by step, and how a step becomes a playbook request.

A step is one playbook over the run's inventory; steps are recorded as they finish so a run
resumes at the first step not done.  Copy steps are idempotent (rsync), verification reads
only, the database restore replaces what an earlier attempt left.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.migration.ansible_adapter import PlaybookRequest, PlaybookResult
from infra.migration.enums import RunKind


@dataclass(frozen=True)
class Step:
    name: str
    playbook: str
    needs: str | None = None  # "service" or "databases": skipped when the plan has none
    extra: tuple[tuple[str, Any], ...] = ()


STEPS: dict[RunKind, tuple[Step, ...]] = {
    # The source is only read: its service keeps running, its data untouched.
    RunKind.MIGRATE: (
        Step("preflight", "preflight.yml"),
        Step("copy_data", "copy_data.yml"),
        Step("verify_data", "verify_data.yml"),
        Step("database", "database.yml", needs="databases"),
        Step(
            "configure_service",
            "service.yml",
            needs="service",
            extra=(("side", "destination"), ("service_action", "configure")),
        ),
    ),
    RunKind.CUTOVER: (
        Step(
            "stop_source",
            "service.yml",
            needs="service",
            extra=(("side", "source"), ("service_action", "stop")),
        ),
        Step("final_sync", "copy_data.yml", extra=(("copy_checksum", True),)),
        Step("verify_data", "verify_data.yml"),
        Step("database", "database.yml", needs="databases"),
        Step(
            "start_destination",
            "service.yml",
            needs="service",
            extra=(("side", "destination"), ("service_action", "configure_start")),
        ),
        Step(
            "health_check",
            "service.yml",
            needs="service",
            extra=(("side", "destination"), ("service_action", "health")),
        ),
    ),
    RunKind.ROLLBACK: (
        Step("discard_destination", "discard.yml"),
        Step(
            "start_source",
            "service.yml",
            needs="service",
            extra=(("side", "source"), ("service_action", "start")),
        ),
    ),
}
# A cut-over that fails after the source was stopped is rolled back at once.
ROLLBACK_AFTER_CUTOVER_STEP = "stop_source"


def initial_steps(kind: RunKind, plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": step.name,
            "status": "skipped" if step.needs and not plan.get(step.needs) else "pending",
        }
        for step in STEPS[kind]
    ]


def step_named(kind: RunKind, name: str) -> Step:
    return next(s for s in STEPS[kind] if s.name == name)


@dataclass(frozen=True)
class Side:
    """One host of the run as Ansible reaches it."""

    address: str
    port: int
    username: str
    key_file: Path
    known_hosts_lines: list[str]


def inventory(source: Side, destination: Side, *, known_hosts: Path) -> dict[str, Any]:
    def host(side: Side) -> dict[str, Any]:
        return {
            "ansible_host": side.address,
            "ansible_port": side.port,
            "ansible_user": side.username,
            "ansible_ssh_private_key_file": str(side.key_file),
            "ansible_ssh_common_args": (
                f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes "
                "-o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=3"
            ),
            "ansible_python_interpreter": "/usr/bin/python3",
        }

    return {
        "all": {
            "children": {
                "source": {"hosts": {"source": host(source)}},
                "destination": {"hosts": {"destination": host(destination)}},
                "dbhost": {
                    "hosts": {
                        "controller": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                        }
                    }
                },
            }
        }
    }


def id_map(mapping: dict[str, int] | None) -> str:
    """``{"1000": 2000}`` as rsync's ``--usermap`` and the manifest script spell it."""
    return ",".join(f"{int(a)}:{int(b)}" for a, b in sorted((mapping or {}).items()))


def request_for(
    step: Step,
    *,
    plan: dict[str, Any],
    run_dir: Path,
    remote_run_dir: str,
    inventory_: dict[str, Any],
    destination: Side,
    attempt: int,
    timeout_s: int,
) -> PlaybookRequest:
    extravars: dict[str, Any] = {
        "data_dirs": plan.get("data_dirs", []),
        "databases": plan.get("databases", []),
        "service": plan.get("service"),
        "service_config_dir": plan.get("service_config_dir", "/etc/govcloud"),
        "bwlimit_kib": plan.get("bwlimit_kib"),
        "remote_run_dir": remote_run_dir,
        "local_run_dir": str(run_dir),
        "transfer_key_file": str(destination.key_file),
        "destination_known_hosts": "\n".join(destination.known_hosts_lines) + "\n",
        # A resumed copy compares contents, so a half-written or damaged file is repaired.
        "copy_checksum": attempt > 1,
        "uid_map": id_map(plan.get("uid_map")),
        "gid_map": id_map(plan.get("gid_map")),
    }
    extravars.update(dict(step.extra))
    return PlaybookRequest(
        playbook=step.playbook,
        run_dir=run_dir / "ansible" / step.name,
        inventory=inventory_,
        extravars=extravars,
        timeout_s=timeout_s,
        remote_tmp=f"{remote_run_dir}/ansible-tmp",
        sessions_file=run_dir / "sessions",
    )


def step_results(step: Step, result: PlaybookResult, plan: dict[str, Any]) -> dict[str, Any]:
    """What a finished step proved, kept on the run: manifests and row counts."""
    if step.playbook == "verify_data.yml":
        manifests = result.registered.get("source/Build each source manifest", {})
        data = []
        for index, move in enumerate(plan.get("data_dirs", [])):
            text = manifests.get("results", [{}])[index].get("stdout", "")
            entries = [json.loads(line)[1] for line in text.splitlines() if line.strip()]
            files = [e for e in entries if e.get("type") == "f"]
            data.append(
                {
                    "source": move["source"],
                    "destination": move["destination"],
                    "entries": len(entries),
                    "files": len(files),
                    "bytes": sum(int(e.get("size", 0)) for e in files),
                    "manifest_sha256": hashlib.sha256(text.encode()).hexdigest(),
                }
            )
        return {"data": data}
    if step.playbook == "database.yml":
        counts = result.registered.get("controller/Count rows at the source", {})
        return {
            "databases": [
                {
                    "tables": dict(
                        line.split("=", 1) for line in item.get("stdout_lines", []) if "=" in line
                    )
                }
                for item in counts.get("results", [])
            ]
        }
    return {}
