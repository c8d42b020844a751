"""The edges of the scoring rules: inclusive limits, validation messages that name the bad field,
the JSON form of a scorecard, tie-breaking and rounding in the panel and the shortlist."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from scoring_builders import BEIJING, community, merchant, offset, square, store

from geo.distance import distances_m
from scoring import (
    Candidate,
    CommunityFacts,
    CommunityIndex,
    MerchantFacts,
    MerchantWeights,
    NgoFacts,
    NgoWeights,
    PriorityWeights,
    ReviewScores,
    Rubric,
    StoreFacts,
    aggregate_panel,
    communities_served_by,
    exact_shortlist,
    marginal_gains,
    score_merchant,
    score_ngo,
    shortlist,
)
from scoring.gates import merchant_near_pilot, ngo_near_pilot
from scoring.ngo_criteria import served_communities
from scoring.shortlist_model import CoverageState, build
from scoring.vocabulary import CAPABILITIES, CRITERIA

A = community("A", 0, 0)
B = community("B", 1200, 0)
INDEX = CommunityIndex([A, B, community("FAR", 30_000, 30_000)])
RUBRIC = Rubric()


def test_scorecard_json_carries_every_field():
    rubric = Rubric(version=7, merchant_weights=MerchantWeights(coverage=2, delivery=1,
                                                                 settlement=1))
    for card, kind in ((score_merchant(merchant(store("s", 0, 0)), INDEX, rubric, {}), "merchant"),
                       (score_ngo(NgoFacts(frozenset({"A"}), None, 1, 1, 1, frozenset()), INDEX,
                                  rubric), "ngo")):
        data = card.to_dict()
        assert data == {
            "rubric_version": 7, "kind": kind, "eligible": card.eligible, "total": card.total,
            "served_communities": ["A"],
            "criteria": [dataclasses.asdict(c) for c in card.criteria],
            "gates": [dataclasses.asdict(g) for g in card.gates],
        }
        for c in card.criteria:
            assert (c.label_zh, c.label_en) == (CRITERIA[c.code].zh, CRITERIA[c.code].en)
            assert c.score == round(c.score, 2)
            total_weight = sum(x.weight for x in card.criteria)
            assert c.weighted == round(c.score * c.weight / total_weight, 4)
        assert card.total == round(sum(c.weighted for c in card.criteria), 2) or abs(
            card.total - sum(c.weighted for c in card.criteria)) < 0.01


def test_sub_scores_are_rounded_to_two_decimals():
    # one store of capacity 1 of 500: delivery capacity 20 * 1/500 = 0.04 points, so the
    # delivery sub-score has more than two decimals before rounding
    card = score_merchant(merchant(store("s", 0, 0, daily_capacity=1), trained=1), INDEX,
                          Rubric(trained_staff_full_marks=3), {})
    assert card.criterion("delivery").score == 0.04
    assert card.criterion("settlement").score == round(80 + 20 / 3, 2) == 86.67
    assert card.criterion("settlement").weighted == round(86.67 * 0.2, 4)


# --- validation names the field -----------------------------------------------------------

@pytest.mark.parametrize("field", ["households", "residents", "elderly", "elderly_alone",
                                   "disabled", "mothers_infants", "children"])
def test_community_counts_must_not_be_negative(field):
    values = {"households": 1, "residents": 1, field: -1}
    with pytest.raises(ValueError, match=f"CommunityFacts.{field} must be >= 0, got -1"):
        CommunityFacts("X", "X社区", square(*BEIJING), **values)


@pytest.mark.parametrize("field", ["disaster_experience_years", "staff", "volunteers"])
def test_ngo_counts_must_not_be_negative(field):
    values = {"disaster_experience_years": 0.0, "staff": 0, "volunteers": 0, field: -1}
    with pytest.raises(ValueError, match=f"NgoFacts.{field} must be >= 0"):
        NgoFacts(frozenset(), None, capabilities=frozenset(), **values)


def test_store_and_merchant_validation():
    with pytest.raises(ValueError, match=r"StoreFacts\.daily_capacity must be >= 0"):
        StoreFacts("s", "s", 116.4, 39.9, frozenset(), daily_capacity=-1)
    with pytest.raises(ValueError, match=r"MerchantFacts\.trained_staff must be >= 0"):
        MerchantFacts((), True, True, True, -1)
    with pytest.raises(ValueError, match="store keys must be unique within a merchant"):
        merchant(store("s"), store("s", 10, 10))
    for lon, lat in ((180, 0), (-180, 0), (0, 90), (0, -90)):
        StoreFacts("edge", "edge", lon, lat, frozenset())  # the limits themselves are valid
    for lon, lat in ((180.001, 0), (-180.001, 0), (0, 90.001), (0, -90.001), (116.4, 100)):
        with pytest.raises(ValueError, match="store bad: lon/lat out of range"):
            StoreFacts("bad", "bad", lon, lat, frozenset())


@pytest.mark.parametrize("cls", [MerchantWeights, NgoWeights, PriorityWeights])
def test_all_zero_weights_are_refused_by_name(cls):
    zero = dict.fromkeys(cls.__struct_fields__, 0.0)
    with pytest.raises(ValueError, match=f"{cls.__name__}: weights must sum to more than 0"):
        cls(**zero)


# --- who serves whom -----------------------------------------------------------------------

def test_walking_distance_is_inclusive():
    lon, lat = offset(*BEIJING, 0, -700)
    d = float(distances_m(shapely.Point(lon, lat), np.array([A.geometry], dtype=object))[0])
    s = StoreFacts("s", "s", lon, lat, frozenset())
    assert communities_served_by(s, INDEX, Rubric(walking_distance_m=d)) == {"A"}
    assert communities_served_by(s, INDEX, Rubric(walking_distance_m=d * 0.999)) == set()


def test_a_store_serves_on_foot_and_through_its_zone_together():
    # standing in A, delivering to a zone drawn around B only
    s = StoreFacts("s", "s", *BEIJING, frozenset(), home_delivery=True,
                   zone=square(*offset(*BEIJING, 1200, 0), 200))
    assert communities_served_by(s, INDEX, RUBRIC) == {"A", "B"}


def test_a_zone_serves_only_where_it_overlaps_not_where_its_bounding_box_does():
    # a triangle whose bounding box covers A but whose area stays north-east of it
    pts = [offset(*BEIJING, e, n) for e, n in ((-400, 1000), (1000, 1000), (1000, -400))]
    zone = shapely.Polygon([*pts, pts[0]])
    s = StoreFacts("s", "s", *offset(*BEIJING, -400, 2200), frozenset(), home_delivery=True,
                   zone=zone)
    assert not zone.intersects(A.geometry) and zone.envelope.intersects(A.geometry)
    assert communities_served_by(s, INDEX, RUBRIC) == set()


def test_an_ngo_serves_its_declared_and_its_area_communities():
    facts = NgoFacts(frozenset({"A", "NOT_A_PILOT"}), B.geometry, 0, 0, 0, frozenset())
    assert served_communities(facts, INDEX) == {"A", "B"}


def test_marginal_gains_of_absent_and_zero_counts():
    # a community missing from the network counts has no network store yet
    assert marginal_gains({"A": 1}, {}, {"A": 10.0}, 1) == {"A": 10.0}
    # a community without a weight (not a pilot) gains nothing but is listed
    assert marginal_gains({"Z": 1}, {}, {}, 2) == {"Z": 0.0}
    # communities the candidate does not serve are skipped, and the rest still counted
    assert marginal_gains({"A": 0, "B": 2}, {"B": 1}, {"A": 1.0, "B": 4.0}, 2) == {"B": 2.0}


# --- the distance gate ---------------------------------------------------------------------

def test_a_zone_counts_for_the_distance_gate_only_when_the_store_delivers():
    far = offset(*BEIJING, 20_000, -20_000)
    zone_near_a = square(*BEIJING, 300)
    stores = [StoreFacts("x", "x", *far, frozenset({"grain_oil"}), home_delivery=False,
                         zone=zone_near_a),
              StoreFacts("y", "y", *offset(*BEIJING, 20_000, -21_000), frozenset())]
    facts = MerchantFacts(tuple(stores), True, True, True, 1)
    assert merchant_near_pilot(facts, set(), INDEX, RUBRIC).passed is False
    delivering = dataclasses.replace(stores[0], home_delivery=True)
    facts = MerchantFacts((delivering, stores[1]), True, True, True, 1)
    assert merchant_near_pilot(facts, set(), INDEX, RUBRIC).passed is True


def test_an_ngo_area_near_but_not_over_a_pilot_passes_the_distance_gate():
    near = NgoFacts(frozenset(), square(*offset(*BEIJING, 0, -3000), 200), 0, 0, 0, frozenset())
    assert ngo_near_pilot(near, set(), INDEX, RUBRIC).passed is True
    gates = {g.code: g.passed for g in score_ngo(near, INDEX, RUBRIC).gates}
    assert gates == {"ngo_reach": True, "pilot_distance": True}
    far = NgoFacts(frozenset(), square(*offset(*BEIJING, 0, -9000), 200), 0, 0, 0, frozenset())
    assert ngo_near_pilot(far, set(), INDEX, RUBRIC).passed is False


# --- panel ---------------------------------------------------------------------------------

def _auto():
    return score_merchant(merchant(store("s", 0, 0)), INDEX, RUBRIC, {})


def test_contested_only_above_the_spread():
    auto = _auto()
    review = [ReviewScores("r1", dict.fromkeys(["coverage", "delivery", "settlement"], 100.0))]
    spread = aggregate_panel(auto, review, RUBRIC).spread
    assert spread > 0
    at = Rubric(contested_spread=spread)
    assert aggregate_panel(auto, review, at).contested is False
    below = Rubric(contested_spread=spread - 0.01)
    assert aggregate_panel(auto, review, below).contested is True


def test_reviewer_totals_are_weighted_means_whatever_the_weight_scale():
    rubric = Rubric(merchant_weights=MerchantWeights(coverage=2, delivery=1, settlement=1))
    auto = score_merchant(merchant(store("s", 0, 0)), INDEX, rubric, {})
    scores = {"coverage": 40.0, "delivery": 80.0, "settlement": 100.0}
    result = aggregate_panel(auto, [ReviewScores("r1", scores)], rubric)
    assert result.totals["r1"] == 65.0  # (2*40 + 80 + 100) / 4
    assert result.totals["automatic"] == auto.total


@pytest.mark.parametrize("reviews, message", [
    ([ReviewScores("r", {}), ReviewScores("r", {})], "reviewer names must be unique"),
    ([ReviewScores("automatic", {})], "not 'automatic'"),
    ([ReviewScores("r", {"charm": 50.0})], r"r: unknown criteria \['charm'\]"),
    ([ReviewScores("r", {"coverage": 101.0})], "r: coverage score 101.0 outside 0-100"),
])
def test_invalid_reviews_say_what_is_wrong(reviews, message):
    with pytest.raises(ValueError, match=message):
        aggregate_panel(_auto(), reviews, RUBRIC)


# --- shortlist -----------------------------------------------------------------------------

def test_equal_gain_per_store_goes_to_the_cheaper_candidate_first():
    small = Candidate("small", {"X": 1}, 1)
    big = Candidate("big", {"Y": 2}, 2)
    result = shortlist([big, small], {"X": 1.0, "Y": 1.0}, {}, 2, 3, "stores")
    assert [p.id for p in result.picks] == ["small", "big"]
    assert result.method == "greedy"


def test_gains_and_totals_are_rounded_to_six_decimals():
    cands = [Candidate("a", {"X": 1}, 1), Candidate("b", {"Y": 1}, 1)]
    for result in (shortlist(cands, {"X": 1.0, "Y": 1.0}, {}, 3, 2),
                   exact_shortlist(cands, {"X": 1.0, "Y": 1.0}, {}, 3, 2),
                   build(cands, {"X": 1.0, "Y": 1.0}, {}, 3, "exact")):
        assert [p.marginal_gain for p in result.picks] == [0.333333, 0.333333]
        assert result.total_gain == 0.666666  # the sum of the picks' gains as shown


def test_communities_added_are_those_moved_towards_the_target():
    state = CoverageState({"FULL": 5.0, "ZERO": 0.0, "OPEN": 1.0}, {"FULL": 2}, 2)
    pick = state.add(Candidate("c", {"FULL": 1, "ZERO": 1, "OPEN": 1, "ELSEWHERE": 3}, 1))
    # FULL is already at k, ZERO has no weight, ELSEWHERE is not a pilot community
    assert pick.communities_added == ("OPEN",)
    assert pick.marginal_gain == 0.5


def test_below_target_lists_the_heaviest_first():
    state = CoverageState({"a": 1.0, "b": 3.0, "c": 2.0, "d": 9.0}, {"d": 2}, 2)
    assert [b.code for b in state.below_target()] == ["b", "c", "a"]
    assert [(b.count, b.missing) for b in state.below_target()] == [(0, 2)] * 3


def test_candidate_validation_and_construction():
    with pytest.raises(ValueError, match="candidate c: counts must be >= 0"):
        Candidate("c", {"X": -1}, 1)
    with pytest.raises(ValueError, match="store_count >= 1"):
        Candidate("c", {"X": 1}, 0)
    c = Candidate.from_served_sets("m1", {"s1": {"X"}})
    assert (c.id, dict(c.stores_per_community), c.store_count) == ("m1", {"X": 1}, 1)
    with pytest.raises(ValueError, match="target_k must be >= 1"):
        CoverageState({}, {}, 0)
    with pytest.raises(ValueError, match="budget must be >= 0"):
        shortlist([], {}, {}, 2, -1)
    with pytest.raises(ValueError, match="candidate ids must be unique"):
        shortlist([c, c], {}, {}, 2, 1)
    with pytest.raises(ValueError, match="budget_unit must be 'merchants' or 'stores', got 'x'"):
        shortlist([], {}, {}, 2, 1, "x")  # type: ignore[arg-type]


def test_weighted_contributions_keep_four_decimals():
    rubric = Rubric(merchant_weights=MerchantWeights(coverage=1, delivery=1, settlement=1))
    card = score_merchant(merchant(store("s", 0, 0, daily_capacity=1)), INDEX, rubric, {})
    assert card.criterion("delivery").score == 0.04
    assert card.criterion("delivery").weighted == 0.0133  # 0.04 / 3


def test_duplicate_community_codes_are_refused():
    with pytest.raises(ValueError, match=r"^community codes must be unique$"):
        CommunityIndex([community("A"), community("A", 500, 0)])


def test_capabilities_score_weighs_the_groups_reached_and_caps_breadth():
    from scoring.ngo_criteria import capabilities
    two = NgoFacts(frozenset(), None, 0, 0, 0, frozenset({"home_delivery", "drills"}))
    # residents, elderly, elderly_alone, disabled (1.5), mothers_infants: 5.5 of 6 weight
    assert capabilities(two, RUBRIC).score == pytest.approx(70 * 5.5 / 6 + 30 * 2 / 6)
    everything = NgoFacts(frozenset(), None, 0, 0, 0, frozenset(CAPABILITIES))
    draft = capabilities(everything, RUBRIC)
    assert draft.score == pytest.approx(100.0)
    assert draft.explanation_zh.endswith("；未覆盖：无。")
    assert draft.explanation_en.endswith("; not served: none.")


def test_ngo_community_facts_are_rounded_to_two_decimals():
    rubric = Rubric(priority_weights=PriorityWeights(children=1 / 3))
    card = score_ngo(NgoFacts(frozenset({"A", "B"}), None, 0, 1, 1, frozenset()), INDEX, rubric)
    w = INDEX.weights(rubric.priority_weights)
    facts = card.criterion("communities").facts
    assert [r["weighted_population"] for r in facts["communities"]] == [
        round(w[c], 2) for c in sorted(("A", "B"), key=lambda c: -w[c])]
    assert facts["weighted_population"] == round(w["A"] + w["B"], 2)
    assert w["A"] != round(w["A"], 2)  # the rounding is visible


def test_exact_shortlists_say_so_and_report_solver_failures(monkeypatch):
    cands = [Candidate("a", {"X": 1}, 1)]
    assert exact_shortlist(cands, {"X": 1.0}, {}, 2, 1).method == "exact"
    assert exact_shortlist([], {"X": 1.0}, {}, 2, 1).method == "exact"
    import types

    from scoring import shortlist_exact
    monkeypatch.setattr(shortlist_exact, "milp",
                        lambda *a, **k: types.SimpleNamespace(success=False, message="no way"))
    with pytest.raises(RuntimeError, match=r"^MILP failed: no way$"):
        exact_shortlist(cands, {"X": 1.0}, {}, 2, 1)


def test_a_store_budget_takes_the_best_single_candidate_when_greedy_falls_short():
    sliver = Candidate("a", {"X": 1}, 1)  # gain 0.6 for one store
    chain = Candidate("b", {"Y": 2}, 3)  # gain 1.0 for three stores
    result = shortlist([sliver, chain], {"X": 1.2, "Y": 1.0}, {}, 2, 3, "stores")
    assert result.method == "best_single" and [p.id for p in result.picks] == ["b"]


@pytest.mark.parametrize("call, message", [
    (lambda: shortlist([], {}, {}, 2, -1), "^budget must be >= 0$"),
    (lambda: shortlist([Candidate("c", {}, 1)] * 2, {}, {}, 2, 1),
     "^candidate ids must be unique$"),
    (lambda: CoverageState({}, {}, 0), "^target_k must be >= 1$"),
    (lambda: merchant(store("s"), store("s", 10, 10)),
     "^store keys must be unique within a merchant$"),
    (lambda: aggregate_panel(_auto(), [ReviewScores("r", {}), ReviewScores("r", {})], RUBRIC),
     "^reviewer names must be unique and not 'automatic'$"),
])
def test_error_messages_are_exactly_what_they_say(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_coverage_facts_keep_two_decimals_and_small_gains_are_still_named():
    tiny = community("T", 0, 0, households=1, elderly=0)  # weighted population 2 + children
    index = CommunityIndex([tiny])
    rubric = Rubric(target_stores_per_community=3)
    cov = score_merchant(merchant(store("s", 0, 0)), index, rubric, {}).criterion("coverage")
    gain = index.weights(rubric.priority_weights)["T"] / 3
    assert 0 < gain < 1 and gain != round(gain, 2)
    assert cov.facts["weighted_gain"] == round(gain, 2)
    assert cov.facts["communities"][0]["gain"] == round(gain, 2)
    assert cov.explanation_en.startswith("Adds coverage for 0 elderly and 2 residents")


def test_points_are_shown_to_one_decimal():
    card = score_merchant(merchant(store("s", 0, 0, daily_capacity=1), trained=1), INDEX,
                          Rubric(trained_staff_full_marks=3), {})
    assert card.criterion("delivery").facts["points"]["capacity"] == 0.0  # 0.04 points
    assert card.criterion("settlement").facts["points"]["trained_staff"] == 6.7  # 20 / 3


def test_total_is_the_weighted_mean_to_two_decimals():
    rubric = Rubric(merchant_weights=MerchantWeights(coverage=1, delivery=1, settlement=1),
                    trained_staff_full_marks=3)
    card = score_merchant(merchant(store("s", 0, 0, daily_capacity=1), trained=1), INDEX,
                          rubric, {})
    mean = sum(c.score for c in card.criteria) / 3
    assert mean != round(mean, 2) and card.total == round(mean, 2)


def test_distance_gate_reasons_name_what_was_measured():
    near = {g.code: g for g in score_merchant(merchant(store("s", 0, 0)), INDEX, RUBRIC,
                                              {}).gates}["pilot_distance"]
    assert near.reason_en == "A store or delivery zone lies within 5,000 m of a pilot community."
    ngo = score_ngo(NgoFacts(frozenset({"A"}), None, 0, 0, 0, frozenset()), INDEX, RUBRIC)
    reason = {g.code: g for g in ngo.gates}["pilot_distance"].reason_en
    assert reason == "A served community or service area lies within 5,000 m of a pilot community."
