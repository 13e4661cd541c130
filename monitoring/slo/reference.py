"""The same definitions as :mod:`monitoring.slo.maths`, minute by minute, in plain Python.

Slow on purpose and written without looking sideways: the property tests and bench/sla.py hold
the vectorized code equal to this.
"""

from __future__ import annotations

from collections.abc import Sequence


def down_minutes(failed: Sequence[bool], counted: Sequence[bool], min_run: int) -> list[bool]:
    n = len(failed)
    f = [bool(failed[i]) and bool(counted[i]) for i in range(n)]
    down = [False] * n
    i = 0
    while i < n:
        if not f[i]:
            i += 1
            continue
        j = i
        while j < n and f[j]:
            j += 1
        if j - i >= min_run:
            for k in range(i, j):
                down[k] = True
        i = j
    return down


def occurrences(down: Sequence[bool], counted: Sequence[bool]) -> tuple[int, int]:
    """(counted, bad) minutes."""
    c = b = 0
    for i in range(len(down)):
        if counted[i]:
            c += 1
            if down[i]:
                b += 1
    return c, b


def timeslices(
    down: Sequence[bool], counted: Sequence[bool], slice_minutes: int, slice_target: float
) -> tuple[int, int]:
    """(counted, bad) slices."""
    n_counted = n_bad = 0
    for start in range(0, len(down), slice_minutes):
        c = d = 0
        for i in range(start, min(start + slice_minutes, len(down))):
            if counted[i]:
                c += 1
                if down[i]:
                    d += 1
        if c == 0:
            continue
        n_counted += 1
        if not (c - d >= slice_target * c):
            n_bad += 1
    return n_counted, n_bad


def burn_at(
    down: Sequence[bool], counted: Sequence[bool], end: int, minutes: int, target: float
) -> float:
    """Burn rate over minutes [end − minutes, end)."""
    c = d = 0
    for i in range(max(0, end - minutes), end):
        if counted[i]:
            c += 1
            if down[i]:
                d += 1
    return 0.0 if c == 0 else (d / c) / (1.0 - target)
