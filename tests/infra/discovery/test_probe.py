# ruff: noqa: E501  (the canned /proc/net/tcp6 line is as wide as the kernel prints it)
"""The probe's parsing, percentiles and the sealing of credentials (no hosts needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.discovery.collector import dependency_edges
from infra.discovery.enums import Reachability
from infra.discovery.probe import decode_address, parse_probe, percentile
from infra.discovery.schemas import ProbeResult
from infra.discovery.secrets import seal, unseal
from infra.errors import GovcloudError

OUTPUT = """@@hostname
legacy-db-01
@@os
PRETTY_NAME="Kylin V10 (Sword)"
ID="kylin"
VERSION_ID="V10"
@@kernel
Linux 4.19.90-24.4.v2101.ky10.x86_64 x86_64
@@cpu
8
 Hygon C86 7285 32-core Processor
@@meminfo
MemTotal:       16000000 kB
MemAvailable:    4000000 kB
SwapTotal:       2000000 kB
@@df
Filesystem     Type 1024-blocks     Used Available Capacity Mounted on
/dev/sda2      xfs    104857600 52428800  52428800      50% /
proc           proc           0        0         0       -  /proc
/dev/sdb1      ext4   524288000 10485760 513802240       2% /data
@@tcp
   0: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000    26        0 111 1
   1: 0200000A:1538 0300000A:C350 01 00000000:00000000 00:00000000 00000000    26        0 112 1
   2: 0200000A:D431 0400000A:18EB 01 00000000:00000000 00:00000000 00000000     0        0 113 1
   3: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 114 1
@@sockets
/proc/1/fd:
lrwx------ 1 root root 64 Nov 23 23:40 3 -> socket:[114]
/proc/900/fd:
lrwx------ 1 root root 64 Nov 23 23:40 5 -> socket:[111]
/proc/901/fd:
lrwx------ 1 root root 64 Nov 23 23:40 7 -> socket:[112]
/proc/950/fd:
lrwx------ 1 root root 64 Nov 23 23:40 9 -> socket:[113]
@@comm
==> /proc/1/comm <==
sshd

==> /proc/900/comm <==
postgres

==> /proc/901/comm <==
postgres

==> /proc/950/comm <==
java
@@binaries
postgres /usr/lib/postgresql/15/bin/postgres
@@dirs
2048 /var/lib/postgresql
4096 /data/app
@@samples
cpu  100 0 100 800 0 0 0 0 0 0
MemTotal:       16000000 kB
MemAvailable:    8000000 kB
--
cpu  150 0 150 900 0 0 0 0 0 0
MemTotal:       16000000 kB
MemAvailable:    4000000 kB
--
@@end
"""


def test_parse_probe_reads_every_section() -> None:
    facts = parse_probe(OUTPUT, interval_s=1)
    assert facts.hostname == "legacy-db-01"
    assert (facts.os_id, facts.os_version) == ("kylin", "V10")
    assert facts.cpu.count == 8
    assert facts.memory.total_kib == 16000000
    assert [fs.mount for fs in facts.filesystems] == ["/", "/data"]
    assert [(p.port, p.process) for p in facts.listening] == [(22, "sshd"), (5432, "postgres")]
    inbound, outbound = facts.connections
    assert (inbound.direction, inbound.remote_address, inbound.service_port) == (
        "inbound",
        "10.0.0.3",
        5432,
    )
    assert (outbound.direction, outbound.remote_address, outbound.service_port) == (
        "outbound",
        "10.0.0.4",
        6379,
    )
    (engine,) = facts.databases
    assert engine.engine == "postgresql"
    assert engine.ports == [5432]
    assert [(d.path, d.size_kib) for d in engine.data_dirs] == [("/var/lib/postgresql", 2048)]
    assert [(d.path, d.size_kib) for d in facts.data_dirs] == [("/data/app", 4096)]
    # One interval: 100 busy of 200 ticks = 50 %; memory 50 % then 75 %.
    assert facts.utilisation.cpu_p95 == Decimal("50.0")
    assert facts.utilisation.memory_p95 == Decimal("75.0")
    assert facts.utilisation.samples == 2


def test_cut_short_output_is_refused() -> None:
    with pytest.raises(ValueError, match="ended early"):
        parse_probe(OUTPUT.replace("@@end\n", ""))


def test_decode_address_handles_both_families() -> None:
    assert decode_address("0100007F:1F90") == ("127.0.0.1", 8080)
    assert decode_address("0000000000000000FFFF00000200000A:0016") == ("10.0.0.2", 22)
    assert decode_address("00000000000000000000000001000000:0016") == ("::1", 22)


@given(st.lists(st.decimals(min_value=0, max_value=100, places=1), min_size=1, max_size=200))
def test_percentile_is_a_member_and_ordered(values: list[Decimal]) -> None:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    assert p50 in values
    assert p95 in values
    assert p50 <= p95 <= max(values)
    assert sum(v <= p95 for v in values) >= 0.95 * len(values)


def test_edges_only_between_known_hosts() -> None:
    facts = parse_probe(OUTPUT)
    result = ProbeResult(
        key=1, address="10.0.0.2", port=22, reachability=Reachability.REACHABLE, facts=facts
    )
    edges = dependency_edges([result], known={"10.0.0.2": 1, "10.0.0.4": 7})
    assert [(e.source, e.target, e.port, e.process) for e in edges] == [(1, 7, 6379, "java")]
    assert dependency_edges([result], known={"10.0.0.2": 1}) == []


def test_sealed_keys_need_the_same_secret() -> None:
    secret = "s" * 40
    token = seal("-----BEGIN OPENSSH PRIVATE KEY-----\nabc", secret=secret)
    assert "abc" not in token
    assert unseal(token, secret=secret).endswith("abc")
    with pytest.raises(GovcloudError, match="GOVCLOUD_SECRET_KEY changed"):
        unseal(token, secret="t" * 40)
