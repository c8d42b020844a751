"""The track record: a criterion a later rubric version can weigh (pure: facts in, score out)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scoring import CommunityIndex, MerchantFacts, Rubric, TrackRecord, score_merchant
from scoring.rubric import MerchantWeights
from tests.scoring.scoring_builders import community, store

INDEX = CommunityIndex([community("110105013029")])
FACTS = MerchantFacts(stores=(store("s1"),), has_wechat_pay_mch_id=True,
                      has_settlement_contact=True, data_feedback=True, trained_staff=4)
WEIGHED = Rubric(merchant_weights=MerchantWeights(coverage=0.4, delivery=0.2, settlement=0.2,
                                                  track_record=0.2))


def card(facts: MerchantFacts, rubric: Rubric = WEIGHED):
    return score_merchant(facts, INDEX, rubric, {})


def test_not_weighed_not_shown_and_the_total_unchanged() -> None:
    plain = card(FACTS, Rubric())
    assert [c.code for c in plain.criteria] == ["coverage", "delivery", "settlement"]
    bad = replace(FACTS, track_record=TrackRecord(10, 0, 10, 0, 9))
    assert card(bad, Rubric()).to_dict() == plain.to_dict()


def test_a_merchant_without_history_gets_the_neutral_score() -> None:
    c = card(FACTS).criterion("track_record")
    assert c.score == 50.0 and c.facts == {"history": False}
    assert "中性分" in c.explanation_zh and "neutral" in c.explanation_en


def test_the_score_follows_the_record_with_its_evidence() -> None:
    good = card(replace(FACTS, track_record=TrackRecord(20, 20, 100, 100, 0)))
    poor = card(replace(FACTS, track_record=TrackRecord(20, 10, 100, 50, 5)))
    g, p = good.criterion("track_record"), poor.criterion("track_record")
    assert g.score == 100.0
    assert p.score == pytest.approx(40 * 0.5 + 30 * 0.5 + 0)
    assert p.facts["points"] == {"fulfilled": 20.0, "timely": 15.0, "violations": 0.0}
    assert "派单20户，已核销并上报10户" in p.explanation_zh
    assert "5 monitoring violation(s)" in p.explanation_en
    assert good.total > poor.total
    assert g.weight == 0.2 and g.label_zh == "履约记录"


def test_a_part_cannot_exceed_its_whole() -> None:
    with pytest.raises(ValueError):
        TrackRecord(reservations=1, fulfilled=2, records=0, timely=0, violations=0)


@pytest.mark.parametrize(
    ("record", "score"),
    [
        # only reports, nobody routed yet: nothing unfulfilled, every report on time
        (TrackRecord(0, 0, 10, 10, 0), 100.0),
        (TrackRecord(0, 0, 1, 1, 0), 100.0),
        (TrackRecord(0, 0, 10, 5, 0), 40 + 15 + 30),
        # routed, never reported: fulfilment and timeliness both zero, no violations
        (TrackRecord(4, 0, 0, 0, 0), 30.0),
        (TrackRecord(1, 1, 0, 0, 0), 70.0),
        # one violation of the five that take all its points
        (TrackRecord(10, 10, 10, 10, 1), 40 + 30 + 30 * 0.8),
    ],
)
def test_a_record_with_one_side_empty_is_still_history(record: TrackRecord, score: float) -> None:
    c = card(replace(FACTS, track_record=record)).criterion("track_record")
    assert c.facts["history"] is True
    assert c.score == pytest.approx(score)


def test_the_evidence_names_every_fact_and_its_points_to_a_tenth() -> None:
    c = card(replace(FACTS, track_record=TrackRecord(3, 1, 7, 3, 1))).criterion("track_record")
    assert c.facts == {
        "history": True, "reservations": 3, "fulfilled": 1, "records": 7, "timely": 3,
        "violations": 1, "points": {"fulfilled": 13.3, "timely": 12.9, "violations": 24.0},
    }
    assert c.score == round(40 / 3 + 30 * 3 / 7 + 24, 2)  # scores are kept to a hundredth


@pytest.mark.parametrize(
    "field", ["reservations", "fulfilled", "records", "timely", "violations"]
)
def test_no_count_may_be_negative(field: str) -> None:
    counts = {"reservations": 5, "fulfilled": 0, "records": 5, "timely": 0, "violations": 0}
    with pytest.raises(ValueError, match=rf"^TrackRecord\.{field} must be >= 0, got -1$"):
        TrackRecord(**{**counts, field: -1})


def test_the_whole_bounds_each_part_with_a_message() -> None:
    for parts in ({"fulfilled": 2, "timely": 0}, {"fulfilled": 0, "timely": 2}):
        with pytest.raises(ValueError, match=r"^TrackRecord: a part cannot exceed its whole$"):
            TrackRecord(reservations=1, records=1, violations=0, **parts)
