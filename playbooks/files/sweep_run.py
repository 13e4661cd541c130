"""Remove what migration runs left on this host.

Python 3.8 or later (what ansible-core needs on a host), standard library only.

    python3 -c "$(cat sweep_run.py)" sweep_run.py DIR [DIR ...]

Every process whose command line names one of the run directories (an rsync and its ssh with
the transfer key, from an attempt whose controller died) is killed, then each directory (the
transfer key, Ansible's remote temp) is removed.  Prints what it did as one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def _holders(dirs: list[bytes]) -> list[int]:
    mine = _ancestors()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in mine:
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        # Never another sweep (both hosts may share one process table, as in the tests).
        # A path inside a run directory (the transfer key): not the bare name, which a
        # controller's ansible-playbook names in its extra vars.
        if any(d + b"/" in cmdline for d in dirs) and b"sweep_run.py" not in cmdline:
            found.append(int(name))
    return found


def main(args: list[str]) -> int:
    dirs = [os.fsencode(d.rstrip("/")) for d in args if d.startswith("/") and "/govcloud-run-" in d]
    killed = []
    for _round in range(3):
        pids = _holders(dirs)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except OSError:
                pass
        time.sleep(0.2)
    removed = []
    for path in dirs:
        if os.path.lexists(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(os.fsdecode(path))
    left = [os.fsdecode(p) for p in dirs if os.path.lexists(p)]
    sys.stdout.write(json.dumps({"killed": killed, "removed": removed, "left": left}) + "\n")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
