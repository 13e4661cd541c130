"""Rating throughput: the full card semantics vs a raw DuckDB group-by over the same rows.

`.venv/bin/python bench/rating.py [--rows 50000000] [--repeat 3] [--sample 200000]`

Usage rows (department, service, zone, local day, unit-minutes) are generated inside DuckDB
and handed over as one Arrow table.  Both contenders read that table in the same process:

* baseline — ``SELECT department_id, service, zone, sum(minutes) ... GROUP BY ALL``;
* govcloud — ``billing.rating.engine.rate`` with the demo city's default card: two versions
  changing on 15 October, tiers, zone multipliers, zone-specific lines, fixed monthly parts,
  integer-exact amounts rounded to the fen.

Throughput = rows ÷ best wall time.  Then a sample of departments is rated by both the engine
and the per-record reference (``billing.rating.reference``) and must agree to the fen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

import duckdb

from billing.ratecards.enums import ServiceType
from billing.ratecards.schemas import RateCardVersionCreate
from billing.ratecards.service import read_card_file
from billing.rating.engine import rate
from billing.rating.reference import rate_reference
from billing.rating.schemas import CardVersion, UsageRecord

ZONES = ("internet", "extranet", "private")


def default_card() -> list[CardVersion]:
    from billing.rating.schemas import PriceLine, Tier

    out = []
    for index, body in enumerate(read_card_file(), start=1):
        data = RateCardVersionCreate.model_validate(body)
        out.append(
            CardVersion(
                id=index,
                effective_from=data.effective_from,
                effective_to=data.effective_to,
                zone_multipliers={z.value: m for z, m in data.zone_multipliers.items()},
                lines=tuple(
                    PriceLine(
                        line.service.value,
                        line.zone.value if line.zone else None,
                        line.unit.value,
                        tuple(Tier(t.up_to, t.unit_price) for t in line.tiers),
                        line.fixed_monthly,
                    )
                    for line in data.lines
                ),
            )
        )
    return out


def generate(con: duckdb.DuckDBPyConnection, rows: int) -> Any:
    services = [s.value for s in ServiceType]
    svc = "[" + ",".join(f"'{s}'" for s in services) + "]"
    zones = "[" + ",".join(f"'{z}'" for z in ZONES) + "]"
    # S608: the SQL is built from our own constants.
    sql = f"""
        SELECT (hash(i) % 400)::BIGINT AS department_id,
               {svc}[1 + (hash(i * 7) % {len(services)})::INT] AS service,
               {zones}[1 + (hash(i * 13) % 3)::INT] AS zone,
               (DATE '2026-10-01' + (hash(i * 17) % 31)::INT) AS day,
               (1 + hash(i * 31) % 5760)::BIGINT AS minutes
        FROM range({rows}) t(i)
    """  # noqa: S608
    return con.execute(sql).fetch_arrow_table()


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=200_000)
    args = parser.parse_args()
    con = duckdb.connect()
    t0 = time.perf_counter()
    table = generate(con, args.rows)
    print(f"generated {table.num_rows:,} rows in {time.perf_counter() - t0:.1f} s")
    card = default_card()
    con.register("usage_raw", table)
    base_s, groups = best(
        lambda: con.execute(
            "SELECT department_id, service, zone, sum(minutes) FROM usage_raw GROUP BY ALL"
        ).fetchall(),
        args.repeat,
    )
    con.unregister("usage_raw")
    ours_s, lines = best(lambda: rate(table, card, zones=ZONES, connection=con), args.repeat)
    base_tp, ours_tp = args.rows / base_s, args.rows / ours_s
    print(f"baseline group-by : {base_s:8.3f} s  {base_tp:14,.0f} rows/s  ({len(groups):,} groups)")
    print(f"govcloud rating   : {ours_s:8.3f} s  {ours_tp:14,.0f} rows/s  ({len(lines):,} lines)")
    print(f"ratio (ours ÷ baseline throughput): {ours_tp / base_tp:.2f}  (goal ≥ 0.5)")
    # Exactness on a sample: a few departments, all their rows, engine vs reference.
    sample = table.slice(0, args.sample)
    records = [
        UsageRecord(r["department_id"], r["service"], r["zone"], r["day"], r["minutes"])
        for r in sample.to_pylist()
    ]
    t0 = time.perf_counter()
    expected = rate_reference(records, card)
    ref_s = time.perf_counter() - t0
    got = rate(sample, card, zones=ZONES, connection=con)
    assert got == expected, "engine and reference disagree"
    total = sum((x.amount for x in got), start=expected[0].amount * 0)
    print(
        f"sample of {len(records):,} rows: engine == reference to the fen "
        f"({len(got):,} lines, ¥{total:,.2f}); reference took {ref_s:.1f} s "
        f"({len(records) / ref_s:,.0f} rows/s)"
    )
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
