"""Discovery vs Ansible's fact gathering on the same N real sshd hosts, in the same run.

    .venv/bin/python bench/discovery.py [N] [ROUNDS]      (root: makes network namespaces)

Starts N test hosts (tests/infra/sshhosts.py: namespaces, or loopback sshd without them),
then alternates, ROUNDS times: govcloud's sweep (paramiko, one shell probe per host, all hosts
at once) and ``ansible all -m setup --forks N`` (pipelining on, the same key and known_hosts).
Prints the median wall time and client CPU per host for each, and the ratios.  The probe takes
one utilisation sample here (no sampling window) so both do one pass of fact gathering.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.discovery.collector import sweep  # noqa: E402
from infra.discovery.enums import Reachability  # noqa: E402
from infra.discovery.schemas import ProbeTarget  # noqa: E402
from tests.infra.sshhosts import SshHostSet, available, start_hosts  # noqa: E402


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def govcloud(hosts: SshHostSet) -> tuple[float, float]:
    key = hosts.client_key.read_text()
    targets = [
        ProbeTarget(
            key=i,
            address=h.address,
            port=h.port,
            private_key=key,
            known_keys=[(h.host_key_pub.split()[0], h.host_key_pub.split()[1])],
        )
        for i, h in enumerate(hosts.hosts)
    ]
    cpu, wall = _cpu(), time.perf_counter()
    results = sweep(targets, concurrency=len(targets), samples=1, timeout_s=60)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    bad = [r for r in results if r.reachability is not Reachability.REACHABLE]
    if bad:
        raise SystemExit(f"govcloud could not reach {len(bad)} host(s): {bad[0].error}")
    return wall, cpu


def ansible(hosts: SshHostSet, work: Path) -> tuple[float, float]:
    inventory = {
        "all": {
            "hosts": {
                h.name: {
                    "ansible_host": h.address,
                    "ansible_port": h.port,
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(hosts.client_key),
                    "ansible_ssh_common_args": f"-o UserKnownHostsFile={hosts.known_hosts} "
                    "-o StrictHostKeyChecking=yes",
                    "ansible_python_interpreter": "/usr/bin/python3",
                }
                for h in hosts.hosts
            }
        }
    }
    (work / "inventory.json").write_text(json.dumps(inventory))
    env = os.environ | {
        "ANSIBLE_HOME": str(work / "home"),
        "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": tempfile.mkdtemp(prefix="gb-cp-"),
        "ANSIBLE_NOCOLOR": "True",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    argv = [
        "ansible", "all", "-i", str(work / "inventory.json"), "-m", "ansible.builtin.setup",
        "--forks", str(len(hosts.hosts)), "-o",
    ]  # fmt: skip
    cpu, wall = _cpu(), time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    ok = result.stdout.count("| SUCCESS")
    if ok != len(hosts.hosts):
        raise SystemExit(f"ansible gathered facts from {ok} host(s):\n{result.stdout[-2000:]}")
    # Close the persistent SSH masters so the next round starts cold, like the sweep does.
    for sock in Path(env["ANSIBLE_SSH_CONTROL_PATH_DIR"]).iterdir():
        subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "x"], capture_output=True)
    return wall, cpu


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    missing = available()
    if missing:
        raise SystemExit(missing)
    with tempfile.TemporaryDirectory(prefix="govcloud-bench-") as tmp:
        started = time.perf_counter()
        hosts = start_hosts(Path(tmp) / "hosts", n)
        print(f"{n} hosts ({hosts.mode}) up in {time.perf_counter() - started:.2f} s")
        try:
            ours, theirs = [], []
            for r in range(rounds):
                ours.append(govcloud(hosts))
                work = Path(tmp) / f"ansible-{r}"
                work.mkdir()
                theirs.append(ansible(hosts, work))
        finally:
            hosts.stop()
    gw = statistics.median(w for w, _ in ours)
    gc = statistics.median(c for _, c in ours) / n
    aw = statistics.median(w for w, _ in theirs)
    ac = statistics.median(c for _, c in theirs) / n
    print(f"{'':28}{'wall s':>10}{'client CPU s/host':>20}")
    print(f"{'govcloud sweep (paramiko)':28}{gw:>10.2f}{gc:>20.3f}")
    print(f"{'ansible -m setup':28}{aw:>10.2f}{ac:>20.3f}")
    print(f"ratio (ansible / govcloud): wall {aw / gw:.1f}x, client CPU {ac / gc:.1f}x")
    print(f"goal ≥ 3x faster: {'met' if aw / gw >= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
