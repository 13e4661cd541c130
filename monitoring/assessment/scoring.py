"""Scoring a provider's quarter: evidence in, score, grade and fee factor out — pure.

For each leaf: the shortfall against its target (how far below an ``at_least`` target, or
above an ``at_most`` one), counted in units of ``per`` — partial units in proportion — times
``deduction``, never more than ``cap``; the leaf scores its weight less that deduction.  The
total is the leaves' sum plus the bonus (at most the scheme's ``bonus_max``) plus a manager's
adjustment, held within 0–100.  A veto makes the grade 不合格 whatever the total.  Every
figure is Decimal and every deduction rounds half up to the hundredth of a point, so a signed
assessment recomputed from its stored evidence gives the very same score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from monitoring.assessment.enums import Direction, Grade, WhenMissing
from monitoring.assessment.scheme import FULL_SCORE, Scheme
from monitoring.assessment.sources import BONUS_SOURCE

POINT = Decimal("0.01")
ZERO = Decimal(0)


def points(value: Decimal) -> Decimal:
    return value.quantize(POINT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EvidenceRef:
    """What a figure rests on, for the report to link: an incident, an entry, a survey."""

    kind: str
    key: str
    label: str


@dataclass(frozen=True)
class Figure:
    """One source's value for the provider and quarter (``None``: no data this quarter)."""

    source: str
    value: Decimal | None
    refs: tuple[EvidenceRef, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class IndicatorScore:
    family: str
    code: str
    weight: Decimal
    value: Decimal | None
    target: Decimal
    shortfall: Decimal
    deduction: Decimal
    score: Decimal
    refs: tuple[EvidenceRef, ...]
    explanation: str
    # The explanation as a code and its figures, for pages to say in the reader's language:
    # "met", "short" (units, per-unit deduction, cap), "missing_full", "missing_zero".
    reason: str = "met"
    units: Decimal = ZERO


@dataclass(frozen=True)
class Result:
    scheme_version: str
    indicators: tuple[IndicatorScore, ...]
    families: dict[str, tuple[Decimal, Decimal]]  # code → (weight, score)
    base: Decimal
    bonus: Decimal
    adjustment: Decimal
    total: Decimal
    vetoes: tuple[str, ...]
    grade: Grade
    fee_factor: Decimal
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe breakdown (decimals as strings) to store beside the assessment."""
        return {
            "scheme_version": self.scheme_version,
            "indicators": [
                {
                    "family": i.family,
                    "code": i.code,
                    "weight": str(i.weight),
                    "value": None if i.value is None else str(i.value),
                    "target": str(i.target),
                    "shortfall": str(i.shortfall),
                    "deduction": str(i.deduction),
                    "score": str(i.score),
                    "refs": [{"kind": r.kind, "key": r.key, "label": r.label} for r in i.refs],
                    "explanation": i.explanation,
                    "reason": i.reason,
                    "units": str(i.units),
                }
                for i in self.indicators
            ],
            "families": {k: [str(w), str(s)] for k, (w, s) in self.families.items()},
            "base": str(self.base),
            "bonus": str(self.bonus),
            "adjustment": str(self.adjustment),
            "total": str(self.total),
            "vetoes": list(self.vetoes),
            "grade": self.grade.value,
            "fee_factor": str(self.fee_factor),
            "notes": list(self.notes),
        }


def _shortfall(direction: Direction, value: Decimal, target: Decimal) -> Decimal:
    gap = target - value if direction is Direction.AT_LEAST else value - target
    return max(gap, ZERO)


def score(
    scheme: Scheme,
    evidence: Mapping[str, Figure],
    *,
    adjustment: Decimal = ZERO,
) -> Result:
    """Score one provider's quarter under ``scheme`` from ``evidence`` (source → figure)."""
    leaves: list[IndicatorScore] = []
    families: dict[str, tuple[Decimal, Decimal]] = {}
    for family in scheme.families:
        family_score = ZERO
        for leaf in family.indicators:
            figure = evidence.get(leaf.source)
            value = None if figure is None else figure.value
            refs = () if figure is None else figure.refs
            units = ZERO
            if value is None:
                full = leaf.when_missing is WhenMissing.FULL
                deduction = ZERO if full else leaf.weight
                shortfall = ZERO
                reason = "missing_full" if full else "missing_zero"
                explanation = (
                    "no data this quarter: full marks"
                    if full
                    else "no data this quarter: the figure was owed, so no marks"
                )
            else:
                shortfall = _shortfall(leaf.direction, value, leaf.target)
                units = points(shortfall / leaf.per)
                deduction = points(min(leaf.cap, shortfall / leaf.per * leaf.deduction))
                reason = "short" if shortfall else "met"
                explanation = (
                    f"{value} against a target of {leaf.target}: "
                    f"{shortfall} short = {points(shortfall / leaf.per)} × {leaf.deduction}"
                    f" points, capped at {leaf.cap}"
                    if shortfall
                    else f"{value} meets the target of {leaf.target}"
                )
            leaf_score = leaf.weight - deduction
            family_score += leaf_score
            leaves.append(
                IndicatorScore(
                    family=family.code,
                    code=leaf.code,
                    weight=leaf.weight,
                    value=value,
                    target=leaf.target,
                    shortfall=shortfall,
                    deduction=deduction,
                    score=leaf_score,
                    refs=refs,
                    explanation=explanation,
                    reason=reason,
                    units=units,
                )
            )
        families[family.code] = (family.weight, family_score)
    base = sum((s for _, s in families.values()), ZERO)
    bonus_figure = evidence.get(BONUS_SOURCE)
    bonus_claimed = (
        ZERO if bonus_figure is None or bonus_figure.value is None else bonus_figure.value
    )
    bonus = points(min(max(bonus_claimed, ZERO), scheme.bonus_max))
    total = points(min(max(base + bonus + adjustment, ZERO), FULL_SCORE))
    vetoes = tuple(
        veto.code
        for veto in scheme.vetoes
        if (fig := evidence.get(veto.source)) is not None
        and fig.value is not None
        and fig.value > veto.above
    )
    grade = Grade.FAIL if vetoes else scheme.grade_for(total)
    notes = []
    if bonus_claimed > scheme.bonus_max:
        notes.append(f"bonus of {bonus_claimed} capped at {scheme.bonus_max}")
    if vetoes:
        notes.append("vetoed: " + ", ".join(vetoes))
    return Result(
        scheme_version=scheme.version,
        indicators=tuple(leaves),
        families=families,
        base=points(base),
        bonus=bonus,
        adjustment=points(adjustment),
        total=total,
        vetoes=vetoes,
        grade=grade,
        fee_factor=scheme.fee_factors[grade],
        notes=tuple(notes),
    )


def flags_contract(grades: Sequence[Grade], consecutive: int) -> bool:
    """Whether the latest ``consecutive`` quarters (oldest first in ``grades``) all failed."""
    return len(grades) >= consecutive and all(g is Grade.FAIL for g in grades[-consecutive:])
