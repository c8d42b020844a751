"""Panel aggregation: the automatic score is one more voice; wide disagreement is flagged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_builders import GRID_INDEX, merchant, store

from scoring import ReviewScores, aggregate_panel, default_rubric, rubric_from_dict, score_merchant
from tests.hypothesis_budget import examples

RUBRIC = default_rubric()
AUTO = score_merchant(merchant(store("a", home_delivery=True, zone_m=800)), GRID_INDEX, RUBRIC, {})


def test_no_reviews_keeps_the_automatic_score():
    result = aggregate_panel(AUTO, [], RUBRIC)
    assert result.panel_total == AUTO.total and result.spread == 0 and not result.contested
    assert result.review_count == 0 and result.eligible == AUTO.eligible


def test_automatic_score_is_one_voice_and_blanks_accept_it():
    auto = {c.code: c.score for c in AUTO.criteria}
    reviews = [ReviewScores("street", {"coverage": 100.0}), ReviewScores("foundation", {})]
    result = aggregate_panel(AUTO, reviews, RUBRIC)
    assert result.per_criterion["coverage"] == round((2 * auto["coverage"] + 100) / 3, 2)
    assert result.per_criterion["delivery"] == auto["delivery"]
    assert result.totals["foundation"] == AUTO.total
    assert result.review_count == 2


def test_auto_weight_zero_leaves_only_the_reviewers():
    people_only = rubric_from_dict({"panel_auto_weight": 0})
    flat = ReviewScores("r", {"coverage": 10.0, "delivery": 10.0, "settlement": 10.0})
    result = aggregate_panel(AUTO, [flat], people_only)
    assert result.panel_total == 10.0
    assert result.spread == round(AUTO.total - 10.0, 2)  # the automatic total still counts


def test_contested_when_spread_exceeds_the_rubric():
    high = ReviewScores("high", {"coverage": 100.0, "delivery": 100.0, "settlement": 100.0})
    low = ReviewScores("low", {"coverage": 0.0, "delivery": 0.0, "settlement": 0.0})
    result = aggregate_panel(AUTO, [high, low], RUBRIC)
    assert result.spread == 100.0 and result.contested
    close = ReviewScores("close", {c.code: min(100.0, c.score + 5) for c in AUTO.criteria})
    assert not aggregate_panel(AUTO, [close], RUBRIC).contested


@pytest.mark.parametrize("bad", [
    [ReviewScores("r", {"nonsense": 50.0})],
    [ReviewScores("r", {"coverage": 101.0})],
    [ReviewScores("r", {"coverage": float("nan")})],
    [ReviewScores("r", {}), ReviewScores("r", {})],
])
def test_invalid_reviews_are_rejected(bad):
    with pytest.raises(ValueError):
        aggregate_panel(AUTO, bad, RUBRIC)


score = st.floats(0, 100)
reviews_st = st.lists(
    st.fixed_dictionaries({}, optional={"coverage": score, "delivery": score,
                                        "settlement": score}),
    max_size=6,
).map(lambda ds: [ReviewScores(f"r{i}", d) for i, d in enumerate(ds)])


@settings(max_examples=examples(100), deadline=None)
@given(reviews_st, st.floats(0, 5))
def test_panel_total_is_bounded_by_the_voices(reviews, auto_weight):
    rubric = rubric_from_dict({"panel_auto_weight": auto_weight})
    result = aggregate_panel(AUTO, reviews, rubric)
    voices = [t for name, t in result.totals.items() if name != "automatic" or auto_weight > 0]
    voices = voices or [AUTO.total]
    assert min(voices) - 0.01 <= result.panel_total <= max(voices) + 0.01
    assert result.contested == (result.spread > rubric.contested_spread)
