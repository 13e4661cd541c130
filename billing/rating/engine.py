"""The vectorized rating processor: usage (an Arrow table) in, rated lines out, in DuckDB.

Pure: it reads no database and writes nothing; the same usage and card give the same lines
(idempotent per period by construction).  Exact: quantities are integer unit-minutes, prices
integer micro-yuan (10⁻⁶), products and sums 128-bit integers, and the only rounding is the
stated one — each line to the fen, half up — done in integer arithmetic.  The semantics are
those of ``rating/reference.py``, which the tests hold it to.

Usage columns: ``department_id`` (int), ``service`` (str), ``zone`` (str), ``day`` (date),
``minutes`` (int).  Each record's version is a function of its day (a CASE over the few
versions), so usage is grouped once per (department, service, zone, version) and the tiers run
on that small grouped table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from billing.rating.exceptions import Unpriced
from billing.rating.schemas import MICRO, CardVersion, RatedLine

USAGE_SCHEMA = pa.schema(
    [
        ("department_id", pa.int64()),
        ("service", pa.string()),
        ("zone", pa.string()),
        ("day", pa.date32()),
        ("minutes", pa.int64()),
    ]
)


def _micros(value: Decimal, what: str) -> int:
    scaled = value / MICRO
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} is not a whole number of 10⁻⁶ yuan")
    return int(scaled)


def compile_card(
    versions: Sequence[CardVersion], zones: Iterable[str]
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Versions, tiers and fixed parts as small Arrow tables, every-zone lines expanded."""
    zone_list = sorted(set(zones))
    v_rows: dict[str, list[Any]] = {"version_id": [], "eff_from": [], "eff_to": []}
    t_rows: dict[str, list[Any]] = {
        k: [] for k in ("version_id", "service", "zone", "tier", "lo", "hi", "price")
    }
    f_rows: dict[str, list[Any]] = {k: [] for k in ("version_id", "service", "zone", "fee")}
    for version in versions:
        v_rows["version_id"].append(version.id)
        v_rows["eff_from"].append(version.effective_from)
        v_rows["eff_to"].append(version.effective_to)
        specific = {(line.service, line.zone) for line in version.lines if line.zone}
        for line in version.lines:
            for zone in [line.zone] if line.zone else zone_list:
                if line.zone is None and (line.service, zone) in specific:
                    continue
                mult = Decimal(1) if line.zone else version.zone_multipliers.get(zone, Decimal(1))
                lower = 0
                for index, tier in enumerate(line.tiers):
                    upper = None if tier.up_to is None else tier.up_to * 60
                    for key, value in zip(
                        t_rows,
                        (version.id, line.service, zone, index, lower, upper, None),
                        strict=True,
                    ):
                        t_rows[key].append(value)
                    t_rows["price"][-1] = _micros(tier.unit_price * mult, "price")
                    if upper is None:
                        break
                    lower = upper
                if line.fixed_monthly > 0:
                    fee = _micros(line.fixed_monthly * mult, "fixed fee")
                    for key, fvalue in zip(
                        f_rows, (version.id, line.service, zone, fee), strict=True
                    ):
                        f_rows[key].append(fvalue)
    versions_t = pa.table(
        v_rows,
        schema=pa.schema(
            [("version_id", pa.int64()), ("eff_from", pa.date32()), ("eff_to", pa.date32())]
        ),
    )
    tiers_t = pa.table(
        t_rows,
        schema=pa.schema(
            [
                ("version_id", pa.int64()),
                ("service", pa.string()),
                ("zone", pa.string()),
                ("tier", pa.int64()),
                ("lo", pa.int64()),
                ("hi", pa.int64()),
                ("price", pa.int64()),
            ]
        ),
    )
    fixed_t = pa.table(
        f_rows,
        schema=pa.schema(
            [
                ("version_id", pa.int64()),
                ("service", pa.string()),
                ("zone", pa.string()),
                ("fee", pa.int64()),
            ]
        ),
    )
    return versions_t, tiers_t, fixed_t


_RATE_SQL = """
WITH tiered AS (
    SELECT g.department_id, g.service, g.zone, g.version_id, t.tier, t.price,
           CASE WHEN t.hi IS NULL THEN greatest(g.q - t.lo, 0)
                ELSE least(greatest(g.q - t.lo, 0), t.hi - t.lo) END AS qt
    FROM g JOIN card_tiers t USING (version_id, service, zone)
)
SELECT department_id, service, zone, version_id, tier, qt::BIGINT AS qt, price,
       ((2 * qt * price + 600000) // 1200000)::BIGINT AS fen
FROM tiered WHERE qt > 0
UNION ALL
SELECT g.department_id, g.service, g.zone, g.version_id, -1, 0, f.fee,  -- FIXED_TIER
       ((2 * f.fee + 10000) // 20000)::BIGINT
FROM g JOIN card_fixed f USING (version_id, service, zone) WHERE g.q > 0
ORDER BY 1, 2, 3, 4, 5
"""

_UNPRICED_SQL = """
SELECT g.service, g.zone, g.first_day FROM g
LEFT JOIN (SELECT DISTINCT version_id, service, zone FROM card_tiers) p
  ON p.version_id = g.version_id AND p.service = g.service AND p.zone = g.zone
WHERE p.version_id IS NULL AND g.q <> 0
ORDER BY g.first_day, g.service, g.zone LIMIT 1
"""


def _version_case(versions: Sequence[CardVersion]) -> str:
    """The day → version mapping as one vectorized CASE (dates and ids are the card's own,
    typed values, never user text), so usage is grouped once, per version, not per day."""
    arms = []
    for v in versions:
        cond = f"day >= DATE '{v.effective_from.isoformat()}'"
        if v.effective_to is not None:
            cond += f" AND day < DATE '{v.effective_to.isoformat()}'"
        arms.append(f"WHEN {cond} THEN {int(v.id)}")
    return f"CASE {' '.join(arms)} ELSE NULL END" if arms else "NULL"


def rate(
    usage: pa.Table,
    versions: Sequence[CardVersion],
    *,
    zones: Iterable[str] = (),
    connection: duckdb.DuckDBPyConnection | None = None,
) -> list[RatedLine]:
    """Price ``usage`` against ``versions``; raises :class:`Unpriced` for usage with no price."""
    con = connection or duckdb.connect()
    versions_t, tiers_t, fixed_t = compile_card(versions, zones)
    con.register("usage_in", usage)
    con.register("card_versions", versions_t)
    con.register("card_tiers", tiers_t)
    con.register("card_fixed", fixed_t)
    try:
        # The CASE holds the card's own dates and ids (typed values), see _version_case.
        case = _version_case(versions)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE g AS SELECT department_id, service, zone, "
            + case
            + "::BIGINT AS version_id, sum(minutes)::HUGEINT AS q, min(day) AS first_day "
            "FROM usage_in GROUP BY ALL"
        )
        missing = con.execute(_UNPRICED_SQL).fetchone()
        if missing is not None:
            raise Unpriced(service=missing[0], zone=missing[1], day=missing[2])
        rows = con.execute(_RATE_SQL).fetchall()
    finally:
        for name in ("usage_in", "card_versions", "card_tiers", "card_fixed"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS g")
        if connection is None:
            con.close()
    # Already in RatedLine's order (department, service, zone, version, tier): no Python sort.
    return [
        RatedLine(
            department_id=int(r[0]),
            service=r[1],
            zone=r[2],
            version_id=int(r[3]),
            tier=int(r[4]),
            quantity_minutes=int(r[5]),
            unit_price=Decimal(int(r[6])).scaleb(-6),
            amount=Decimal(int(r[7])).scaleb(-2),
        )
        for r in rows
    ]


def usage_table(records: Iterable[Any]) -> pa.Table:
    """Usage records (anything with the five attributes) as an Arrow table."""
    cols: dict[str, list[Any]] = {name: [] for name in USAGE_SCHEMA.names}
    for record in records:
        for name, column in cols.items():
            column.append(getattr(record, name))
    return pa.table(cols, schema=USAGE_SCHEMA)
