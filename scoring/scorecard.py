"""Automatic scorecards for merchant and NGO applicants.

Pure and deterministic: stores and communities are handled in sorted order, so the same facts
give the same `to_dict()` whatever order the stores arrive in. `total` is the weighted mean of
the sub-scores and is kept even when a gate fails; `eligible` carries the gate verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

from msgspec.structs import asdict

from scoring import gates, merchant_criteria, ngo_criteria
from scoring.card import Scorecard, assemble
from scoring.coverage import CommunityIndex, communities_served_by
from scoring.models import MerchantFacts, NgoFacts
from scoring.rubric import Rubric


def served_by_store(facts: MerchantFacts, index: CommunityIndex,
                    rubric: Rubric) -> dict[str, set[str]]:
    """The pilot communities each store serves, by store key."""
    return {s.key: communities_served_by(s, index, rubric)
            for s in sorted(facts.stores, key=lambda s: s.key)}


def score_merchant(
    facts: MerchantFacts,
    index: CommunityIndex,
    rubric: Rubric,
    network_counts: Mapping[str, int],
    by_store: Mapping[str, set[str]] | None = None,
) -> Scorecard:
    """Score a merchant against the approved network (`network_counts`, see coverage.py).

    The network counts must not already include this merchant's own stores, or its coverage
    would be judged as duplicating itself. `by_store` may pass `served_by_store(...)` when
    the caller computed it already (to choose which network counts to fetch).
    """
    if by_store is None:
        by_store = served_by_store(facts, index, rubric)
    served = set().union(*by_store.values())
    drafts = [
        merchant_criteria.coverage(by_store, index, rubric, network_counts),
        merchant_criteria.delivery(facts, by_store, index, rubric),
        merchant_criteria.settlement(facts, rubric),
    ]
    if rubric.merchant_weights.track_record > 0:  # shown only when the rubric weighs it
        drafts.append(merchant_criteria.track_record(facts, rubric))
    gate_list = [
        gates.wechat_pay(facts, rubric),
        gates.eligible_category(facts, rubric),
        gates.merchant_near_pilot(facts, served, index, rubric),
    ]
    weights = asdict(rubric.merchant_weights)
    return assemble("merchant", rubric.version, drafts, weights, gate_list, served)


def score_ngo(facts: NgoFacts, index: CommunityIndex, rubric: Rubric) -> Scorecard:
    served = ngo_criteria.served_communities(facts, index)
    drafts = [
        ngo_criteria.communities(facts, served, index, rubric),
        ngo_criteria.experience(facts, rubric),
        ngo_criteria.people(facts, served, index, rubric),
        ngo_criteria.capabilities(facts, rubric),
    ]
    gate_list = [
        gates.ngo_reach(facts),
        gates.ngo_near_pilot(facts, served, index, rubric),
    ]
    weights = asdict(rubric.ngo_weights)
    return assemble("ngo", rubric.version, drafts, weights, gate_list, served)
