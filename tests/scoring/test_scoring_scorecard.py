"""Merchant and NGO scorecards: bounds, monotonicity, gap filling, gates, determinism."""

from __future__ import annotations

import dataclasses
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_builders import (
    GRID_INDEX,
    capabilities_st,
    community,
    merchant,
    merchants_st,
    network_st,
    ngos_st,
    store,
    stores_st,
)

from scoring import CommunityIndex, NgoFacts, default_rubric, score_merchant, score_ngo
from tests.hypothesis_budget import examples

RUBRIC = default_rubric()


def scores(card) -> dict[str, float]:
    return {c.code: c.score for c in card.criteria}


def check_bounds(card) -> None:
    for c in card.criteria:
        assert 0.0 <= c.score <= 100.0, c
    assert 0.0 <= card.total <= 100.0
    weights = sum(c.weight for c in card.criteria)
    mean = sum(c.score * c.weight for c in card.criteria) / weights
    assert abs(card.total - mean) < 0.01
    json.dumps(card.to_dict())  # JSON-able


@settings(max_examples=examples(150), deadline=None)
@given(merchants_st, network_st)
def test_merchant_scores_are_bounded(facts, network):
    check_bounds(score_merchant(facts, GRID_INDEX, RUBRIC, network))


@settings(max_examples=examples(150), deadline=None)
@given(ngos_st)
def test_ngo_scores_are_bounded(facts):
    check_bounds(score_ngo(facts, GRID_INDEX, RUBRIC))


@settings(max_examples=examples(150), deadline=None)
@given(merchants_st, stores_st, network_st)
def test_adding_a_store_never_lowers_a_merchant_sub_score(facts, extra, network):
    if extra.key in {s.key for s in facts.stores}:
        extra = dataclasses.replace(extra, key=extra.key + "-new")
    before = scores(score_merchant(facts, GRID_INDEX, RUBRIC, network))
    bigger = dataclasses.replace(facts, stores=(*facts.stores, extra))
    after = scores(score_merchant(bigger, GRID_INDEX, RUBRIC, network))
    for code, value in before.items():
        assert after[code] >= value, (code, value, after[code])


@settings(max_examples=examples(150), deadline=None)
@given(merchants_st, network_st, st.sampled_from(sorted(GRID_INDEX.by_code)))
def test_an_approved_competitor_never_raises_marginal_coverage(facts, network, code):
    before = score_merchant(facts, GRID_INDEX, RUBRIC, network).criterion("coverage").score
    more = network | {code: network.get(code, 0) + 1}
    after = score_merchant(facts, GRID_INDEX, RUBRIC, more).criterion("coverage").score
    assert after <= before


@settings(max_examples=examples(150), deadline=None)
@given(ngos_st, capabilities_st)
def test_adding_capabilities_never_lowers_an_ngo_sub_score(facts, extra):
    before = scores(score_ngo(facts, GRID_INDEX, RUBRIC))
    richer = dataclasses.replace(facts, capabilities=facts.capabilities | extra)
    after = scores(score_ngo(richer, GRID_INDEX, RUBRIC))
    for code, value in before.items():
        assert after[code] >= value, code


@settings(max_examples=examples(100), deadline=None)
@given(merchants_st, network_st, st.randoms(use_true_random=False))
def test_same_facts_in_any_store_order_give_identical_scorecards(facts, network, rnd):
    shuffled = list(facts.stores)
    rnd.shuffle(shuffled)
    a = score_merchant(facts, GRID_INDEX, RUBRIC, network).to_dict()
    b = score_merchant(dataclasses.replace(facts, stores=tuple(shuffled)), GRID_INDEX, RUBRIC,
                       dict(reversed(list(network.items()))))
    assert json.dumps(a, ensure_ascii=False) == json.dumps(b.to_dict(), ensure_ascii=False)


def test_ngo_scorecard_is_deterministic():
    facts = NgoFacts(frozenset({"G00", "G22", "G11"}), None, 4, 3, 30,
                     frozenset({"drills", "home_delivery", "child_care"}))
    index_shuffled = CommunityIndex(random.Random(7).sample(list(GRID_INDEX.by_code.values()),
                                                            len(GRID_INDEX)))
    a = score_ngo(facts, GRID_INDEX, RUBRIC).to_dict()
    assert a == score_ngo(facts, index_shuffled, RUBRIC).to_dict()


def test_gap_filling_candidate_outscores_a_duplicating_one():
    zlb = community("ZLB", households=2710, elderly=1900, name="中路北社区", name_en="Zhonglubei")
    other = community("AZ", 5000, 0, households=2710, elderly=1900, name="安贞社区")
    index = CommunityIndex([zlb, other])
    network = {"ZLB": 0, "AZ": 2}  # Anzhen already has the target k = 2 stores
    gap = score_merchant(merchant(store("g", 0, 0)), index, RUBRIC, network)
    dup = score_merchant(merchant(store("d", 5000, 0)), index, RUBRIC, network)
    assert gap.criterion("coverage").score > 0 == dup.criterion("coverage").score
    assert gap.total > dup.total
    assert "新增覆盖中路北社区1,900名老人" in gap.criterion("coverage").explanation_zh
    assert "1,900 elderly" in gap.criterion("coverage").explanation_en
    assert "Zhonglubei" in gap.criterion("coverage").explanation_en
    assert "已有至少2家" in dup.criterion("coverage").explanation_zh
    # A second store for the same community still adds, up to k, then stops.
    two = score_merchant(merchant(store("a", 0, 0), store("b", 100, 0)), index, RUBRIC, network)
    three = score_merchant(merchant(store("a", 0, 0), store("b", 100, 0), store("c", 0, 100)),
                           index, RUBRIC, network)
    assert two.criterion("coverage").score > gap.criterion("coverage").score
    assert three.criterion("coverage").score == two.criterion("coverage").score


def test_total_is_kept_when_a_gate_fails():
    card = score_merchant(merchant(store("a"), wechat=False), GRID_INDEX, RUBRIC, {})
    gate = next(g for g in card.gates if g.code == "wechat_pay")
    assert not gate.passed and not card.eligible
    assert "直连商户号" in gate.reason_zh and "WeChat Pay" in gate.reason_en
    assert card.total > 0


def test_wechat_gate_can_be_waived_by_the_rubric():
    from scoring import rubric_from_dict
    lax = rubric_from_dict({"gates": {"require_wechat_pay": False}})
    card = score_merchant(merchant(store("a"), wechat=False), GRID_INDEX, lax, {})
    assert card.eligible


def test_only_excluded_categories_fail_the_category_gate():
    bad = score_merchant(merchant(store("a", categories=frozenset({"tobacco", "alcohol"}))),
                         GRID_INDEX, RUBRIC, {})
    gate = next(g for g in bad.gates if g.code == "eligible_category")
    assert not gate.passed and not bad.eligible
    assert gate.facts["till_must_block"] == ["alcohol", "tobacco"]


def test_mixed_store_passes_but_the_till_must_block_excluded_goods():
    cats = frozenset({"grain_oil", "health_supplements", "tobacco"})
    card = score_merchant(merchant(store("a", categories=cats)), GRID_INDEX, RUBRIC, {})
    gate = next(g for g in card.gates if g.code == "eligible_category")
    assert gate.passed and card.eligible
    assert gate.facts["till_must_block"] == ["health_supplements", "tobacco"]
    assert "保健品" in gate.reason_zh and "Tobacco" in gate.reason_en


def test_no_stores_fail_category_and_distance_gates():
    card = score_merchant(merchant(), GRID_INDEX, RUBRIC, {})
    failed = {g.code for g in card.gates if not g.passed}
    assert failed == {"eligible_category", "pilot_distance"}
    assert card.total >= 0


def test_store_far_from_every_pilot_fails_the_distance_gate():
    far = score_merchant(merchant(store("x", -20_000, -20_000)), GRID_INDEX, RUBRIC, {})
    assert not far.eligible and far.served_communities == ()
    near = score_merchant(merchant(store("y", 0, 4000)), GRID_INDEX, RUBRIC, {})
    assert near.served_communities == () and near.eligible  # 4 km < 5 km gate
    # A delivery zone reaching within 5 km counts too.
    zone = score_merchant(merchant(store("z", -9000, 0, home_delivery=True, zone_m=4000)),
                          GRID_INDEX, RUBRIC, {})
    assert zone.eligible and zone.served_communities == ()


def test_ngo_gates():
    nothing = score_ngo(NgoFacts(frozenset(), None, 5, 2, 2, frozenset()), GRID_INDEX, RUBRIC)
    assert {g.code for g in nothing.gates if not g.passed} == {"ngo_reach", "pilot_distance"}
    elsewhere = score_ngo(NgoFacts(frozenset({"ELSEWHERE"}), None, 5, 2, 2, frozenset()),
                          GRID_INDEX, RUBRIC)
    assert {g.code for g in elsewhere.gates if not g.passed} == {"pilot_distance"}
    assert elsewhere.criterion("communities").facts["non_pilot_declared"] == ["ELSEWHERE"]
    ok = score_ngo(NgoFacts(frozenset({"G11"}), None, 5, 2, 2, frozenset()), GRID_INDEX, RUBRIC)
    assert ok.eligible and ok.served_communities == ("G11",)


def test_ngo_service_area_serves_overlapped_communities():
    from scoring_builders import BEIJING, square
    area = square(*BEIJING, 700)  # overlaps only the centre square G11
    card = score_ngo(NgoFacts(frozenset(), area, 1, 1, 1, frozenset()), GRID_INDEX, RUBRIC)
    assert card.served_communities == ("G11",)


def test_ngo_saturation_and_people_per_household():
    base = NgoFacts(frozenset({"G11"}), None, 2.0, 5, 5, frozenset({"drills"}))
    card = score_ngo(base, GRID_INDEX, RUBRIC)
    assert card.criterion("experience").score == 50.0  # half-life of 2 years
    households = GRID_INDEX.by_code["G11"].households
    assert card.criterion("people").facts["households_served"] == households
    veteran = score_ngo(dataclasses.replace(base, disaster_experience_years=60), GRID_INDEX, RUBRIC)
    assert 99 < veteran.criterion("experience").score <= 100


# The programme's rubric, written out: each part of a sub-score is pinned by toggling it alone.
DELIVERY_PARTS = {"home_delivery": 30, "emergency_24h": 15, "mobility_assist": 10}
SETTLEMENT_PARTS = {"wechat": 40, "contact": 20, "feedback": 20}


def delivery_score(**flags: bool) -> float:
    # 60 km from every pilot: the store serves no community, so reach and capacity stay 0 and
    # the toggled part is the only difference.
    card = score_merchant(merchant(store("far", 60_000, 60_000, zone_m=500.0, **flags)),
                          GRID_INDEX, RUBRIC, {})
    return card.criterion("delivery").score


def test_each_boolean_delivery_part_is_worth_exactly_its_points():
    assert delivery_score() == 0.0
    for part, points in DELIVERY_PARTS.items():
        assert delivery_score(**{part: True}) == points, part
    assert delivery_score(**dict.fromkeys(DELIVERY_PARTS, True)) == 55


def test_reach_and_capacity_parts_scale_with_households_served():
    # G11 (the grid's centre) has 1,100 households; the store sits inside it.
    centre = GRID_INDEX.by_code["G11"]
    hh = centre.households
    for capacity in (0, 200, 5000):
        card = score_merchant(
            merchant(store("c", 0, 0, zone_m=100.0, home_delivery=True, daily_capacity=capacity)),
            GRID_INDEX, RUBRIC, {})
        expected = (30 + 25 * min(1.0, hh / RUBRIC.delivery_full_households)
                    + 20 * min(1.0, min(capacity, hh) / RUBRIC.daily_capacity_full_marks))
        assert abs(card.criterion("delivery").score - expected) < 0.006, capacity  # 2 decimals


def test_each_settlement_part_is_worth_exactly_its_points():
    def settlement(**kw) -> float:
        base = {"wechat": False, "contact": False, "feedback": False, "trained": 0}
        card = score_merchant(merchant(store("a"), **{**base, **kw}), GRID_INDEX, RUBRIC, {})
        return card.criterion("settlement").score

    assert settlement() == 0.0
    for part, points in SETTLEMENT_PARTS.items():
        assert settlement(**{part: True}) == points, part
    full = RUBRIC.trained_staff_full_marks
    assert settlement(trained=full) == 20
    assert settlement(trained=full * 3) == 20  # capped
    assert abs(settlement(trained=1) - 20 / full) < 0.006
