"""Availability and error budgets for a quarter of 1-minute probes for 1,000 services:
govcloud's vectorized path (monitoring/slo/maths.py, from the same sparse rows the database
keeps: failed minutes and approved maintenance windows) ÷ a raw DuckDB aggregate over the same
rows (gaps-and-islands for the ≥ 5-minute rule, maintenance anti-join, 5-minute slices).

Both must agree exactly on every service; a sample of services is also checked against the
minute-by-minute reference (monitoring/slo/reference.py).  Goal: ours ≤ 1.5× DuckDB's time.

    .venv/bin/pip install -e '.[bench]'   # duckdb
    .venv/bin/python bench/sla.py [--services 1000] [--days 92]
"""

from __future__ import annotations

import argparse
import time

import duckdb
import numpy as np

from monitoring.slo import maths, reference, sparse

MIN_RUN, SLICE, SLICE_TARGET, TARGET = 5, 5, 0.8, 0.999
CHUNK = 100  # services per numpy block (bounds memory: 100 × 132,480 minutes)


def make_data(
    services: int, minutes: int, seed: int = 11
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(failed rows [service, minute], maintenance [service, start, end)) — deterministic."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(services):
        starts = rng.integers(0, minutes, size=int(rng.integers(5, 30)))
        lengths = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12, 30], size=starts.size)
        for a, n in zip(starts, lengths, strict=True):
            m = np.arange(a, min(minutes, a + n))
            rows.append(np.stack([np.full(m.size, s), m], axis=1))
    failed = np.unique(np.concatenate(rows), axis=0)
    m_svc = np.repeat(np.arange(services), 2)
    m_start = rng.integers(0, minutes - 300, size=m_svc.size)
    # two windows per service, apart (no overlap): second in the other half of the quarter
    m_start[1::2] = (m_start[1::2] % (minutes // 2 - 300)) + minutes // 2
    m_start[0::2] = m_start[0::2] % (minutes // 2 - 300)
    m_end = m_start + rng.choice([120, 180, 240], size=m_svc.size)
    maint = np.stack([m_svc, m_start, m_end], axis=1)
    return failed, maint, np.array([services, minutes])


def ours(failed: np.ndarray, maint: np.ndarray, services: int, minutes: int) -> np.ndarray:
    """[counted, down, counted slices, bad slices] per service, the way monitoring/slo/service.py
    computes them: sparse rows (failed minutes, maintenance windows) → monitoring.slo.sparse."""
    rows = sparse.Rows(services, failed[:, 0], failed[:, 1], maint[:, 0], maint[:, 1], maint[:, 2])
    p = sparse.prepare(rows, min_run=MIN_RUN)
    counted, down = sparse.occurrences(p, 0, minutes)
    s_counted, s_bad = sparse.timeslices(
        p, 0, minutes, slice_minutes=SLICE, slice_target=SLICE_TARGET
    )
    return np.stack([counted, down, s_counted, s_bad], axis=1)


def dense(failed: np.ndarray, maint: np.ndarray, services: int, minutes: int) -> np.ndarray:
    """The same through the dense per-minute arrays (monitoring.slo.maths), for comparison."""
    out = np.zeros((services, 4), dtype=np.int64)
    f_svc, f_min = failed[:, 0], failed[:, 1]
    order = np.searchsorted(f_svc, np.arange(0, services + CHUNK, CHUNK))
    m_order = np.searchsorted(maint[:, 0], np.arange(0, services + CHUNK, CHUNK))
    for k, lo in enumerate(range(0, services, CHUNK)):
        hi = min(services, lo + CHUNK)
        fail = np.zeros((hi - lo, minutes), dtype=bool)
        a, b = order[k], order[k + 1]
        fail[f_svc[a:b] - lo, f_min[a:b]] = True
        counted = np.ones((hi - lo, minutes), dtype=bool)
        for svc, start, stop in maint[m_order[k] : m_order[k + 1]]:
            counted[svc - lo, start:stop] = False
        down = maths.down_minutes(fail, counted, MIN_RUN)
        occ = maths.occurrences(down, counted)
        ts = maths.timeslices(down, counted, slice_minutes=SLICE, slice_target=SLICE_TARGET)
        out[lo:hi] = np.stack([occ.counted, occ.bad, ts.counted, ts.bad], axis=1)
    return out


# Built from this file's constants only (no input reaches it).
SQL = f"""
WITH f AS (
  SELECT f.service, f.minute FROM failed f
  ANTI JOIN maint m ON f.service = m.service AND f.minute >= m.start AND f.minute < m.stop
), islands AS (
  SELECT service, minute, minute - row_number() OVER (PARTITION BY service ORDER BY minute) AS grp
  FROM f
), down AS (
  SELECT service, minute FROM islands
  QUALIFY count(*) OVER (PARTITION BY service, grp) >= {MIN_RUN}
), mm AS (  -- maintenance minutes per 5-minute slice
  SELECT service, minute // {SLICE} AS sl, count(*) AS n
  FROM (SELECT service, unnest(range(start, stop)) AS minute FROM maint)
  GROUP BY ALL
), dm AS (
  SELECT service, minute // {SLICE} AS sl, count(*) AS d FROM down GROUP BY ALL
), slices AS (  -- only slices touched by maintenance or downtime can be anything but good
  SELECT coalesce(mm.service, dm.service) AS service, coalesce(mm.sl, dm.sl) AS sl,
         least({SLICE}, $minutes - coalesce(mm.sl, dm.sl) * {SLICE}) - coalesce(mm.n, 0) AS c,
         coalesce(dm.d, 0) AS d
  FROM mm FULL JOIN dm ON mm.service = dm.service AND mm.sl = dm.sl
), per AS (
  SELECT service,
         sum(CASE WHEN c = 0 THEN 1 ELSE 0 END) AS empty_slices,
         sum(CASE WHEN c > 0 AND (c - d) < {SLICE_TARGET} * c THEN 1 ELSE 0 END) AS bad_slices
  FROM slices GROUP BY service
), counted AS (
  SELECT service, $minutes - sum(stop - start) AS c FROM maint GROUP BY service
)
SELECT s.service,
       counted.c,
       coalesce((SELECT count(*) FROM down WHERE down.service = s.service), 0) AS down,
       ceil($minutes / {SLICE}) - coalesce(per.empty_slices, 0) AS slices,
       coalesce(per.bad_slices, 0) AS bad_slices
FROM range($services) s(service)
JOIN counted USING (service)
LEFT JOIN per USING (service)
ORDER BY s.service
"""  # noqa: S608


def with_duckdb(con: duckdb.DuckDBPyConnection, services: int, minutes: int) -> np.ndarray:
    rows = con.execute(SQL, {"minutes": minutes, "services": services}).fetchnumpy()
    return np.stack([rows["c"], rows["down"], rows["slices"], rows["bad_slices"]], axis=1).astype(
        np.int64
    )


def check_reference(
    failed: np.ndarray, maint: np.ndarray, minutes: int, got: np.ndarray, sample: list[int]
) -> None:
    for s in sample:
        fl = [False] * minutes
        for m in failed[failed[:, 0] == s][:, 1]:
            fl[int(m)] = True
        counted = [True] * minutes
        for _, a, b in maint[maint[:, 0] == s]:
            for m in range(int(a), int(b)):
                counted[m] = False
        down = reference.down_minutes(fl, counted, MIN_RUN)
        c, d = reference.occurrences(down, counted)
        sc, sb = reference.timeslices(down, counted, SLICE, SLICE_TARGET)
        assert [c, d, sc, sb] == got[s].tolist(), (s, [c, d, sc, sb], got[s].tolist())


def best_of(runs: int, fn, *args):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--days", type=int, default=92)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    minutes = args.days * 1440
    failed, maint, _ = make_data(args.services, minutes)
    print(
        f"{args.services:,} services × {minutes:,} minutes = {args.services * minutes:,} "
        f"probe-minutes; {len(failed):,} failed rows, {len(maint):,} maintenance windows"
    )
    con = duckdb.connect()
    con.register("failed_np", {"service": failed[:, 0], "minute": failed[:, 1]})
    con.register("maint_np", {"service": maint[:, 0], "start": maint[:, 1], "stop": maint[:, 2]})
    con.execute("CREATE TABLE failed AS SELECT * FROM failed_np")
    con.execute("CREATE TABLE maint AS SELECT * FROM maint_np")
    t_ours, got = best_of(args.runs, ours, failed, maint, args.services, minutes)
    t_duck, duck = best_of(args.runs, with_duckdb, con, args.services, minutes)
    t_dense, got_dense = best_of(1, dense, failed, maint, args.services, minutes)
    same = bool(np.array_equal(got, duck)) and bool(np.array_equal(got, got_dense))
    sample = list(range(0, args.services, max(1, args.services // 10)))
    check_reference(failed, maint, minutes, got, sample)
    total_c, total_d = int(got[:, 0].sum()), int(got[:, 1].sum())
    budget = maths.budget_remaining(total_d, total_c, TARGET)
    print(f"pooled availability {(total_c - total_d) / total_c:.6f}, budget left {budget:.3f}")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
    print(f"{'govcloud (sparse)':<22}{t_ours:8.3f} s")
    print(f"{'dense per-minute numpy':<22}{t_dense:8.3f} s  (for comparison)")
    print(f"{'DuckDB raw aggregate':<22}{t_duck:8.3f} s  (threads: {threads})")
    ratio = t_ours / t_duck
    print(f"ours ÷ DuckDB: {ratio:.2f}×  (goal ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(
        f"equal to DuckDB and to the dense path on all {args.services} services: {same}; "
        f"equal to the reference on {len(sample)} sampled services: True"
    )
    if not same:
        bad = np.flatnonzero((got != duck).any(axis=1))[:5]
        print("differences:", [(int(i), got[i].tolist(), duck[i].tolist()) for i in bad])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
