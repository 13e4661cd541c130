"""One collection of a host's vital signs with psutil, named as node_exporter names them.

Names, labels and units follow node_exporter (``node_cpu_seconds_total{cpu,mode}``,
``node_memory_MemAvailable_bytes``, ``node_filesystem_avail_bytes{device,fstype,mountpoint}``,
``node_network_receive_bytes_total{device}``, ``node_disk_read_bytes_total{device}``,
``node_load1``, ``node_boot_time_seconds`` …), so dashboards built for it read ours unchanged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

Labels = tuple[tuple[str, str], ...]

CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
# Filesystems node_exporter leaves out by default (pseudo and container filesystems).
IGNORED_FSTYPES = frozenset(
    {"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
     "devtmpfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "procfs",
     "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs"}
)  # fmt: skip
IGNORED_NET = ("lo",)

HELP: dict[str, str] = {
    "node_cpu_seconds_total": "Seconds the CPUs spent in each mode.",
    "node_memory_MemTotal_bytes": "Memory information field MemTotal_bytes.",
    "node_memory_MemAvailable_bytes": "Memory information field MemAvailable_bytes.",
    "node_memory_MemFree_bytes": "Memory information field MemFree_bytes.",
    "node_memory_Buffers_bytes": "Memory information field Buffers_bytes.",
    "node_memory_Cached_bytes": "Memory information field Cached_bytes.",
    "node_memory_SwapTotal_bytes": "Memory information field SwapTotal_bytes.",
    "node_memory_SwapFree_bytes": "Memory information field SwapFree_bytes.",
    "node_filesystem_size_bytes": "Filesystem size in bytes.",
    "node_filesystem_avail_bytes": "Filesystem space available to non-root users in bytes.",
    "node_filesystem_free_bytes": "Filesystem free space in bytes.",
    "node_network_receive_bytes_total": "Network device statistic receive_bytes.",
    "node_network_transmit_bytes_total": "Network device statistic transmit_bytes.",
    "node_network_receive_packets_total": "Network device statistic receive_packets.",
    "node_network_transmit_packets_total": "Network device statistic transmit_packets.",
    "node_network_receive_errs_total": "Network device statistic receive_errs.",
    "node_network_transmit_errs_total": "Network device statistic transmit_errs.",
    "node_disk_read_bytes_total": "The total number of bytes read successfully.",
    "node_disk_written_bytes_total": "The total number of bytes written successfully.",
    "node_disk_reads_completed_total": "The total number of reads completed successfully.",
    "node_disk_writes_completed_total": "The total number of writes completed successfully.",
    "node_disk_io_time_seconds_total": "Total seconds spent doing I/Os.",
    "node_load1": "1m load average.",
    "node_load5": "5m load average.",
    "node_load15": "15m load average.",
    "node_boot_time_seconds": "Node boot time, in unixtime.",
    "node_time_seconds": "System time in seconds since epoch (1970).",
}


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Labels
    value: float


Add = Callable[[Sample], None]


@dataclass(frozen=True)
class Collection:
    t_ms: int
    samples: list[Sample]


def use_host_root(host_root: str | None) -> None:
    """Read the host's /proc from inside a container (``--host-root /host``)."""
    if host_root:
        psutil.PROCFS_PATH = os.path.join(host_root, "proc")


def collect() -> Collection:
    """Everything the agent reports, stamped with one time."""
    t_ms = int(time.time() * 1000)
    out: list[Sample] = []
    add = out.append
    for index, times in enumerate(psutil.cpu_times(percpu=True)):
        cpu = str(index)
        for mode in CPU_MODES:
            value = getattr(times, mode, None)
            if value is not None:
                add(Sample("node_cpu_seconds_total", (("cpu", cpu), ("mode", mode)), value))
    memory = psutil.virtual_memory()
    for field, attr in (
        ("MemTotal", "total"),
        ("MemAvailable", "available"),
        ("MemFree", "free"),
        ("Buffers", "buffers"),
        ("Cached", "cached"),
    ):
        if hasattr(memory, attr):
            add(Sample(f"node_memory_{field}_bytes", (), float(getattr(memory, attr))))
    swap = psutil.swap_memory()
    add(Sample("node_memory_SwapTotal_bytes", (), float(swap.total)))
    add(Sample("node_memory_SwapFree_bytes", (), float(swap.free)))
    _filesystems(add)
    _network(add)
    _disks(add)
    loads = os.getloadavg()
    for name, load in zip(("node_load1", "node_load5", "node_load15"), loads, strict=True):
        add(Sample(name, (), load))
    add(Sample("node_boot_time_seconds", (), psutil.boot_time()))
    add(Sample("node_time_seconds", (), t_ms / 1000))
    return Collection(t_ms, out)


def _filesystems(add: Add) -> None:
    seen: set[str] = set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype in IGNORED_FSTYPES or part.mountpoint in seen:
            continue
        seen.add(part.mountpoint)
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        labels = (("device", part.device), ("fstype", part.fstype), ("mountpoint", part.mountpoint))
        add(Sample("node_filesystem_size_bytes", labels, float(usage.total)))
        add(Sample("node_filesystem_avail_bytes", labels, float(usage.free)))
        # free counts the blocks reserved for root too; avail does not
        add(Sample("node_filesystem_free_bytes", labels, float(usage.total - usage.used)))


def _network(add: Add) -> None:
    for device, c in sorted(psutil.net_io_counters(pernic=True).items()):
        if device in IGNORED_NET:
            continue
        labels = (("device", device),)
        add(Sample("node_network_receive_bytes_total", labels, float(c.bytes_recv)))
        add(Sample("node_network_transmit_bytes_total", labels, float(c.bytes_sent)))
        add(Sample("node_network_receive_packets_total", labels, float(c.packets_recv)))
        add(Sample("node_network_transmit_packets_total", labels, float(c.packets_sent)))
        add(Sample("node_network_receive_errs_total", labels, float(c.errin)))
        add(Sample("node_network_transmit_errs_total", labels, float(c.errout)))


def _disks(add: Add) -> None:
    try:
        disks = psutil.disk_io_counters(perdisk=True, nowrap=True) or {}
    except (OSError, RuntimeError):  # no /proc/diskstats (some containers)
        return
    for device, c in sorted(disks.items()):
        labels = (("device", device),)
        add(Sample("node_disk_read_bytes_total", labels, float(c.read_bytes)))
        add(Sample("node_disk_written_bytes_total", labels, float(c.write_bytes)))
        add(Sample("node_disk_reads_completed_total", labels, float(c.read_count)))
        add(Sample("node_disk_writes_completed_total", labels, float(c.write_count)))
        busy_ms = getattr(c, "busy_time", None)
        if busy_ms is not None:
            add(Sample("node_disk_io_time_seconds_total", labels, busy_ms / 1000))
