"""The per-record reference rater: plain Python and Decimal, written for obviousness.

The tests compare the vectorized processor (``rating/engine.py``) against this one on random
usage; nothing in production calls it.  Semantics, stated once:

* a usage record belongs to the card version whose ``[effective_from, effective_to)`` covers
  its day; a zone-specific price line beats the every-zone line, and only the every-zone line
  is multiplied by the version's zone multiplier;
* tiers are graduated over the quantity of one (department, service, zone, version) group in
  the period being rated;
* a line's fixed monthly part is charged once per group that used the line;
* each tier's amount is ``minutes × price / 60`` rounded to the fen, half up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from billing.rating.exceptions import Unpriced
from billing.rating.schemas import (
    FIXED_TIER,
    CardVersion,
    PriceLine,
    RatedLine,
    UsageRecord,
    to_fen,
)


def _version_for(versions: Sequence[CardVersion], record: UsageRecord) -> CardVersion:
    for version in versions:
        if version.covers(record.day):
            return version
    raise Unpriced(service=record.service, zone=record.zone, day=record.day)


def _line_for(version: CardVersion, service: str, zone: str) -> tuple[PriceLine, Decimal]:
    """The price line and the multiplier that applies to it."""
    generic = None
    for line in version.lines:
        if line.service == service and line.zone == zone:
            return line, Decimal(1)
        if line.service == service and line.zone is None:
            generic = line
    if generic is None:
        raise Unpriced(service=service, zone=zone, day=None)
    return generic, version.zone_multipliers.get(zone, Decimal(1))


def rate_reference(
    usage: Iterable[UsageRecord], versions: Sequence[CardVersion]
) -> list[RatedLine]:
    """Price ``usage`` record by record; the result is sorted."""
    totals: dict[tuple[int, str, str, int], int] = defaultdict(int)
    by_id = {v.id: v for v in versions}
    for record in usage:
        version = _version_for(versions, record)
        _line_for(version, record.service, record.zone)  # raises if unpriced
        totals[(record.department_id, record.service, record.zone, version.id)] += record.minutes
    out: list[RatedLine] = []
    for (department_id, service, zone, version_id), minutes in totals.items():
        if minutes <= 0:
            continue
        line, multiplier = _line_for(by_id[version_id], service, zone)
        lower = 0
        for index, tier in enumerate(line.tiers):
            upper = None if tier.up_to is None else tier.up_to * 60
            in_tier = max(minutes - lower, 0)
            if upper is not None:
                in_tier = min(in_tier, upper - lower)
            price = tier.unit_price * multiplier
            if in_tier > 0:
                amount = to_fen(Decimal(in_tier) * price / 60)
                out.append(
                    RatedLine(
                        department_id, service, zone, version_id, index, in_tier, price, amount
                    )
                )
            if upper is None:
                break
            lower = upper
        if line.fixed_monthly > 0:
            fee = line.fixed_monthly * multiplier
            out.append(
                RatedLine(department_id, service, zone, version_id, FIXED_TIER, 0, fee, to_fen(fee))
            )
    return sorted(out)
