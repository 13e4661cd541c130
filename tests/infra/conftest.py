"""Session-wide real SSH hosts for discovery and migration tests (see tests/infra/sshhosts.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.infra.sshhosts import SshHostSet, available, start_hosts

SSH_HOST_COUNT = 4


@pytest.fixture(scope="session")
def ssh_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshHostSet]:
    """Four sshd hosts (namespaces, or loopback where namespaces can't be made), one set per run."""
    missing = available()
    if missing:
        pytest.skip(missing)
    started = time.monotonic()
    hosts = start_hosts(
        tmp_path_factory.mktemp("sshhosts"),
        SSH_HOST_COUNT,
        force_loopback=os.environ.get("GOVCLOUD_TEST_SSH_LOOPBACK") == "1",
    )
    hosts.startup_s = time.monotonic() - started
    try:
        yield hosts
    finally:
        hosts.stop()
