"""The scheme refuses what would make a quarter's score meaningless, naming the problem."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
import yaml

from infra.errors import InvalidInput
from monitoring.assessment.enums import Grade
from monitoring.assessment.scheme import DEFAULT_SCHEME_PATH, default_scheme, parse_scheme


def _data() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_SCHEME_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_scheme(data)
    return {p.field: p.message for p in caught.value.problems}


def test_default_scheme_is_valid_and_weighted_as_published() -> None:
    """The published weights: availability 25, operations 25, delivery 10, security 20,
    satisfaction 15, reporting 5; every number has a reason."""
    scheme = default_scheme()
    weights = {f.code: f.weight for f in scheme.families}
    assert weights == {
        "availability": 25,
        "operations": 25,
        "delivery": 10,
        "security": 20,
        "satisfaction": 15,
        "reporting": 5,
    }
    assert all(leaf.reason.strip() for _, leaf in scheme.indicators())
    assert scheme.bonus_max == 5
    assert scheme.consecutive_fails_flag == 2
    assert isinstance(scheme.fee_factors[Grade.GOOD], Decimal)


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", Grade.EXCELLENT),
        ("90", Grade.EXCELLENT),
        ("89.99", Grade.GOOD),
        ("80", Grade.GOOD),
        ("79.99", Grade.PASS),
        ("60", Grade.PASS),
        ("59.99", Grade.FAIL),
        ("0", Grade.FAIL),
    ],
)
def test_band_edges(score: str, grade: Grade) -> None:
    """优秀 ≥ 90, 良好 80–89.99, 合格 60–79.99, 不合格 < 60: catches an off-by-one at an edge."""
    assert default_scheme().grade_for(Decimal(score)) is grade


def test_family_weights_must_sum_to_100() -> None:
    data = _data()
    data["families"][0]["weight"] = 30
    data["families"][0]["indicators"][0]["weight"] = 25
    data["families"][0]["indicators"][0]["cap"] = 25
    assert _problems(data) == {"families": "family weights sum to 105, not 100"}


def test_indicator_weights_must_sum_to_their_family() -> None:
    data = _data()
    data["families"][1]["indicators"][2]["weight"] = 4
    data["families"][1]["indicators"][2]["cap"] = 4
    problems = _problems(data)
    assert "families[1].indicators" in problems
    assert "sum to 24" in problems["families[1].indicators"]


def test_bands_must_cover_0_to_100_without_gaps_or_overlaps() -> None:
    gap = _data()
    gap["bands"][1]["minimum"] = 81
    assert _problems(gap) == {"bands": "scores from 80 to 81 have no grade"}
    overlap = _data()
    overlap["bands"][2]["maximum"] = 85
    assert "overlap from 80 to 85" in _problems(overlap)["bands"]
    bottom = _data()
    bottom["bands"][3]["minimum"] = 10
    assert _problems(bottom) == {"bands": "scores below 10 have no grade"}


def test_every_leaf_names_a_known_source() -> None:
    data = _data()
    data["families"][2]["indicators"][0]["source"] = "requests.vibes"
    assert _problems(data) == {
        "families[2].indicators[0].source": "unknown data source 'requests.vibes'"
    }
    veto = _data()
    veto["vetoes"][0]["source"] = "nowhere"
    assert "vetoes[0].source" in _problems(veto)


def test_bonus_above_five_is_refused() -> None:
    data = _data()
    data["bonus_max"] = 6
    assert _problems(data) == {"bonus_max": "a bonus of at most +5 is allowed, not +6"}


def test_caps_fee_factors_and_types() -> None:
    """A cap above its weight, a grade without fee factor, ``true`` as a number, an unknown
    key: each named by its path."""
    data = _data()
    data["families"][0]["indicators"][1]["cap"] = 6
    del data["fee_factors"]["fail"]
    problems = _problems(data)
    assert problems["families[0].indicators[1].cap"] == "cap 6 exceeds the weight 5"
    assert problems["fee_factors"] == "no fee factor for fail"
    typed = copy.deepcopy(_data())
    typed["families"][0]["indicators"][0]["target"] = True
    typed["families"][0]["colour"] = "red"
    problems = _problems(typed)
    assert any(k.endswith("target") for k in problems)
    assert "families.0.colour" in problems


def test_yaml_floats_are_read_exactly() -> None:
    """0.1 in YAML is the decimal 0.1, not the binary float 0.1000000000000000055…"""
    data = _data()
    data["families"][0]["indicators"][0]["per"] = 0.1
    scheme = parse_scheme(data)
    assert scheme.families[0].indicators[0].per == Decimal("0.1")
