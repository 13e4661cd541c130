"""Availability, error budgets and burn rates: pure functions over per-minute arrays.

No session, no clock: callers pass arrays of minutes (the last axis; a leading axis may hold
many services) and get counts back.  The definitions, as Chinese cloud SLAs state them:

* a minute is *counted* when the service was monitored and not inside an approved
  maintenance window; uncounted minutes neither earn nor spend budget;
* a counted minute is *down* only inside a run of at least ``min_run`` consecutive counted
  failed minutes (an uncounted minute ends a run); shorter blips are forgiven;
* **Occurrences**: availability = (counted − down) / counted minutes;
* **Timeslices**: minutes are grouped into slices of ``slice_minutes`` from the window's start;
  a slice with counted minutes is good when its share of up minutes reaches
  ``slice_target``; availability = good slices / counted slices;
* error budget = (1 − target) × counted events; remaining = 1 − spent / budget (negative when
  overspent); a burn rate over a trailing window = its down share / (1 − target).

:mod:`monitoring.slo.reference` restates all of this minute by minute; the property tests hold
the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# (long window, short window, budget fraction spent in the long window, severity) — the
# multi-window, multi-burn-rate alerts of Google's SRE workbook, stated as budget fractions so
# they scale from 30 days to a quarter: 2 % in 1 h, 5 % in 6 h, 10 % in 1 d, 10 % in 3 d.
BURN_ALERTS: tuple[tuple[int, int, float, str], ...] = (
    (60, 5, 0.02, "page"),
    (360, 30, 0.05, "page"),
    (1440, 120, 0.10, "ticket"),
    (4320, 360, 0.10, "ticket"),
)


def burn_factor(fraction: float, long_minutes: int, period_minutes: int) -> float:
    """The burn rate that spends ``fraction`` of a period's budget in ``long_minutes``
    (30 days: 2 % in 1 h → 14.4; a 92-day quarter: 2 % in 1 h → 44.16)."""
    return fraction * period_minutes / long_minutes


def down_minutes(failed: BoolArray, counted: BoolArray, min_run: int) -> BoolArray:
    """Counted failed minutes that lie in a run of ``min_run`` or more (along the last axis)."""
    f = failed & counted
    if min_run <= 1:
        return f
    n = f.shape[-1]
    if n < min_run:
        return np.zeros_like(f)
    # starts[t]: minutes t .. t+min_run-1 all failed (a full run begins at t)
    starts = f[..., : n - min_run + 1].copy()
    for k in range(1, min_run):
        starts &= f[..., k : n - min_run + 1 + k]
    # a minute is down when some full-length window containing it is all failed
    down = np.zeros_like(f)
    for k in range(min_run):
        down[..., k : n - min_run + 1 + k] |= starts
    return down


@dataclass(frozen=True)
class Figures:
    """What one window says about one subject (arrays when several services are given)."""

    counted: IntArray  # counted minutes (Occurrences) or counted slices (Timeslices)
    bad: IntArray  # down minutes or bad slices
    down_minutes: IntArray  # down minutes, whatever the budgeting

    @property
    def good(self) -> IntArray:
        return self.counted - self.bad


def occurrences(down: BoolArray, counted: BoolArray) -> Figures:
    """Counted and down minutes over the whole given span."""
    c = np.count_nonzero(counted, axis=-1).astype(np.int64)
    d = np.count_nonzero(down, axis=-1).astype(np.int64)
    return Figures(counted=c, bad=d, down_minutes=d)


def timeslices(
    down: BoolArray, counted: BoolArray, *, slice_minutes: int, slice_target: float
) -> Figures:
    """Slices of ``slice_minutes`` from the span's first minute (the last may be shorter)."""
    n = down.shape[-1]
    full = n - n % slice_minutes
    lead = down.shape[:-1]

    def per_slice(a: BoolArray) -> IntArray:
        # strided adds (one pass per minute of a slice) beat a reduction over a short axis
        sums = np.zeros((*lead, full // slice_minutes), dtype=np.int64)
        for k in range(slice_minutes):
            sums += a[..., k:full:slice_minutes]
        if full < n:
            tail = np.count_nonzero(a[..., full:], axis=-1).astype(np.int64)[..., None]
            sums = np.concatenate([sums, tail], axis=-1)
        return sums

    c, d = per_slice(counted), per_slice(down)
    has = c > 0
    # good share ≥ target  ⇔  (c − d) ≥ target·c; compared in floats exactly as the reference
    good = has & ((c - d) >= slice_target * c)
    n_counted = np.count_nonzero(has, axis=-1).astype(np.int64)
    n_bad = n_counted - np.count_nonzero(good, axis=-1).astype(np.int64)
    return Figures(counted=n_counted, bad=n_bad, down_minutes=d.sum(axis=-1, dtype=np.int64))


def ratio(good: int, counted: int) -> float | None:
    """Availability; None when nothing was counted."""
    return None if counted == 0 else good / counted


def budget_remaining(bad: int, counted: int, target: float) -> float | None:
    """Share of the error budget left (1.0 untouched, 0 spent, negative overspent)."""
    allowed = (1.0 - target) * counted
    if counted == 0:
        return None
    if allowed == 0:
        return 1.0 if bad == 0 else float("-inf")
    return 1.0 - bad / allowed


def trailing_burn(down: BoolArray, counted: BoolArray, minutes: int, target: float) -> float:
    """Burn rate over the last ``minutes`` of a 1-D span (0 when nothing counted there)."""
    d = int(down[-minutes:].sum())
    c = int(counted[-minutes:].sum())
    return 0.0 if c == 0 else (d / c) / (1.0 - target)


def burn_series(
    down: BoolArray, counted: BoolArray, minutes: int, target: float
) -> npt.NDArray[np.float64]:
    """Burn rate over the trailing ``minutes`` ending at every minute of a 1-D span (windows
    cut at the span's start), vectorized with cumulative sums."""
    cd = np.concatenate([[0], np.cumsum(down, dtype=np.int64)])
    cc = np.concatenate([[0], np.cumsum(counted, dtype=np.int64)])
    ends = np.arange(1, down.shape[-1] + 1)
    starts = np.maximum(ends - minutes, 0)
    d = cd[ends] - cd[starts]
    c = cc[ends] - cc[starts]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(c > 0, d / np.maximum(c, 1), 0.0) / (1.0 - target)
    return rate.astype(np.float64)
