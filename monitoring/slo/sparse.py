"""The same figures as :mod:`monitoring.slo.maths`, from the rows the database keeps.

The database holds failed minutes and uncounted intervals (maintenance, before monitoring
began), not 132 million booleans a quarter for a thousand services; these functions work on
those sparse rows directly — sorting, ``searchsorted`` and ``bincount`` over arrays whose size is
the number of failures and windows, never the number of minutes.  Held equal to the dense
functions (and so to the per-minute reference) by the property tests.

Minutes are integers on one axis (minutes since some origin); intervals are half-open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
# Keys are service × STRIDE + minute: a minute axis of 2**40 minutes (two million years) and
# eight million services fit in an int64, and keys of two services never touch.
STRIDE = 1 << 40


@dataclass(frozen=True)
class Rows:
    """Failed minutes ``(fail_service, fail_minute)`` and uncounted intervals
    ``(gap_service, gap_start, gap_end)``; services are row numbers ``0 .. services-1``."""

    services: int
    fail_service: Ints
    fail_minute: Ints
    gap_service: Ints
    gap_start: Ints
    gap_end: Ints


@dataclass(frozen=True)
class Prepared:
    """Down minutes (after the run rule) and merged uncounted intervals, as sorted keys
    ``service × stride + minute``."""

    services: int
    stride: int
    down: Ints
    gap_start: Ints
    gap_end: Ints


def _ints(a: npt.ArrayLike) -> Ints:
    return np.asarray(a, dtype=np.int64)


def prepare(rows: Rows, *, min_run: int) -> Prepared:
    """Merge the uncounted intervals, drop failures inside them, keep the failed minutes that
    lie in runs of at least ``min_run`` consecutive counted failures."""
    stride = STRIDE
    # merged gaps (as keys, so services never touch)
    order = np.lexsort((_ints(rows.gap_start), _ints(rows.gap_service)))
    gs = _ints(rows.gap_service)[order] * stride + _ints(rows.gap_start)[order]
    ge = _ints(rows.gap_service)[order] * stride + _ints(rows.gap_end)[order]
    keep = ge > gs
    gs, ge = gs[keep], ge[keep]
    if gs.size:
        reach = np.maximum.accumulate(ge)
        new = np.empty(gs.size, dtype=bool)
        new[0] = True
        new[1:] = gs[1:] > reach[:-1]
        firsts = np.flatnonzero(new)
        gs, ge = gs[firsts], np.maximum.reduceat(ge, firsts)
    # counted failures
    fk = np.unique(_ints(rows.fail_service) * stride + _ints(rows.fail_minute))
    if gs.size and fk.size:
        idx = np.searchsorted(gs, fk, side="right") - 1
        inside = (idx >= 0) & (fk < ge[np.maximum(idx, 0)])
        fk = fk[~inside]
    # runs: consecutive keys (a gap minute or another service breaks the run)
    if fk.size:
        starts = np.empty(fk.size, dtype=bool)
        starts[0] = True
        starts[1:] = np.diff(fk) != 1
        run = np.cumsum(starts) - 1
        lengths = np.bincount(run)
        fk = fk[lengths[run] >= min_run]
    return Prepared(rows.services, stride, fk, gs, ge)


def _clip_gaps(p: Prepared, lo: int, hi: int) -> tuple[Ints, Ints, Ints]:
    """Merged gaps clipped to ``[lo, hi)``: (service, start, end), empty ones dropped."""
    svc = p.gap_start // p.stride
    a = np.maximum(p.gap_start - svc * p.stride, lo)
    b = np.minimum(p.gap_end - svc * p.stride, hi)
    keep = b > a
    return svc[keep], a[keep], b[keep]


def occurrences(p: Prepared, lo: int, hi: int) -> tuple[Ints, Ints]:
    """(counted, down) minutes per service over ``[lo, hi)``."""
    svc, a, b = _clip_gaps(p, lo, hi)
    gaps = np.bincount(svc, weights=(b - a), minlength=p.services).astype(np.int64)
    counted = np.maximum(hi - lo, 0) - gaps
    lo_i = np.searchsorted(p.down, np.arange(p.services) * p.stride + lo)
    hi_i = np.searchsorted(p.down, np.arange(p.services) * p.stride + hi)
    return counted, (hi_i - lo_i).astype(np.int64)


def timeslices(
    p: Prepared, lo: int, hi: int, *, slice_minutes: int, slice_target: float
) -> tuple[Ints, Ints]:
    """(counted, bad) slices per service over ``[lo, hi)``, slices from ``lo``."""
    k, span = slice_minutes, max(hi - lo, 0)
    n_slices = -(-span // k)
    if n_slices == 0:
        zeros = np.zeros(p.services, dtype=np.int64)
        return zeros, zeros.copy()
    last_len = span - k * (n_slices - 1)
    svc, a, b = _clip_gaps(p, lo, hi)
    a, b = a - lo, b - lo
    fa, fb = a // k, (b - 1) // k
    one = fa == fb
    # gap minutes per touched slice: first and last slice of each gap (same slice if one)
    key_g = np.concatenate([svc * n_slices + fa, (svc * n_slices + fb)[~one]])
    val_g = np.concatenate([np.where(one, b - a, k * (fa + 1) - a), (b - k * fb)[~one]])
    # slices strictly between cover nothing counted: empty
    empty_mid = np.bincount(svc, weights=np.maximum(fb - fa - 1, 0), minlength=p.services)
    # down minutes per slice
    dsvc = p.down // p.stride
    dmin = p.down - dsvc * p.stride
    w = (dmin >= lo) & (dmin < hi)
    key_d = dsvc[w] * n_slices + (dmin[w] - lo) // k
    keys, inverse = np.unique(np.concatenate([key_g, key_d]), return_inverse=True)
    gap_m = np.bincount(inverse[: key_g.size], weights=val_g, minlength=keys.size)
    down_m = np.bincount(inverse[key_g.size :], minlength=keys.size)
    sl = keys % n_slices
    length = np.where(sl == n_slices - 1, last_len, k)
    c = length - gap_m.astype(np.int64)
    bad = (c > 0) & ((c - down_m) < slice_target * c)
    owner = keys // n_slices
    empty = empty_mid.astype(np.int64) + np.bincount(
        owner, weights=(c == 0), minlength=p.services
    ).astype(np.int64)
    counted = n_slices - empty
    return counted, np.bincount(owner, weights=bad, minlength=p.services).astype(np.int64)
