"""What reviewers read on a scorecard: bilingual explanations and gate reasons that state the
facts behind each score, and the facts themselves (the evidence stored with the scorecard)."""

from __future__ import annotations

import json

import pytest
from scoring_builders import community, merchant, store

from scoring import (
    CommunityIndex,
    GateSettings,
    NgoFacts,
    Rubric,
    default_rubric,
    network_counts,
    score_merchant,
    score_ngo,
)
from scoring.vocabulary import CAPABILITIES, CATEGORIES, PRIORITY_GROUPS
from tests.bilingual import assert_bilingual

ZLB = community("ZLB", 0, 0, name="中路北社区", name_en="Zhonglubei", households=2710,
                elderly=1900)
AZ = community("AZ", 1200, 0, name="安贞社区", name_en="Anzhen", households=800, elderly=300)
SH = community("SH", 0, 1200, name="孙河社区", name_en="Sunhe", households=600, elderly=100)
FAR = community("FAR", 30_000, 30_000, name="远方社区", name_en="Faraway")
INDEX = CommunityIndex([ZLB, AZ, SH, FAR])
NAMES = tuple(n for c in INDEX.by_code.values() for n in (c.name, c.name_en))
RUBRIC = default_rubric()
WAIVED = Rubric(gates=GateSettings(require_wechat_pay=False, require_eligible_category=False))

FOOD = frozenset({"grain_oil", "fresh_food"})
CHAIN = merchant(
    store("a", 0, 0, categories=FOOD | {"tobacco", "alcohol"}, home_delivery=True, zone_m=1100,
          daily_capacity=300, emergency_24h=True),
    store("b", 1200, 0, categories=frozenset({"daily_goods", "toys"}), daily_capacity=100,
          mobility_assist=True),
    trained=3,
)
FAR_SHOP = merchant(store("x", 20_000, -20_000, categories=frozenset({"tobacco"})),
                    wechat=False, contact=False, feedback=False, trained=0)


def texts_are_bilingual(card) -> None:
    for c in card.criteria:
        assert_bilingual(c.explanation_zh, c.explanation_en, names=NAMES)
    for g in card.gates:
        assert_bilingual(g.reason_zh, g.reason_en, names=NAMES)
        assert g.passed in (True, False) and isinstance(g.passed, bool)
    # What the review pages store and show: plain JSON, gate verdicts as JSON booleans.
    data = json.loads(json.dumps(card.to_dict()))
    assert all(isinstance(g["passed"], bool) for g in data["gates"])
    assert data["eligible"] is card.eligible


SCENARIOS = {
    "chain": lambda: score_merchant(CHAIN, INDEX, RUBRIC, {}),
    "chain_saturated": lambda: score_merchant(CHAIN, INDEX, RUBRIC, {"ZLB": 2, "AZ": 5, "SH": 2}),
    "far_shop": lambda: score_merchant(FAR_SHOP, INDEX, RUBRIC, {}),
    "far_shop_waived": lambda: score_merchant(FAR_SHOP, INDEX, WAIVED, {}),
    "no_stores": lambda: score_merchant(merchant(), INDEX, RUBRIC, {}),
    "ngo": lambda: score_ngo(NgoFacts(frozenset({"ZLB", "AZ", "ELSEWHERE"}), None, 3.0, 4, 20,
                                      frozenset({"home_delivery", "drills", "juggling"})),
                             INDEX, RUBRIC),
    "ngo_one_area": lambda: score_ngo(NgoFacts(frozenset(), SH.geometry, 0.0, 0, 0, frozenset()),
                                      INDEX, RUBRIC),
    "ngo_nothing": lambda: score_ngo(NgoFacts(frozenset(), None, 0.0, 0, 0, frozenset()),
                                     INDEX, RUBRIC),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_explanation_and_gate_reason_is_proper_chinese_and_english(name):
    texts_are_bilingual(SCENARIOS[name]())


def test_coverage_names_the_communities_it_adds_with_their_people():
    card = score_merchant(CHAIN, INDEX, RUBRIC, {"AZ": 1})
    cov = card.criterion("coverage")
    rows = cov.facts["communities"]
    # store a serves ZLB (inside) and, delivering, AZ and SH through its zone; b serves AZ.
    assert cov.facts["stores"] == {"a": ["AZ", "SH", "ZLB"], "b": ["AZ"]}
    assert cov.facts["target_k"] == 2
    w = INDEX.weights(RUBRIC.priority_weights)
    # ZLB 0->1, AZ 1->3 (of which one counts up to k = 2), SH 0->1
    expected_gain = {"ZLB": w["ZLB"] / 2, "AZ": w["AZ"] / 2, "SH": w["SH"] / 2}
    assert [r["code"] for r in rows] == sorted(expected_gain, key=lambda c: -expected_gain[c])
    by_code = {r["code"]: r for r in rows}
    assert by_code["AZ"]["network_stores"] == 1 and by_code["AZ"]["candidate_stores"] == 2
    assert by_code["AZ"]["stores_after"] == 3 and by_code["ZLB"]["stores_after"] == 1
    for code, gain in expected_gain.items():
        assert by_code[code]["gain"] == round(gain, 2)
        assert by_code[code]["name"] == INDEX.by_code[code].name
        assert by_code[code]["residents"] == INDEX.by_code[code].residents
        assert by_code[code]["elderly"] == INDEX.by_code[code].elderly
    total = sum(expected_gain.values())
    assert cov.facts["weighted_gain"] == round(total, 2)
    assert cov.score == round(100 * total / RUBRIC.coverage_full_marks, 2)
    # Highest gain first, each with its elderly and residents and the network count it moves.
    assert cov.explanation_zh.startswith(
        "新增覆盖中路北社区1,900名老人、5,420名居民（网络门店0→1家）；"
        "新增覆盖安贞社区300名老人、1,600名居民（网络门店1→3家）；"
        "新增覆盖孙河社区100名老人、1,200名居民（网络门店0→1家）。")
    assert cov.explanation_en.startswith(
        "Adds coverage for 1,900 elderly and 5,420 residents in Zhonglubei (network stores 0→1); "
        "adds coverage for 300 elderly and 1,600 residents in Anzhen (network stores 1→3); "
        "adds coverage for 100 elderly and 1,200 residents in Sunhe (network stores 0→1). ")
    assert f"{round(total):,}" in cov.explanation_en and "8,000" in cov.explanation_en


def test_coverage_of_already_covered_communities_says_it_adds_nothing():
    cov = score_merchant(CHAIN, INDEX, RUBRIC, {"ZLB": 2, "AZ": 5, "SH": 3}).criterion("coverage")
    assert cov.score == 0 and cov.facts["weighted_gain"] == 0
    assert "至少2家网络门店" in cov.explanation_zh
    assert "already has 2 or more network stores" in cov.explanation_en
    none = score_merchant(FAR_SHOP, INDEX, RUBRIC, {}).criterion("coverage")
    assert none.facts["communities"] == [] and none.facts["stores"] == {"x": []}
    assert "No store is within walking or delivery reach" in none.explanation_en


def test_delivery_facts_and_points_follow_the_stores():
    d = score_merchant(CHAIN, INDEX, RUBRIC, {}).criterion("delivery")
    served_hh = ZLB.households + AZ.households + SH.households
    assert d.facts == {
        "home_delivery_stores": ["a"],
        "delivery_households": served_hh,  # store a delivers and reaches all three
        "served_households": served_hh,
        "daily_capacity": 400,
        "emergency_24h_stores": ["a"],
        "mobility_assist_stores": ["b"],
        "points": {"home_delivery": 30.0, "reach": 25.0, "capacity": 16.0,
                   "emergency_24h": 15.0, "mobility_assist": 10.0},
    }
    assert d.score == 96.0
    assert "1 store(s) deliver home (30.0/30)" in d.explanation_en
    assert f"delivery reaches {served_hh:,} households (25.0/25)" in d.explanation_en
    assert f"daily capacity 400 for {served_hh:,} households served" in d.explanation_en
    assert "送货上门门店1家（30.0/30）" in d.explanation_zh


def test_settlement_facts_and_points():
    s = score_merchant(CHAIN, INDEX, RUBRIC, {}).criterion("settlement")
    assert s.facts == {"trained_staff": 3, "points": {
        "wechat_pay": 40.0, "settlement_contact": 20.0, "data_feedback": 20.0,
        "trained_staff": 15.0}}
    assert s.score == 95.0
    assert "3 trained staff, full marks at 4 (15.0/20)" in s.explanation_en


def test_category_gate_lists_what_vouchers_buy_and_what_the_till_must_block():
    gate = {g.code: g for g in score_merchant(CHAIN, INDEX, RUBRIC, {}).gates}["eligible_category"]
    assert gate.passed is True
    assert gate.facts == {"eligible_categories": ["daily_goods", "fresh_food", "grain_oil"],
                          "till_must_block": ["alcohol", "tobacco"],
                          "unknown_categories": ["toys"]}
    names = [CATEGORIES[c] for c in ("daily_goods", "fresh_food", "grain_oil")]
    assert gate.reason_zh == ("经营可用券品类：" + "、".join(c.zh for c in names) + "。"
                              "收银须拦截：酒类、烟草。")
    assert gate.reason_en == ("Sells voucher-eligible categories: "
                              + ", ".join(c.en for c in names) + "."
                              " The till must block: Alcohol, Tobacco.")


def test_waived_gates_say_the_round_does_not_require_them():
    card = score_merchant(FAR_SHOP, INDEX, WAIVED, {})
    gates = {g.code: g for g in card.gates}
    assert gates["wechat_pay"].passed is True and gates["eligible_category"].passed is True
    assert "does not require" in gates["wechat_pay"].reason_en
    assert gates["eligible_category"].reason_en == (
        "This round does not require an eligible category. The till must block: Tobacco.")
    strict = {g.code: g for g in score_merchant(FAR_SHOP, INDEX, RUBRIC, {}).gates}
    assert strict["wechat_pay"].passed is False and strict["eligible_category"].passed is False
    assert strict["pilot_distance"].passed is False
    assert "5,000 m" in strict["pilot_distance"].reason_en
    assert "5,000米" in strict["pilot_distance"].reason_zh
    assert card.eligible is False  # still too far from every pilot community


def test_ngo_explanations_name_the_communities_and_the_groups():
    card = score_ngo(NgoFacts(frozenset({"ZLB", "AZ", "ELSEWHERE"}), None, 3.0, 4, 20,
                              frozenset({"home_delivery", "drills", "juggling"})), INDEX, RUBRIC)
    com = card.criterion("communities")
    w = INDEX.weights(RUBRIC.priority_weights)
    assert [r["code"] for r in com.facts["communities"]] == ["ZLB", "AZ"]  # heaviest first
    assert com.facts["communities"][0]["weighted_population"] == round(w["ZLB"], 2)
    assert com.facts["weighted_population"] == round(w["ZLB"] + w["AZ"], 2)
    assert com.facts["non_pilot_declared"] == ["ELSEWHERE"]
    assert com.score == round(100 * (w["ZLB"] + w["AZ"]) / RUBRIC.ngo_population_full_marks, 2)
    assert com.explanation_en.startswith(
        "Serves Zhonglubei (1,900 elderly, 5,420 residents); Anzhen (300 elderly, 1,600 "
        "residents); 2 pilot communities")
    assert com.explanation_zh.startswith("服务中路北社区（老人1,900名，居民5,420名）、安贞社区")
    assert "等2个试点社区" in com.explanation_zh

    people = card.criterion("people")
    hh = ZLB.households + AZ.households
    assert people.facts == {"staff": 4, "volunteers": 20, "households_served": hh,
                            "per_100_households": round(100 * 24 / hh, 3)}
    assert f"4 staff and 20 volunteers for {hh:,} households" in people.explanation_en

    cap = card.criterion("capabilities")
    reached = sorted(CAPABILITIES["home_delivery"].serves | CAPABILITIES["drills"].serves)
    assert cap.facts["capabilities"] == ["drills", "home_delivery"]
    assert cap.facts["unknown_capabilities"] == ["juggling"]
    assert sorted(cap.facts["groups_served"]) == reached
    assert cap.facts["groups_missing"] == [g for g in PRIORITY_GROUPS if g not in reached]
    assert cap.explanation_en.startswith(
        "Capabilities: emergency drills, home delivery; groups served: residents, elderly")
    assert cap.explanation_en.endswith("; not served: mothers with infants, children.") is False
    assert "; not served: children." in cap.explanation_en
    assert card.criterion("experience").facts == {"years": 3.0}


def test_ngo_serving_nothing_says_so():
    card = score_ngo(NgoFacts(frozenset(), None, 0.0, 0, 0, frozenset()), INDEX, RUBRIC)
    com = card.criterion("communities")
    assert com.explanation_en.startswith("Serves no pilot community; 0 pilot communities")
    assert com.explanation_zh.startswith("未服务任何试点社区等0个试点社区")
    people = card.criterion("people")
    assert people.score == 0 and people.facts["per_100_households"] == 0
    assert "Serves no pilot households" in people.explanation_en
    cap = card.criterion("capabilities")
    assert cap.score == 0
    assert cap.explanation_en == (
        "Capabilities: none; groups served: none; not served: "
        + ", ".join(g.en for g in PRIORITY_GROUPS.values()) + ".")
    assert cap.explanation_zh.startswith("能力：无；覆盖人群：无；未覆盖：居民、")
    assert [g.passed for g in card.gates] == [False, False]


def test_ngo_with_one_community_reads_in_the_singular():
    card = score_ngo(NgoFacts(frozenset(), SH.geometry, 0.0, 0, 0, frozenset()), INDEX, RUBRIC)
    explanation = card.criterion("communities").explanation_en
    assert "; 1 pilot community, weighted population" in explanation
    assert card.served_communities == ("SH",)


def test_network_counts_feed_the_scorecard_unchanged():
    counts = network_counts([store("n1", 0, 0), store("n2", 0, 100)], INDEX, RUBRIC)
    assert counts == {"AZ": 0, "FAR": 0, "SH": 1, "ZLB": 2}
