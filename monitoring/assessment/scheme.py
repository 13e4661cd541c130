"""The published assessment scheme: an indicator tree, vetoes, bonus, grade bands, fee factors.

A scheme is versioned YAML (``default_scheme.yaml`` beside this file, with the reason for
every number).  :func:`parse_scheme` refuses a scheme that breaks a rule and names *every*
problem it found, by path: weights that don't sum to 100, bands with gaps or overlaps, a leaf
without a known data source, a bonus above +5.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infra.errors import FieldProblem, InvalidInput
from monitoring.assessment.enums import Direction, Grade, WhenMissing
from monitoring.assessment.sources import SOURCES

DEFAULT_SCHEME_PATH: Final = Path(__file__).with_name("default_scheme.yaml")
MAX_BONUS: Final = Decimal(5)
FULL_SCORE: Final = Decimal(100)


def _decimal(value: Any) -> Any:
    """Numbers in a scheme are exact: YAML floats go through their text, never binary."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not true/false")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Names(_Strict):
    zh: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class Indicator(_Strict):
    """A leaf: ``weight`` points, less ``deduction`` for each ``per`` below (or above) target,
    never more than ``cap`` (which is at most the weight)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: Names
    weight: Decimal = Field(gt=0, le=100)
    source: str
    target: Decimal
    direction: Direction
    per: Decimal = Field(gt=0)
    deduction: Decimal = Field(gt=0)
    cap: Decimal = Field(gt=0)
    when_missing: WhenMissing = WhenMissing.FULL
    reason: str = Field(min_length=1)

    _numbers = field_validator("weight", "target", "per", "deduction", "cap", mode="before")(
        _decimal
    )


class Family(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: Names
    weight: Decimal = Field(gt=0, le=100)
    reason: str = Field(min_length=1)
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    _numbers = field_validator("weight", mode="before")(_decimal)


class Veto(_Strict):
    """Any value above ``above`` from ``source`` makes the grade 不合格 whatever the score."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: Names
    source: str
    above: Decimal = Decimal(0)
    reason: str = Field(min_length=1)

    _numbers = field_validator("above", mode="before")(_decimal)


class Band(_Strict):
    """Scores in ``[minimum, maximum)`` get ``grade``; the top band includes 100."""

    grade: Grade
    minimum: Decimal = Field(ge=0, le=100)
    maximum: Decimal = Field(ge=0, le=100)

    _numbers = field_validator("minimum", "maximum", mode="before")(_decimal)


class Scheme(_Strict):
    version: str = Field(min_length=1, max_length=40)
    name: Names
    reason: str = Field(min_length=1)
    families: tuple[Family, ...] = Field(min_length=1)
    vetoes: tuple[Veto, ...] = ()
    bonus_max: Decimal = Field(ge=0)
    bands: tuple[Band, ...] = Field(min_length=1)
    fee_factors: dict[Grade, Decimal]
    consecutive_fails_flag: int = Field(ge=1, le=8)

    _numbers = field_validator("bonus_max", mode="before")(_decimal)

    @field_validator("fee_factors", mode="before")
    @classmethod
    def _factors(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _decimal(v) for k, v in value.items()}
        return value

    def indicators(self) -> list[tuple[Family, Indicator]]:
        return [(family, leaf) for family in self.families for leaf in family.indicators]

    def grade_for(self, score: Decimal) -> Grade:
        """The band holding ``score`` (bands were checked to cover 0–100 exactly once)."""
        top = max(band.maximum for band in self.bands)
        for band in self.bands:
            if band.minimum <= score < band.maximum or (score == top == band.maximum):
                return band.grade
        raise ValueError(f"score {score} outside every band")


def _problems(scheme: Scheme) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    total = sum((f.weight for f in scheme.families), Decimal(0))
    if total != FULL_SCORE:
        found.append(FieldProblem("families", f"family weights sum to {total}, not 100"))
    codes: set[str] = set()
    for i, family in enumerate(scheme.families):
        leaves = sum((leaf.weight for leaf in family.indicators), Decimal(0))
        if leaves != family.weight:
            found.append(
                FieldProblem(
                    f"families[{i}].indicators",
                    f"indicator weights of {family.code!r} sum to {leaves}, "
                    f"not the family's weight {family.weight}",
                )
            )
        for j, leaf in enumerate(family.indicators):
            path = f"families[{i}].indicators[{j}]"
            if leaf.code in codes:
                found.append(FieldProblem(f"{path}.code", f"{leaf.code!r} appears twice"))
            codes.add(leaf.code)
            if leaf.source not in SOURCES:
                found.append(FieldProblem(f"{path}.source", f"unknown data source {leaf.source!r}"))
            if leaf.cap > leaf.weight:
                found.append(
                    FieldProblem(f"{path}.cap", f"cap {leaf.cap} exceeds the weight {leaf.weight}")
                )
    for k, veto in enumerate(scheme.vetoes):
        if veto.source not in SOURCES:
            found.append(
                FieldProblem(f"vetoes[{k}].source", f"unknown data source {veto.source!r}")
            )
    if scheme.bonus_max > MAX_BONUS:
        found.append(
            FieldProblem(
                "bonus_max", f"a bonus of at most +{MAX_BONUS} is allowed, not +{scheme.bonus_max}"
            )
        )
    found.extend(_band_problems(scheme))
    missing = set(Grade) - set(scheme.fee_factors)
    if missing:
        names = ", ".join(sorted(g.value for g in missing))
        found.append(FieldProblem("fee_factors", f"no fee factor for {names}"))
    for grade, factor in scheme.fee_factors.items():
        if not Decimal(0) <= factor <= Decimal("1.5"):
            found.append(FieldProblem(f"fee_factors.{grade.value}", f"{factor} is outside 0–1.5"))
    return found


def _band_problems(scheme: Scheme) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    bands = sorted(scheme.bands, key=lambda b: b.minimum)
    for band in bands:
        if band.maximum <= band.minimum:
            found.append(FieldProblem("bands", f"band {band.grade.value} is empty or reversed"))
    if bands[0].minimum != 0:
        found.append(FieldProblem("bands", f"scores below {bands[0].minimum} have no grade"))
    if bands[-1].maximum != FULL_SCORE:
        found.append(FieldProblem("bands", f"scores from {bands[-1].maximum} to 100 have no grade"))
    for lower, upper in itertools.pairwise(bands):
        if lower.maximum < upper.minimum:
            found.append(
                FieldProblem(
                    "bands", f"scores from {lower.maximum} to {upper.minimum} have no grade"
                )
            )
        elif lower.maximum > upper.minimum:
            found.append(
                FieldProblem(
                    "bands",
                    f"bands {lower.grade.value} and {upper.grade.value} overlap from "
                    f"{upper.minimum} to {lower.maximum}",
                )
            )
    grades = [band.grade for band in bands]
    if len(set(grades)) != len(grades):
        found.append(FieldProblem("bands", "a grade has more than one band"))
    return found


def parse_scheme(data: Any) -> Scheme:
    """Validate a scheme's data (as loaded from YAML); raise InvalidInput naming every problem."""
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            *(
                FieldProblem(".".join(str(p) for p in e["loc"]) or "scheme", e["msg"])
                for e in error.errors()
            )
        ) from None
    problems = _problems(scheme)
    if problems:
        raise InvalidInput(*problems)
    return scheme


def load_scheme(text: str) -> Scheme:
    """Parse a scheme from YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput.one("scheme", f"not valid YAML: {error}") from None
    return parse_scheme(data)


def default_scheme() -> Scheme:
    return load_scheme(DEFAULT_SCHEME_PATH.read_text(encoding="utf-8"))
