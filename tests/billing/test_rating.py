"""The vectorized rater (DuckDB) against the per-record reference, on random usage and cards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.rating.engine import rate, usage_table
from billing.rating.exceptions import Unpriced
from billing.rating.reference import rate_reference
from billing.rating.schemas import FIXED_TIER, CardVersion, PriceLine, Tier, UsageRecord

ZONES = ("internet", "extranet", "private")
SERVICES = ("ecs_vcpu", "ecs_memory", "eip")
MID = dt.date(2026, 10, 15)


def _card(price_a: Decimal, price_b: Decimal, bound: int, fixed: Decimal) -> list[CardVersion]:
    def lines(p: Decimal) -> tuple[PriceLine, ...]:
        return (
            PriceLine("ecs_vcpu", None, "vcpu_hour", (Tier(bound, p), Tier(None, p / 2))),
            PriceLine("ecs_memory", None, "gib_hour", (Tier(None, p),), fixed),
            PriceLine("ecs_memory", "internet", "gib_hour", (Tier(None, p + Decimal("0.01")),)),
            PriceLine("eip", None, "ip_hour", (Tier(None, Decimal("0.0300")),)),
        )

    mult = {"internet": Decimal("1.20"), "private": Decimal("1.10")}
    return [
        CardVersion(1, dt.date(2026, 1, 1), MID, lines(price_a), mult),
        CardVersion(2, MID, None, lines(price_b), mult),
    ]


prices = st.integers(min_value=0, max_value=99999).map(lambda n: Decimal(n).scaleb(-4))
records = st.lists(
    st.builds(
        UsageRecord,
        department_id=st.integers(1, 4),
        service=st.sampled_from(SERVICES),
        zone=st.sampled_from(ZONES),
        day=st.dates(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        minutes=st.integers(0, 40000),
    ),
    max_size=60,
)


@settings(max_examples=120, deadline=None)
@given(
    usage=records,
    price_a=prices,
    price_b=prices,
    bound=st.integers(1, 500),
    fixed=prices,
)
def test_vectorized_equals_reference(
    usage: list[UsageRecord], price_a: Decimal, price_b: Decimal, bound: int, fixed: Decimal
) -> None:
    """Catches any drift between the DuckDB processor and the per-record semantics: tier edges
    (bounds down to 1 unit-hour), the mid-month version change, zone multipliers on every-zone
    lines only, fixed parts, and half-up rounding to the fen."""
    card = _card(price_a, price_b, bound, fixed)
    expected = rate_reference(usage, card)
    got = rate(usage_table(usage), card, zones=ZONES)
    assert got == expected


def test_tier_edge_and_rounding_by_hand() -> None:
    """A worked example: 20 vCPU-hours at the tier edge 10, prices 0.0875 and half of it,
    internet × 1.20; 0.105 × 10 = 1.05, 0.0525 × 10 = 0.525 → 0.53 (half up, not banker's)."""
    card = _card(Decimal("0.0875"), Decimal("0.0875"), 10, Decimal(0))
    usage = [UsageRecord(1, "ecs_vcpu", "internet", dt.date(2026, 10, 3), 20 * 60)]
    lines = rate(usage_table(usage), card, zones=ZONES)
    assert [(x.tier, x.quantity_minutes, x.amount) for x in lines] == [
        (0, 600, Decimal("1.05")),
        (1, 600, Decimal("0.53")),
    ]
    assert lines == rate_reference(usage, card)


def test_mid_month_change_splits_by_version() -> None:
    card = _card(Decimal("0.1000"), Decimal("0.0500"), 1000, Decimal("200"))
    usage = [
        UsageRecord(1, "ecs_memory", "extranet", dt.date(2026, 10, 14), 600),
        UsageRecord(1, "ecs_memory", "extranet", dt.date(2026, 10, 15), 600),
    ]
    lines = rate(usage_table(usage), card, zones=ZONES)
    amounts = {(x.version_id, x.tier): x.amount for x in lines}
    assert amounts == {
        (1, 0): Decimal("1.00"),
        (1, FIXED_TIER): Decimal("200.00"),
        (2, 0): Decimal("0.50"),
        (2, FIXED_TIER): Decimal("200.00"),
    }


def test_unpriced_usage_is_refused() -> None:
    card = _card(Decimal("0.1"), Decimal("0.1"), 10, Decimal(0))
    usage = [UsageRecord(1, "gpu", "internet", dt.date(2026, 10, 3), 60)]
    with pytest.raises(Unpriced):
        rate(usage_table(usage), card, zones=ZONES)
    early = [UsageRecord(1, "eip", "internet", dt.date(2025, 10, 3), 60)]
    with pytest.raises(Unpriced):
        rate(usage_table(early), card, zones=ZONES)


def test_rating_is_idempotent() -> None:
    card = _card(Decimal("0.1234"), Decimal("0.0999"), 7, Decimal("3.3333"))
    usage = [UsageRecord(d, "ecs_vcpu", "private", dt.date(2026, 10, d + 10), 777) for d in (1, 2)]
    table = usage_table(usage)
    assert rate(table, card, zones=ZONES) == rate(table, card, zones=ZONES)
