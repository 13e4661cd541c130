"""The `govcloud discover` commands end to end (portal_api/migration/cli.py): a fresh SQLite
file, the run's real SSH hosts (their fixture lives under tests/infra)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.sshhosts import SshHostSet

pytestmark = [pytest.mark.integration, pytest.mark.slow]
GOVCLOUD = str(Path(sys.executable).parent / "govcloud")


def test_discover_and_assess_from_the_shell(ssh_hosts: SshHostSet, tmp_path: Path) -> None:
    env = os.environ | {
        "GOVCLOUD_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "GOVCLOUD_DEMO": "1",
        "COLUMNS": "200",
    }

    def govcloud(*args: str, ok: bool = True) -> str:
        result = subprocess.run(
            [GOVCLOUD, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert (result.returncode == 0) is ok, result.stdout + result.stderr
        return result.stdout + result.stderr

    govcloud("db", "upgrade")
    assert "SHA256:" in govcloud("discover", "credential", "root", str(ssh_hosts.client_key))
    h1, h2 = ssh_hosts.hosts[:2]
    govcloud("discover", "add", h1.address, "--port", str(h1.port), "--credential", "root")
    govcloud("discover", "add", h2.address, "--port", str(h2.port), "--credential", "root")
    refused = govcloud("discover", "run", "--samples", "1", "--timeout", "5")
    assert refused.count("host_key_unknown") >= 2  # nothing trusted yet: both refused
    assert "2 host key(s) trusted" not in refused
    trusted = govcloud("discover", "trust", str(ssh_hosts.known_hosts))
    assert f"{len(ssh_hosts.hosts)} host key(s) trusted" in trusted
    swept = govcloud("discover", "run", "--samples", "2", "--interval", "0.2")
    assert swept.count("reachable") >= 2
    assert h1.expected_hostname in swept
    assert "sweep done" in swept
    bad = govcloud("waves", "plan", "--starts-on", "2027-03-01", ok=False)
    assert "system_ids" in bad  # nothing signed off yet, said by field
