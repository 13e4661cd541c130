"""What discovery runs on a legacy host and how its answer is read.

The probe is one POSIX shell script reading /proc and a few standard tools, so it works on hosts
without Python; it prints sections (``@@name``) that :func:`parse_probe` turns into
:class:`~infra.discovery.schemas.HostFacts`.  Parsing is pure, so it is tested without hosts.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import shlex
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from infra.discovery.schemas import (
    Connection,
    CpuFacts,
    DatabaseEngineFacts,
    DataDirFacts,
    FilesystemFacts,
    HostFacts,
    ListeningPort,
    MemoryFacts,
    UtilisationFacts,
)

# Engines recognised by their server binary, their usual data directory, or a listening process.
ENGINES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "postgresql": (
        ("postgres", "pg_ctl"),
        ("/var/lib/postgresql", "/var/lib/pgsql"),
        ("postgres",),
    ),
    "mysql": (("mysqld", "mariadbd"), ("/var/lib/mysql",), ("mysqld", "mariadbd")),
    "mongodb": (("mongod",), ("/var/lib/mongodb", "/var/lib/mongo"), ("mongod",)),
    "redis": (("redis-server",), ("/var/lib/redis",), ("redis-server",)),
    "oracle": (("oracle", "tnslsnr"), ("/u01/app/oracle", "/opt/oracle"), ("oracle", "tnslsnr")),
    "dm": (("dmserver",), ("/opt/dmdbms", "/dm8"), ("dmserver",)),  # 达梦
    "kingbase": (("kingbase",), ("/opt/Kingbase",), ("kingbase",)),  # 人大金仓
}
_ENGINE_BIN_DIRS = "/usr/sbin /usr/bin /usr/local/bin /usr/lib/postgresql/*/bin /opt/*/bin"
_TCP_LISTEN, _TCP_ESTABLISHED = "0A", "01"
_PERCENT = Decimal("0.1")
_FD_HEADER = re.compile(r"^/proc/(\d+)/fd:$")
_COMM_HEADER = re.compile(r"^==> /proc/(\d+)/comm <==$")
_SOCKET = re.compile(r"-> socket:\[(\d+)\]$")


def probe_script(*, data_dirs: Sequence[str], samples: int, interval_s: float) -> str:
    """The shell script for one host: facts, then ``samples`` utilisation readings."""
    dirs = " ".join(shlex.quote(d) for d in data_dirs)
    engine_dirs = " ".join(sorted({d for _, dirs_, _ in ENGINES.values() for d in dirs_}))
    binaries = " ".join(sorted({b for bins, _, _ in ENGINES.values() for b in bins}))
    return f"""export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
echo @@hostname; cat /proc/sys/kernel/hostname
echo @@os; cat /etc/os-release 2>/dev/null
echo @@kernel; uname -srm
echo @@cpu; grep -c '^processor' /proc/cpuinfo; grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-
echo @@meminfo; grep -E '^(MemTotal|MemAvailable|SwapTotal):' /proc/meminfo
echo @@df; df -a -P -k -T -x tmpfs -x devtmpfs -x overlay -x squashfs 2>/dev/null || df -P -k
echo @@tcp; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -v 'local_address'
echo @@sockets
ls -l /proc/[0-9]*/fd 2>/dev/null | grep -E '^/proc/|socket:'
echo @@comm
head -n1 /proc/[0-9]*/comm 2>/dev/null
echo @@binaries
for d in {_ENGINE_BIN_DIRS}; do for b in {binaries}; do
  [ -x "$d/$b" ] && echo "$b $d/$b"; done; done 2>/dev/null
echo @@dirs
for d in {engine_dirs} {dirs}; do
  [ -d "$d" ] && echo "$(du -sk "$d" 2>/dev/null | cut -f1) $d"; done
echo @@samples
i=0
while [ $i -lt {max(1, samples)} ]; do
  head -1 /proc/stat; grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; echo --
  i=$((i+1)); [ $i -lt {max(1, samples)} ] && sleep {interval_s}
done
echo @@end
"""


def _sections(output: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = defaultdict(list)
    current = ""
    for line in output.splitlines():
        if line.startswith("@@"):
            current = line[2:].strip()
            sections[current]
        elif current:
            sections[current].append(line)
    return sections


def decode_address(hex_address: str) -> tuple[str, int]:
    """``0100007F:1F90`` (or the IPv6 form of /proc/net/tcp6) → ("127.0.0.1", 8080)."""
    host_hex, port_hex = hex_address.split(":")
    raw = bytes.fromhex(host_hex)
    # /proc prints each 32-bit word in host (little-endian) order.
    swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(swapped)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address), int(port_hex, 16)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (part * 100 / whole).quantize(_PERCENT, rounding=ROUND_HALF_UP)


def percentile(values: Sequence[Decimal], q: int) -> Decimal:
    """The nearest-rank ``q``-th percentile (0 for no values)."""
    if not values:
        return Decimal(0)
    ordered = sorted(values)
    rank = max(1, -(-q * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def _utilisation(lines: Iterable[str], interval_s: float) -> UtilisationFacts:
    cpu_totals: list[tuple[int, int]] = []
    memory: list[Decimal] = []
    total = available = 0
    for line in lines:
        parts = line.split()
        if parts and parts[0] == "cpu":
            ticks = [int(x) for x in parts[1:]]
            idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
            cpu_totals.append((sum(ticks), idle))
        elif parts[:1] == ["MemTotal:"]:
            total = int(parts[1])
        elif parts[:1] == ["MemAvailable:"]:
            available = int(parts[1])
        elif line == "--" and total:
            memory.append(_percent(Decimal(total - available), Decimal(total)))
    cpu = [
        _percent(Decimal((t2 - t1) - (i2 - i1)), Decimal(t2 - t1))
        for (t1, i1), (t2, i2) in itertools.pairwise(cpu_totals)
    ]
    return UtilisationFacts(
        samples=len(memory),
        window_s=Decimal(str(interval_s)) * max(0, len(memory) - 1),
        cpu_p50=percentile(cpu, 50),
        cpu_p95=percentile(cpu, 95),
        cpu_max=max(cpu, default=Decimal(0)),
        memory_p50=percentile(memory, 50),
        memory_p95=percentile(memory, 95),
        memory_max=max(memory, default=Decimal(0)),
    )


def _kib_field(lines: Iterable[str], name: str) -> int:
    for line in lines:
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _socket_owners(sockets: list[str], comms: list[str]) -> dict[str, tuple[int, str]]:
    """Socket inode → (pid, command) from ``ls -l /proc/*/fd`` and ``head /proc/*/comm``."""
    names: dict[int, str] = {}
    pid = None
    for line in comms:
        found = _COMM_HEADER.match(line)
        if found:
            pid = int(found.group(1))
        elif pid is not None and line.strip():
            names.setdefault(pid, line.strip())
    owners: dict[str, tuple[int, str]] = {}
    pid = None
    for line in sockets:
        header = _FD_HEADER.match(line)
        if header:
            pid = int(header.group(1))
            continue
        inode = _SOCKET.search(line)
        if inode and pid is not None:
            owners.setdefault(inode.group(1), (pid, names.get(pid, "")))
    return owners


def parse_probe(output: str, *, interval_s: float = 1.0) -> HostFacts:
    """Turn the probe's output into facts; raises ValueError when the output is cut short."""
    s = _sections(output)
    if "end" not in s:
        raise ValueError("the probe's output ended early")
    os_release = dict(
        line.split("=", 1) for line in s["os"] if "=" in line and not line.startswith("#")
    )
    cpu_lines = s["cpu"]
    meminfo = s["meminfo"]
    filesystems = []
    for line in s["df"][1:]:
        parts = line.split()
        if len(parts) >= 7 and parts[2].isdigit() and int(parts[2]) > 0:
            device, fstype, size, used, avail, mount = (
                parts[0], parts[1], parts[2], parts[3], parts[4], parts[6],
            )  # fmt: skip
            filesystems.append(
                FilesystemFacts(
                    device=device,
                    fstype=fstype,
                    mount=mount,
                    size_kib=int(size),
                    used_kib=int(used),
                    available_kib=int(avail),
                )
            )
    owners = _socket_owners(s["sockets"], s["comm"])
    listening: dict[tuple[str, int], ListeningPort] = {}
    established: list[tuple[str, int, str, int, str]] = []
    for line in s["tcp"]:
        parts = line.split()
        if len(parts) < 10:
            continue
        local, remote, state, inode = parts[1], parts[2], parts[3], parts[9]
        local_ip, local_port = decode_address(local)
        if state == _TCP_LISTEN:
            pid, process = owners.get(inode, (None, ""))
            listening.setdefault(
                (local_ip, local_port),
                ListeningPort(address=local_ip, port=local_port, pid=pid, process=process or None),
            )
        elif state == _TCP_ESTABLISHED:
            remote_ip, remote_port = decode_address(remote)
            established.append((local_ip, local_port, remote_ip, remote_port, inode))
    listen_ports = {port for _, port in listening}
    connections = []
    for local_ip, local_port, remote_ip, remote_port, inode in established:
        pid, process = owners.get(inode, (None, ""))
        inbound = local_port in listen_ports
        connections.append(
            Connection(
                direction="inbound" if inbound else "outbound",
                local_address=local_ip,
                local_port=local_port,
                remote_address=remote_ip,
                remote_port=remote_port,
                service_port=local_port if inbound else remote_port,
                pid=pid,
                process=process or None,
            )
        )
    dir_sizes = {}
    for line in s["dirs"]:
        size, _, path = line.partition(" ")
        if size.isdigit():
            dir_sizes[path] = int(size)
    listening_processes = {p.process for p in listening.values() if p.process}
    binaries = {line.split()[0]: line.split()[1] for line in s["binaries"] if " " in line}
    engines = []
    for engine, (bins, dirs, processes) in ENGINES.items():
        found_bins = sorted(binaries[b] for b in bins if b in binaries)
        found_dirs = [DataDirFacts(path=d, size_kib=dir_sizes[d]) for d in dirs if d in dir_sizes]
        ports = sorted(p.port for p in listening.values() if p.process in processes)
        if found_bins or found_dirs or ports or listening_processes & set(processes):
            engines.append(
                DatabaseEngineFacts(
                    engine=engine, binaries=found_bins, data_dirs=found_dirs, ports=ports
                )
            )
    engine_dirs = {d for _, dirs_, _ in ENGINES.values() for d in dirs_}
    return HostFacts(
        hostname=(s["hostname"] or [""])[0].strip(),
        os_name=os_release.get("PRETTY_NAME", "").strip('"') or None,
        os_id=os_release.get("ID", "").strip('"') or None,
        os_version=os_release.get("VERSION_ID", "").strip('"') or None,
        kernel=(s["kernel"] or [""])[0].strip(),
        cpu=CpuFacts(
            count=int(cpu_lines[0]) if cpu_lines and cpu_lines[0].isdigit() else 0,
            model=cpu_lines[1].strip() if len(cpu_lines) > 1 else None,
        ),
        memory=MemoryFacts(
            total_kib=_kib_field(meminfo, "MemTotal"),
            available_kib=_kib_field(meminfo, "MemAvailable"),
            swap_kib=_kib_field(meminfo, "SwapTotal"),
        ),
        filesystems=filesystems,
        listening=sorted(listening.values(), key=lambda p: (p.port, p.address)),
        connections=connections,
        databases=engines,
        data_dirs=[
            DataDirFacts(path=p, size_kib=kib)
            for p, kib in sorted(dir_sizes.items())
            if p not in engine_dirs
        ],
        utilisation=_utilisation(s["samples"], interval_s),
    )
