"""The vectorized SLO maths equal the minute-by-minute reference (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.slo import maths, reference, sparse

minutes = st.integers(min_value=0, max_value=400)


@st.composite
def spans(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Failures in bursts (so runs of every length occur) and maintenance/no-data gaps."""
    n = draw(minutes)
    failed = np.zeros(n, dtype=bool)
    counted = np.ones(n, dtype=bool)
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, max(n - 1, 0)))
        failed[start : start + draw(st.integers(1, 12))] = True
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, max(n - 1, 0)))
        counted[start : start + draw(st.integers(1, 30))] = False
    noise = draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=20))
    if n:
        failed[np.array(noise, dtype=int)] ^= True
    return failed, counted


@settings(max_examples=300, deadline=None)
@given(spans(), st.integers(1, 7))
def test_down_minutes_follow_the_run_rule(
    span: tuple[np.ndarray, np.ndarray], min_run: int
) -> None:
    """Catches: blips shorter than min_run counted, runs bridged across maintenance, runs cut
    at the span's edges."""
    failed, counted = span
    got = maths.down_minutes(failed, counted, min_run)
    assert got.tolist() == reference.down_minutes(failed.tolist(), counted.tolist(), min_run)


@settings(max_examples=300, deadline=None)
@given(
    spans(),
    st.integers(1, 7),
    st.integers(1, 15),
    st.sampled_from([0.5, 0.8, 0.9, 0.99, 1.0]),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_window_figures_equal_the_reference(
    span: tuple[np.ndarray, np.ndarray],
    min_run: int,
    slice_minutes: int,
    slice_target: float,
    a: int,
    b: int,
) -> None:
    """Counts over any window [lo, hi) of a longer history (runs judged on the history, so a run
    straddling the window's edge counts inside it), both budgeting methods."""
    failed, counted = span
    lo, hi = sorted((min(a, len(failed)), min(b, len(failed))))
    down = maths.down_minutes(failed, counted, min_run)
    ref_down = reference.down_minutes(failed.tolist(), counted.tolist(), min_run)
    occ = maths.occurrences(down[lo:hi], counted[lo:hi])
    assert (int(occ.counted), int(occ.bad)) == reference.occurrences(
        ref_down[lo:hi], counted.tolist()[lo:hi]
    )
    ts = maths.timeslices(
        down[lo:hi], counted[lo:hi], slice_minutes=slice_minutes, slice_target=slice_target
    )
    assert (int(ts.counted), int(ts.bad)) == reference.timeslices(
        ref_down[lo:hi], counted.tolist()[lo:hi], slice_minutes, slice_target
    )


@settings(max_examples=200, deadline=None)
@given(spans(), st.integers(1, 400), st.sampled_from([0.9, 0.99, 0.999]))
def test_burn_rates_equal_the_reference(
    span: tuple[np.ndarray, np.ndarray], window: int, target: float
) -> None:
    failed, counted = span
    down = maths.down_minutes(failed, counted, 5)
    series = maths.burn_series(down, counted, window, target)
    ref_down = reference.down_minutes(failed.tolist(), counted.tolist(), 5)
    expected = [
        reference.burn_at(ref_down, counted.tolist(), end, window, target)
        for end in range(1, len(failed) + 1)
    ]
    assert series.tolist() == expected
    if len(failed):
        assert maths.trailing_burn(down, counted, window, target) == expected[-1]


@settings(max_examples=100, deadline=None)
@given(st.lists(spans(), min_size=1, max_size=4), st.integers(1, 6))
def test_many_services_at_once_equal_one_by_one(
    many: list[tuple[np.ndarray, np.ndarray]], min_run: int
) -> None:
    """The 2-D form (services × minutes) the status board and the benchmark use."""
    n = min(len(f) for f, _ in many)
    failed = np.stack([f[:n] for f, _ in many])
    counted = np.stack([c[:n] for _, c in many])
    down = maths.down_minutes(failed, counted, min_run)
    occ = maths.occurrences(down, counted)
    ts = maths.timeslices(down, counted, slice_minutes=5, slice_target=0.8)
    for i, (f, c) in enumerate(zip(failed, counted, strict=True)):
        ref = reference.down_minutes(f.tolist(), c.tolist(), min_run)
        assert (occ.counted[i], occ.bad[i]) == reference.occurrences(ref, c.tolist())
        assert (ts.counted[i], ts.bad[i]) == reference.timeslices(ref, c.tolist(), 5, 0.8)


def test_burn_factors_match_the_workbook_for_30_days() -> None:
    period = 30 * 24 * 60
    got = [maths.burn_factor(f, lw, period) for lw, _, f, _ in maths.BURN_ALERTS]
    assert [round(x, 6) for x in got] == [14.4, 6.0, 3.0, 1.0]


def test_four_failed_minutes_cost_nothing_five_cost_five() -> None:
    counted = np.ones(20, dtype=bool)
    failed = np.zeros(20, dtype=bool)
    failed[2:6] = True
    assert maths.down_minutes(failed, counted, 5).sum() == 0
    failed[10:15] = True
    assert maths.down_minutes(failed, counted, 5).sum() == 5


def _rows(failed: np.ndarray, counted: np.ndarray) -> sparse.Rows:
    """The sparse form of dense arrays: failed minutes, uncounted minutes as 1-minute gaps."""
    fs, fm = np.nonzero(failed)
    gs, gm = np.nonzero(~counted)
    return sparse.Rows(failed.shape[0], fs, fm, gs, gm, gm + 1)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(spans(), min_size=1, max_size=3),
    st.integers(1, 7),
    st.integers(1, 9),
    st.sampled_from([0.5, 0.8, 1.0]),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_sparse_rows_give_the_dense_figures(
    many: list[tuple[np.ndarray, np.ndarray]],
    min_run: int,
    slice_minutes: int,
    slice_target: float,
    a: int,
    b: int,
) -> None:
    """Catches: the sparse path (what the database and the benchmark feed) drifting from the
    dense one — runs across a gap, gaps merged wrongly, slices cut at the window's edges."""
    n = min(len(f) for f, _ in many)
    failed = np.stack([f[:n] for f, _ in many])
    counted = np.stack([c[:n] for _, c in many])
    lo, hi = sorted((min(a, n), min(b, n)))
    prepared = sparse.prepare(_rows(failed, counted), min_run=min_run)
    down = maths.down_minutes(failed, counted, min_run)
    occ = maths.occurrences(down[:, lo:hi], counted[:, lo:hi])
    c, d = sparse.occurrences(prepared, lo, hi)
    assert (c.tolist(), d.tolist()) == (occ.counted.tolist(), occ.bad.tolist())
    ts = maths.timeslices(
        down[:, lo:hi], counted[:, lo:hi], slice_minutes=slice_minutes, slice_target=slice_target
    )
    sc, sb = sparse.timeslices(
        prepared, lo, hi, slice_minutes=slice_minutes, slice_target=slice_target
    )
    assert (sc.tolist(), sb.tolist()) == (ts.counted.tolist(), ts.bad.tolist())


def test_sparse_merges_overlapping_gaps() -> None:
    rows = sparse.Rows(
        1,
        np.zeros(6, dtype=np.int64),
        np.array([3, 4, 5, 6, 7, 20]),
        np.zeros(2, dtype=np.int64),
        np.array([10, 12]),
        np.array([15, 18]),
    )
    p = sparse.prepare(rows, min_run=5)
    assert sparse.occurrences(p, 0, 30) == (np.array([22]), np.array([5]))
