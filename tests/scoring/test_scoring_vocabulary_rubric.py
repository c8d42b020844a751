"""Vocabularies and the rubric's JSON form."""

from __future__ import annotations

import msgspec
import pytest

from scoring import (
    CAPABILITIES,
    CATEGORIES,
    CRITERIA,
    ELIGIBLE,
    EXCLUDED,
    PHASES,
    PRIORITY_GROUPS,
    Rubric,
    default_rubric,
    rubric_from_dict,
    rubric_to_dict,
)
from scoring.vocabulary import MERCHANT_CRITERIA, NGO_CRITERIA


def test_excluded_categories_are_exactly_the_three_banned_ones():
    assert EXCLUDED == {"tobacco", "alcohol", "health_supplements"}
    assert not ELIGIBLE & EXCLUDED and ELIGIBLE | EXCLUDED == set(CATEGORIES)
    assert CATEGORIES["health_supplements"].zh == "保健品"
    assert CATEGORIES["medical_supplies"].excluded is False


def test_every_label_is_bilingual_and_every_capability_serves_known_groups():
    for vocab in (CATEGORIES, CAPABILITIES, PHASES, PRIORITY_GROUPS, CRITERIA):
        for code, item in vocab.items():
            assert item.code == code and item.zh and item.en
    for cap in CAPABILITIES.values():
        assert cap.serves and cap.serves <= set(PRIORITY_GROUPS)
    assert set(PHASES) == {"preparedness", "warning", "recovery"}
    assert set(MERCHANT_CRITERIA) | set(NGO_CRITERIA) == set(CRITERIA)


def test_rubric_round_trips_through_json():
    rubric = rubric_from_dict({"version": 3, "merchant_weights": {"coverage": 2},
                               "gates": {"max_distance_to_pilot_m": 8000}})
    text = msgspec.json.encode(rubric.to_dict())
    again = Rubric.from_dict(msgspec.json.decode(text))
    assert again == rubric and again.merchant_weights.delivery == 0.3
    assert rubric_to_dict(default_rubric())["walking_distance_m"] == 1000.0
    assert default_rubric().target_stores_per_community == 2


@pytest.mark.parametrize("bad", [
    {"merchant_weights": {"coverage": -1}},
    {"merchant_weights": {"coverage": 0, "delivery": 0, "settlement": 0}},
    {"ngo_weights": {"communities": 0, "experience": 0, "people": 0, "capabilities": 0}},
    {"priority_weights": {"residents": "many"}},
    {"target_stores_per_community": 0},
    {"walking_distance_m": 0},
    {"unknown_setting": 1},
])
def test_invalid_rubrics_are_rejected(bad):
    with pytest.raises(ValueError, match="invalid rubric"):
        rubric_from_dict(bad)
