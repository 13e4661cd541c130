"""The SSH test hosts themselves: reachable with host-key checking, isolated, torn down."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.infra.sshhosts import SshHostSet, available, start_hosts


def test_each_host_answers_with_its_own_hostname_and_srv(ssh_hosts: SshHostSet) -> None:
    for host in ssh_hosts.hosts:
        (host.srv / "marker").write_text(host.name)
    for host in ssh_hosts.hosts:
        out = subprocess.run(
            ssh_hosts.ssh_argv(host, f"hostname; cat {host.remote_srv}/marker"),
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.split()
        assert out == [host.expected_hostname, host.name]


def test_a_wrong_host_key_is_refused(ssh_hosts: SshHostSet, tmp_path: Path) -> None:
    first, second = ssh_hosts.hosts[:2]
    # Claim the first host has the second host's key: ssh must refuse to talk to it.
    where = first.address if first.port == 22 else f"[{first.address}]:{first.port}"
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"{where} {' '.join(second.host_key_pub.split()[:2])}\n")
    argv = ssh_hosts.ssh_argv(first, "true")
    argv[argv.index(f"UserKnownHostsFile={ssh_hosts.known_hosts}")] = f"UserKnownHostsFile={wrong}"
    result = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode != 0
    assert "HOST IDENTIFICATION HAS CHANGED" in result.stderr


@pytest.mark.slow
def test_a_second_set_starts_beside_the_first_and_leaves_nothing(
    ssh_hosts: SshHostSet, tmp_path: Path
) -> None:
    if available():
        pytest.skip(available() or "")
    before = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    other = start_hosts(tmp_path / "other", 2)
    try:
        assert other.prefix != ssh_hosts.prefix
        assert {h.address for h in other.hosts}.isdisjoint(h.address for h in ssh_hosts.hosts)
        host = other.hosts[0]
        out = subprocess.run(
            other.ssh_argv(host, "hostname"), capture_output=True, text=True, timeout=20
        )
        assert out.stdout.strip() == host.expected_hostname
    finally:
        other.stop()
    after = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert other.prefix not in after
    assert len(after.splitlines()) == len(before.splitlines())
    if other.mode == "netns":
        namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert other.prefix not in namespaces
