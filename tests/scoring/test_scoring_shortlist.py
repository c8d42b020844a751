"""Shortlisting: greedy against the exact MILP on small instances, and the bounds it promises."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import Candidate, exact_shortlist, shortlist
from tests.hypothesis_budget import examples

CODES = ["a", "b", "c", "d", "e", "f"]
BOUND = {"merchants": 1 - 1 / math.e, "stores": (1 - 1 / math.e) / 2}


@st.composite
def instances(draw):
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=6, unique=True))
    weights = {c: float(draw(st.integers(0, 100))) for c in codes}
    existing = {c: draw(st.integers(0, 3)) for c in codes}
    n = draw(st.integers(0, 8))
    cands = [Candidate(f"m{i}", draw(st.dictionaries(st.sampled_from(codes), st.integers(0, 3))),
                       draw(st.integers(1, 4))) for i in range(n)]
    return cands, weights, existing, draw(st.integers(1, 3)), draw(st.integers(0, 6))


def final_counts(result, cands, existing):
    by_id = {c.id: c for c in cands}
    counts = dict(existing)
    for p in result.picks:
        for code, m in by_id[p.id].stores_per_community.items():
            if code in counts:
                counts[code] += m
    return counts


@settings(max_examples=examples(300), deadline=None)
@given(instances(), st.sampled_from(["merchants", "stores"]))
def test_greedy_is_within_its_bound_of_the_exact_optimum(inst, unit):
    cands, weights, existing, k, budget = inst
    greedy = shortlist(cands, weights, existing, k, budget, unit)
    exact = exact_shortlist(cands, weights, existing, k, budget, unit)
    assert greedy.total_gain <= exact.total_gain + 1e-6
    assert greedy.total_gain >= BOUND[unit] * exact.total_gain - 1e-6
    by_id = {c.id: c for c in cands}
    for result in (greedy, exact):
        spent = sum(1 if unit == "merchants" else by_id[p.id].store_count for p in result.picks)
        assert spent <= budget
        assert all(p.marginal_gain > 0 for p in result.picks)
        counts = final_counts(result, cands, existing)
        short = {b.code: b.count for b in result.below_target}
        assert short == {c: n for c, n in counts.items() if n < k}
        assert all(b.missing == k - b.count for b in result.below_target)


@settings(max_examples=examples(150), deadline=None)
@given(instances())
def test_greedy_is_optimal_with_a_budget_of_one_merchant(inst):
    cands, weights, existing, k, _ = inst
    greedy = shortlist(cands, weights, existing, k, 1)
    exact = exact_shortlist(cands, weights, existing, k, 1)
    assert greedy.total_gain == pytest.approx(exact.total_gain)


def test_greedy_matches_exact_on_a_pilot_sized_case():
    weights = {"zlb": 8500.0, "anzhen": 9000.0, "sunhe": 4000.0, "taotiaogou": 900.0}
    existing = {"zlb": 1, "anzhen": 0, "sunhe": 0, "taotiaogou": 0}
    cands = [
        Candidate("chain", {"anzhen": 2, "zlb": 1}, 3),
        Candidate("corner", {"zlb": 1}, 1),
        Candidate("rural", {"sunhe": 1, "taotiaogou": 1}, 2),
        Candidate("dup", {"anzhen": 1}, 1),
    ]
    greedy = shortlist(cands, weights, existing, 2, 2)
    exact = exact_shortlist(cands, weights, existing, 2, 2)
    assert [p.id for p in greedy.picks] == [p.id for p in exact.picks]
    assert greedy.total_gain == pytest.approx(exact.total_gain) == 15700.0
    # With 5 stores, gain per store lures greedy to the cheap "dup" and "corner" first.
    by_store = shortlist(cands, weights, existing, 2, 5, "stores")
    best = exact_shortlist(cands, weights, existing, 2, 5, "stores")
    assert [p.id for p in by_store.picks] == ["dup", "corner", "chain"]
    assert (by_store.total_gain, best.total_gain) == (13250.0, 15700.0)
    assert [p.id for p in greedy.picks] == ["chain", "rural"]
    assert greedy.picks[0].communities_added == ("anzhen", "zlb")
    assert [(b.code, b.count) for b in greedy.below_target] == [("sunhe", 1), ("taotiaogou", 1)]


def test_greedy_can_miss_the_optimum_but_stays_within_the_bound():
    weights = {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 0.5}
    cands = [Candidate("x", {"a": 1, "c": 1, "e": 1}, 1), Candidate("y1", {"a": 1, "b": 1}, 1),
             Candidate("y2", {"c": 1, "d": 1}, 1)]
    greedy = shortlist(cands, weights, {}, 1, 2)
    exact = exact_shortlist(cands, weights, {}, 1, 2)
    assert [p.id for p in greedy.picks] == ["x", "y1"] and greedy.total_gain == 3.5
    assert exact.total_gain == 4.0
    assert greedy.total_gain >= BOUND["merchants"] * exact.total_gain


def test_store_budget_falls_back_to_the_best_single_candidate():
    weights = {"a": 10.0, "b": 50.0}
    cands = [Candidate("small", {"a": 1}, 1), Candidate("chain", {"b": 1}, 10)]
    result = shortlist(cands, weights, {}, 1, 10, "stores")
    assert [p.id for p in result.picks] == ["chain"] and result.method == "best_single"
    assert result.total_gain == exact_shortlist(cands, weights, {}, 1, 10, "stores").total_gain


def test_candidate_from_served_sets_and_validation():
    cand = Candidate.from_served_sets("m", {"s1": {"a", "b"}, "s2": {"a"}})
    assert dict(cand.stores_per_community) == {"a": 2, "b": 1} and cand.store_count == 2
    with pytest.raises(ValueError):
        shortlist([cand, cand], {"a": 1.0}, {}, 2, 1)
    with pytest.raises(ValueError):
        shortlist([cand], {"a": 1.0}, {}, 2, 1, "euros")  # type: ignore[arg-type]
