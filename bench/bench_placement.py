"""Placement benchmark: the engine against 3-D first-fit decreasing, measured in the same run.

Seeded instances drawn from a cloud-like VM flavour mix (many small general-purpose VMs, a
tail of large and memory-heavy ones, system plus data disks) onto hosts of
64 vCPU / 256 GiB / 2 TiB.  For each packer: hosts used, waste over the lower bound
(max over dimensions of ⌈Σ demand ÷ capacity⌉, per zone), wall time, items per second, and
the ratios engine ÷ FFD.  Every placement is checked by ``verify`` before it is counted.

Run: ``.venv/bin/python bench/bench_placement.py [--large]`` (``--large`` adds 100,000 items).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from infra.inventory.enums import NetworkZone
from infra.placement import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
    first_fit_decreasing,
    lower_bound_hosts,
    place,
    verify,
)

# (vCPU, GiB memory, relative frequency): general 1:4 dominates, compute 1:2 and memory 1:8
# families around it, frequency falling with size as in public-cloud fleets.
FLAVOURS = (
    (1, 2, 6),
    (1, 4, 5),
    (2, 4, 12),
    (2, 8, 14),
    (4, 8, 10),
    (4, 16, 14),
    (4, 32, 3),
    (8, 16, 5),
    (8, 32, 10),
    (8, 64, 4),
    (16, 32, 2),
    (16, 64, 5),
    (16, 128, 2),
    (32, 64, 1),
    (32, 128, 2),
)
DATA_DISKS = ((0, 40), (50, 20), (100, 20), (200, 12), (500, 6), (1000, 2))  # GiB, frequency
SYSTEM_DISK = 40
HOST = (64, 256, 2048)
HOST_DRAW_W = 450

Packer = Callable[..., Placement]


@dataclass(frozen=True)
class Instance:
    name: str
    items: list[Item]
    hosts: list[HostBin]
    racks: list[RackPower]
    scope: AntiAffinityScope = "host"


def _vms(rng: random.Random, count: int, zones: Sequence[NetworkZone], mixed: bool) -> list[Item]:
    weights = [f[2] for f in FLAVOURS]
    disks, disk_weights = zip(*DATA_DISKS, strict=True)
    items = []
    for item_id in range(1, count + 1):
        vcpu, mem, _ = rng.choices(FLAVOURS, weights)[0]
        storage = SYSTEM_DISK + rng.choices(disks, disk_weights)[0]
        zone = rng.choice(zones)
        level = rng.choices((1, 2, 3, 4), (5, 50, 40, 5))[0] if mixed else 2
        group = f"app{rng.randrange(count // 6)}" if mixed and rng.random() < 0.3 else None
        items.append(Item(item_id, vcpu, mem, storage, zone, level, group))
    return items


def _fleet(
    rng: random.Random, per_zone: int, zones: Sequence[NetworkZone], mixed: bool
) -> tuple[list[HostBin], list[RackPower]]:
    hosts: list[HostBin] = []
    racks: list[RackPower] = []
    per_rack = 16
    host_id = 0
    for zone in zones:
        for index in range(per_zone):
            if index % per_rack == 0:
                racks.append(RackPower(len(racks) + 1, per_rack * HOST_DRAW_W))
            host_id += 1
            level = (4 if index % 10 == 0 else 3) if mixed else 3
            on = mixed and index % 5 == 0
            free = HOST
            if on:  # already carries work: a random part of it is taken
                used = rng.uniform(0.2, 0.8)
                free = (int(HOST[0] * (1 - used)), int(HOST[1] * (1 - used)), int(HOST[2] * 0.6))
            hosts.append(HostBin(host_id, len(racks), zone, level, *free, HOST_DRAW_W, on))
    if mixed:  # racks give back a fifth of their budget: not every host may be switched on
        racks = [RackPower(r.rack_id, r.headroom_w * 4 // 5) for r in racks]
    return hosts, racks


def instance(name: str, seed: int, count: int, *, mixed: bool = False) -> Instance:
    rng = random.Random(seed)
    zones = tuple(NetworkZone)[:3] if mixed else (NetworkZone.EXTRANET,)
    items = _vms(rng, count, zones, mixed)
    per_zone = max(8, count // len(zones) // 5)  # about twice what is needed
    hosts, racks = _fleet(rng, per_zone, zones, mixed)
    return Instance(name, items, hosts, racks, "rack" if mixed and seed % 2 else "host")


def run(packer: Packer, inst: Instance) -> tuple[Placement, float]:
    start = time.perf_counter()
    result = packer(inst.items, inst.hosts, inst.racks, anti_affinity=inst.scope)
    elapsed = time.perf_counter() - start
    problems = verify(inst.items, inst.hosts, inst.racks, result, anti_affinity=inst.scope)
    if problems:
        raise SystemExit(f"{inst.name}: {packer.__name__} broke the rules: {problems[:3]}")
    return result, elapsed


def main(argv: Sequence[str]) -> None:
    instances = [
        instance("uniform-300", 1, 300),
        instance("uniform-1000", 2, 1000),
        instance("uniform-3000", 3, 3000),
        instance("uniform-3000b", 4, 3000),
        instance("mixed-2000 (zones, MLPS, anti-affinity, power)", 5, 2000, mixed=True),
        instance("mixed-3000 (rack anti-affinity)", 7, 3000, mixed=True),
    ]
    if "--large" in argv:
        instances.append(instance("uniform-100000", 11, 100_000))
    header = (
        f"{'instance':<48} {'LB':>5} | {'FFD hosts':>9} {'waste':>6} {'time':>7} | "
        f"{'ours':>5} {'waste':>6} {'time':>7} {'items/s':>8} | {'hosts÷FFD':>9} {'time÷FFD':>8}"
    )
    print(header)
    print("-" * len(header))
    for inst in instances:
        bound = lower_bound_hosts(inst.items, inst.hosts)
        ffd, ffd_time = run(first_fit_decreasing, inst)
        ours, our_time = run(place, inst)
        ffd_hosts, our_hosts = ffd.hosts_used(), ours.hosts_used()
        print(
            f"{inst.name:<48} {bound:>5} | {ffd_hosts:>9} {_waste(ffd_hosts, bound):>6} "
            f"{ffd_time:>6.2f}s | {our_hosts:>5} {_waste(our_hosts, bound):>6} "
            f"{our_time:>6.2f}s {len(inst.items) / our_time:>8.0f} | "
            f"{our_hosts / ffd_hosts:>9.3f} {our_time / ffd_time:>8.2f}"
        )
        if ffd.unplaced or ours.unplaced:
            print(f"    unplaced: FFD {len(ffd.unplaced)}, ours {len(ours.unplaced)}")


def _waste(used: int, bound: int) -> str:
    return f"{100 * (used - bound) / bound:.1f}%" if bound else "-"


if __name__ == "__main__":
    main(sys.argv[1:])
