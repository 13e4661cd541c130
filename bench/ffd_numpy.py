"""The numpy baseline: classic three-dimensional first-fit decreasing on identical hosts.

Plain capacity only: no zones, MLPS levels, anti-affinity or rack power, so it is compared
with the engine only on instances that have none of them (one zone, one level, no groups,
every host off and of one size).  Items go largest first (largest normalised dimension,
then the normalised sum) onto the first open host with room in every dimension, found by
one vectorised comparison over the open hosts; a new host opens when none has room.

Bench-only (``pip install -e '.[bench]'``): the package and the tests never import numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[np.int64]


def ffd_order(demands: Array, capacity: Sequence[int]) -> npt.NDArray[np.intp]:
    """Item indices, largest first: by largest normalised dimension, then by the sum."""
    norm = demands / np.asarray(capacity, dtype=np.float64)
    # lexsort sorts by the last key first; negate for decreasing, index breaks ties stably.
    return np.lexsort((-norm.sum(axis=1), -norm.max(axis=1)))


def ffd_numpy(demands: Array, capacity: Sequence[int]) -> Array:
    """Host number (0, 1, …, in opening order) for each row of ``demands`` (n × 3)."""
    cap = np.asarray(capacity, dtype=np.int64)
    if (demands > cap).any():
        raise ValueError("an item is larger than a host")
    count = len(demands)
    # Free room per dimension, one row per dimension so each comparison is one contiguous
    # run over the open hosts; at most one host per item.
    free = np.empty((3, max(count, 1)), dtype=np.int64)
    host_of = np.empty(count, dtype=np.int64)
    opened = 0
    for index in ffd_order(demands, capacity):
        cpu, mem, disk = (int(v) for v in demands[index])
        fits = free[0, :opened] >= cpu
        fits &= free[1, :opened] >= mem
        fits &= free[2, :opened] >= disk
        host = int(fits.argmax()) if opened else 0
        if not opened or not fits[host]:
            host = opened
            free[:, host] = cap
            opened += 1
        free[0, host] -= cpu
        free[1, host] -= mem
        free[2, host] -= disk
        host_of[index] = host
    return host_of


def check(demands: Array, capacity: Sequence[int], host_of: Array) -> list[str]:
    """Independent check of a packing: every item placed exactly once on a host that
    exists, and no host over capacity in any dimension.  Empty when the packing is sound."""
    problems = []
    if host_of.shape != (len(demands),):
        problems.append(f"{host_of.shape[0]} assignments for {len(demands)} items")
        return problems
    if (host_of < 0).any():
        problems.append(f"{int((host_of < 0).sum())} items on no host")
        return problems
    hosts = int(host_of.max()) + 1 if len(host_of) else 0
    load = np.zeros((hosts, 3), dtype=np.int64)
    np.add.at(load, host_of, demands)
    over = np.flatnonzero((load > np.asarray(capacity, dtype=np.int64)).any(axis=1))
    if len(over):
        problems.append(f"hosts over capacity: {over[:5].tolist()}")
    empty = np.flatnonzero(np.bincount(host_of, minlength=hosts) == 0)
    if len(empty):
        problems.append(f"hosts opened but empty: {empty[:5].tolist()}")
    return problems


def hosts_used(host_of: Array) -> int:
    """How many distinct hosts carry at least one item."""
    return len(np.unique(host_of))
