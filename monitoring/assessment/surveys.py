"""The departments' satisfaction survey: five questions, answered 1–5, scored 20 points each
step (非常满意 100, 满意 80, 一般 60, 不满意 40, 非常不满意 20) as Chinese surveys score them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from infra.labels import N_

QUESTIONS: Final[dict[str, str]] = {
    "attitude": N_("Service attitude of the provider's staff"),
    "response": N_("Speed of response to your calls and tickets"),
    "resolution": N_("Problems solved for good"),
    "delivery": N_("Resources delivered when promised"),
    "communication": N_("Notice of maintenance and changes"),
}

ANSWER_LABELS: Final[dict[int, str]] = {
    5: N_("Very satisfied"),
    4: N_("Satisfied"),
    3: N_("Neutral"),
    2: N_("Dissatisfied"),
    1: N_("Very dissatisfied"),
}


def satisfaction_pct(answer_sets: Iterable[Mapping[str, int]]) -> Decimal:
    """Mean of every answer × 20, to the hundredth (half up)."""
    values = [Decimal(a) * 20 for answers in answer_sets for a in answers.values()]
    if not values:
        raise ValueError("no answers")
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
