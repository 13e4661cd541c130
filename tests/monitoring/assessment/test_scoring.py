"""Scores from evidence equal worked examples computed by hand (the arithmetic is written out)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitoring.assessment.enums import Grade
from monitoring.assessment.scheme import default_scheme
from monitoring.assessment.scoring import EvidenceRef, Figure, flags_contract, score

PERFECT = {
    "slo.availability_pct": "100",
    "incidents.major_outages": "0",
    "incidents.response_met_pct": "100",
    "incidents.recovery_met_pct": "100",
    "changes.success_pct": "100",
    "requests.delivery_hours_p90": "10",
    "security.incidents": "0",
    "security.major_breaches": "0",
    "security.vulnerability_fix_pct": "100",
    "backups.success_pct": "100",
    "backups.restore_drills": "1",
    "surveys.satisfaction_pct": "95",
    "reporting.late_reports": "0",
}


def _evidence(**changes: str | None) -> dict[str, Figure]:
    values: dict[str, str | None] = dict(PERFECT)
    for key, value in changes.items():
        values[key.replace("__", ".")] = value
    return {
        source: Figure(source, None if value is None else Decimal(value))
        for source, value in values.items()
    }


def test_perfect_quarter_scores_100() -> None:
    result = score(default_scheme(), _evidence())
    assert result.total == Decimal("100.00")
    assert result.grade is Grade.EXCELLENT
    assert result.fee_factor == Decimal("1.00")


def test_worked_example_a_mixed_quarter() -> None:
    """Worked by hand against default_scheme.yaml:

    availability 99.93 %: 0.02 short / 0.01 × 1 = 2      → 20 − 2   = 18
    major outages 1:      1 over / 1 × 2.5 = 2.5         →  5 − 2.5 =  2.5   availability 20.5
    response 90 %:        10 short / 5 × 1 = 2           → 10 − 2   =  8
    recovery 100 %:                                       → 10
    changes 97 %:         1 short / 1 × 1 = 1            →  5 − 1   =  4     operations 22
    delivery p90 90 h:    18 over / 12 × 1 = 1.5         → 10 − 1.5 =  8.5   delivery 8.5
    security incidents 0:                                 →  8
    vulnerabilities 95 %: 5 short / 10 × 1 = 0.5         →  4 − 0.5 =  3.5
    backups 99.0 %:       0.5 short / 0.5 × 1 = 1        →  5 − 1   =  4
    restore drills 1:                                     →  3         security 18.5
    satisfaction 85:      5 short / 2 × 1 = 2.5          → 15 − 2.5 = 12.5  satisfaction 12.5
    late reports 1:       1 over / 1 × 2.5 = 2.5         →  5 − 2.5 =  2.5  reporting 2.5
    total 20.5 + 22 + 8.5 + 18.5 + 12.5 + 2.5 = 84.5 → 良好, fee factor 0.98;
    with a bonus of 2: 86.5, still 良好.
    """
    evidence = _evidence(
        slo__availability_pct="99.93",
        incidents__major_outages="1",
        incidents__response_met_pct="90",
        changes__success_pct="97",
        requests__delivery_hours_p90="90",
        security__vulnerability_fix_pct="95",
        backups__success_pct="99.0",
        surveys__satisfaction_pct="85",
        reporting__late_reports="1",
    )
    result = score(default_scheme(), evidence)
    assert {k: s for k, (_, s) in result.families.items()} == {
        "availability": Decimal("20.5"),
        "operations": Decimal("22"),
        "delivery": Decimal("8.5"),
        "security": Decimal("18.5"),
        "satisfaction": Decimal("12.5"),
        "reporting": Decimal("2.5"),
    }
    assert result.total == Decimal("84.50")
    assert result.grade is Grade.GOOD
    assert result.fee_factor == Decimal("0.98")
    evidence["bonus.points"] = Figure("bonus.points", Decimal(2))
    assert score(default_scheme(), evidence).total == Decimal("86.50")


def test_cap_bonus_cap_and_the_90_edge() -> None:
    """availability 99.0 %: 0.95 short = 95 points, capped at 20 → 0, total 80 (良好).
    availability 99.85 %: 0.10 short = 10 → total 90 exactly → 优秀; an adjustment of −0.01
    by the manager makes it 89.99 → 良好. A bonus claim of 7 counts as 5."""
    scheme = default_scheme()
    capped = score(scheme, _evidence(slo__availability_pct="99.0"))
    assert capped.indicators[0].deduction == Decimal("20.00")
    assert capped.total == Decimal("80.00")
    assert capped.grade is Grade.GOOD
    edge = _evidence(slo__availability_pct="99.85")
    assert score(scheme, edge).grade is Grade.EXCELLENT
    adjusted = score(scheme, edge, adjustment=Decimal("-0.01"))
    assert (adjusted.total, adjusted.grade) == (Decimal("89.99"), Grade.GOOD)
    lowered = _evidence(slo__availability_pct="99.50")  # 45 short → capped 20 → 80
    lowered["bonus.points"] = Figure("bonus.points", Decimal(7))
    with_bonus = score(scheme, lowered)
    assert with_bonus.bonus == Decimal("5.00")
    assert with_bonus.total == Decimal("85.00")
    assert "bonus of 7 capped at 5" in with_bonus.notes


def test_veto_fails_a_perfect_quarter() -> None:
    """A major breach caused by the provider → 不合格 whatever the score, fee factor 0.90."""
    result = score(default_scheme(), _evidence(security__major_breaches="1"))
    assert result.total == Decimal("100.00")
    assert result.vetoes == ("major_security_breach",)
    assert result.grade is Grade.FAIL
    assert result.fee_factor == Decimal("0.90")


def test_missing_data_scores_as_declared() -> None:
    """No restore drill reported (owed: zero of 3) and no survey answers (not the provider's
    fault: full 15): 100 − 3 = 97."""
    result = score(
        default_scheme(),
        _evidence(backups__restore_drills=None, surveys__satisfaction_pct=None),
    )
    assert result.total == Decimal("97.00")
    drills = next(i for i in result.indicators if i.code == "restore_drills")
    assert drills.score == 0
    assert "owed" in drills.explanation


def test_deductions_link_their_evidence() -> None:
    ref = EvidenceRef("incident", "42", "P1: extranet gateway down 3 h")
    evidence = _evidence()
    evidence["incidents.major_outages"] = Figure("incidents.major_outages", Decimal(1), (ref,))
    leaf = next(
        i for i in score(default_scheme(), evidence).indicators if i.code == "major_outages"
    )
    assert leaf.deduction == Decimal("2.50")
    assert leaf.refs == (ref,)


def test_recomputation_is_exact_and_the_breakdown_round_trips() -> None:
    """The stored breakdown holds decimals as strings; scoring the same evidence again gives
    the same bytes (what lets a signed assessment be recomputed and compared)."""
    evidence = _evidence(slo__availability_pct="99.937", surveys__satisfaction_pct="88.3")
    first = score(default_scheme(), evidence).to_dict()
    again = score(default_scheme(), evidence).to_dict()
    assert first == again
    assert first["total"] == "97.85"  # 100 − 1.3 − 0.85 (99.937: 0.013 short; 88.3: 1.7/2)


@pytest.mark.parametrize(
    ("grades", "flagged"),
    [
        ([Grade.FAIL, Grade.FAIL], True),
        ([Grade.FAIL, Grade.PASS, Grade.FAIL], False),
        ([Grade.GOOD, Grade.FAIL, Grade.FAIL], True),
        ([Grade.FAIL], False),
    ],
)
def test_two_consecutive_fails_flag_the_contract(grades: list[Grade], flagged: bool) -> None:
    assert flags_contract(grades, 2) is flagged
