"""The ansible-runner adapter: the only module that imports ansible_runner.

Typed in (:class:`PlaybookRequest`), typed out (:class:`PlaybookResult`); every Ansible event
of interest is handed to ``on_event`` as a :class:`PlaybookEvent` while the playbook runs.
Everything Ansible writes stays inside the request's run directory: ``ANSIBLE_HOME``, the
local temp, the SSH control sockets, ansible-runner's artifacts, and (on the hosts) the remote
temp.  Pipelining is on.  Host keys are checked against the known_hosts file the caller wrote.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner
import psutil

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


def _ansible_bin_dir() -> str:
    """Where ansible-playbook lives: beside this Python (a venv) or on PATH."""
    here = Path(sys.executable).parent
    if (here / "ansible-playbook").exists():
        return str(here)
    found = shutil.which("ansible-playbook")
    return str(Path(found).parent) if found else str(here)


@dataclass(frozen=True)
class PlaybookEvent:
    kind: str  # task_start, ok, changed, failed, unreachable, skipped, stats
    host: str | None
    task: str | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaybookRequest:
    playbook: str  # a file name in playbooks/
    run_dir: Path
    inventory: dict[str, Any]
    extravars: dict[str, Any]
    timeout_s: int = 1800
    remote_tmp: str | None = None
    # Where the ansible-playbook's session (pid and session id) is recorded as it starts, so a
    # later attempt can stop it and everything in it after this process died.
    sessions_file: Path | None = None


@dataclass
class PlaybookResult:
    status: str  # successful, failed, timeout, canceled
    rc: int
    stats: dict[str, Any]
    failures: list[str]  # "host: task: message" for every failed or unreachable task
    registered: dict[str, dict[str, Any]]  # "host/task name" -> the module's result

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0


def _message(res: dict[str, Any]) -> str:
    """What a failed task said; for a loop, what each failed item said (not Ansible's "One or
    more items failed")."""
    items = [r for r in res.get("results") or [] if isinstance(r, dict) and r.get("failed")]
    if items:
        return "; ".join(_message(item) for item in items)[:1500]
    for key in ("msg", "stderr", "stdout"):
        value = res.get(key)
        if value:
            return str(value).strip().splitlines()[-1][:500] if key != "msg" else str(value)[:1500]
    return ""


def _close_masters(control_dir: Path) -> None:
    """Stop the SSH connection masters Ansible left persisting (they would outlive the run)."""
    for socket_path in control_dir.iterdir():
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket_path}", "-O", "exit", "govcloud"],
            capture_output=True,
            timeout=10,
            check=False,
        )


def run_playbook(
    request: PlaybookRequest, *, on_event: Callable[[PlaybookEvent], None] | None = None
) -> PlaybookResult:
    """Run one playbook to its end (or its timeout) and say how it went."""
    run_dir = request.run_dir
    for sub in ("ansible_home", "tmp"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    # SSH control sockets need a short path (a Unix socket path holds ~100 bytes).
    control_dir = tempfile.mkdtemp(prefix="gc-cp-")
    envvars = {
        "ANSIBLE_HOME": str(run_dir / "ansible_home"),
        "ANSIBLE_LOCAL_TEMP": str(run_dir / "tmp"),
        "ANSIBLE_REMOTE_TMP": request.remote_tmp or str(run_dir / "remote_tmp"),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": control_dir,
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "True",
        "ANSIBLE_GATHERING": "explicit",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_COLLECTIONS_PATH": str(run_dir / "ansible_home" / "collections"),
        "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"),
        "PATH": _ansible_bin_dir() + os.pathsep + os.environ.get("PATH", os.defpath),
    }
    failures: list[str] = []
    registered: dict[str, dict[str, Any]] = {}

    def handle(event: dict[str, Any]) -> bool:
        name = event.get("event", "")
        data = event.get("event_data", {})
        host, task = data.get("host"), data.get("task")
        res = data.get("res") or {}
        if name.startswith("runner_on_") and host and task:
            registered[f"{host}/{task}"] = res
        kind = {
            "playbook_on_task_start": "task_start",
            "runner_on_ok": "changed" if res.get("changed") else "ok",
            "runner_on_failed": "failed",
            "runner_on_unreachable": "unreachable",
            "runner_on_skipped": "skipped",
            "playbook_on_stats": "stats",
        }.get(name)
        if kind is None:
            return True
        if kind == "failed" and data.get("ignore_errors"):
            kind = "ok"
        message = _message(res) if kind in ("failed", "unreachable") else ""
        if kind in ("failed", "unreachable"):
            failures.append(f"{host}: {task}: {message}")
        if on_event is not None:
            on_event(PlaybookEvent(kind=kind, host=host, task=task, message=message))
        return True

    recorded: set[int] = set()

    def record_session() -> bool:
        """ansible-runner asks "cancel?" as soon as ansible-playbook runs: note its session."""
        if request.sessions_file is not None and not recorded:
            marker = str(run_dir)
            for child in psutil.Process().children():
                with contextlib.suppress(psutil.Error, OSError):
                    if marker in " ".join(child.cmdline()):
                        recorded.add(child.pid)
                        with request.sessions_file.open("a") as out:
                            out.write(f"{child.pid} {os.getsid(child.pid)}\n")
        return False

    try:
        runner = ansible_runner.run(
            private_data_dir=str(run_dir),
            project_dir=str(PLAYBOOKS),
            playbook=request.playbook,
            inventory=request.inventory,
            extravars=request.extravars,
            envvars=envvars,
            event_handler=handle,
            quiet=True,
            timeout=request.timeout_s,
            suppress_env_files=True,
            cancel_callback=record_session,
        )
    finally:
        _close_masters(Path(control_dir))
        shutil.rmtree(control_dir, ignore_errors=True)
    return PlaybookResult(
        status=str(runner.status),
        rc=int(runner.rc if runner.rc is not None else -1),
        stats=dict(runner.stats or {}),
        failures=failures,
        registered=registered,
    )
