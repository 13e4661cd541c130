"""Largest-remainder allocation to the fen: shares that add up to the pool exactly.

Pure.  Each party gets ``pool × weight / Σweights`` floored to the fen; the fens left over go
one each to the largest remainders (ties: lower key first), so nothing is lost or invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction


def largest_remainder(pool: Decimal, weights: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Split ``pool`` (to the fen, ≥ 0) over ``weights`` (≥ 0); empty when no weight."""
    total = sum(weights.values(), Decimal(0))
    if total <= 0 or pool <= 0:
        return {}
    fen = int((pool * 100).to_integral_value(rounding=ROUND_FLOOR))
    exact = {k: Fraction(fen) * Fraction(w) / Fraction(total) for k, w in weights.items()}
    floors = {k: int(v) for k, v in exact.items()}
    left = fen - sum(floors.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))
    for k in order[:left]:
        floors[k] += 1
    return {k: Decimal(v).scaleb(-2) for k, v in floors.items()}
