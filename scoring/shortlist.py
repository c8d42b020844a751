"""Shortlisting a recruitment batch: weighted maximum coverage with multiplicity.

Value of a set S of candidates: f(S) = sum_c w_c * (min(k, n_c + m_c(S)) - min(k, n_c)) / k,
where n_c counts existing network stores serving community c and m_c(S) the picked ones.
f is monotone and submodular (a concave cap applied to a sum), which gives the guarantees:

- budget_unit="merchants" (pick at most `budget` candidates): greedy by marginal gain reaches
  at least (1 - 1/e) ~ 63 % of the optimum (Nemhauser, Wolsey, Fisher 1978).
- budget_unit="stores" (total store_count at most `budget`, a knapsack constraint): greedy by
  gain per store alone has no constant guarantee (one cheap sliver can crowd out a big chain).
  The standard fix, used here, returns the better of that greedy and the best single
  affordable candidate, which guarantees at least (1 - 1/e) / 2 ~ 31.6 % of the optimum
  (Khuller, Moss, Naor 1999; Leskovec et al. 2007; later analyses tighten it to ~0.405).

`exact_shortlist` in `shortlist_exact.py` solves small instances exactly with a MILP.
"""

from __future__ import annotations

from collections.abc import Mapping

from scoring.shortlist_model import (
    BelowTarget,
    BudgetUnit,
    Candidate,
    CoverageState,
    Pick,
    Shortlist,
    build,
    check_inputs,
    cost,
    prefer_smaller_id,
)

__all__ = ["BelowTarget", "BudgetUnit", "Candidate", "Pick", "Shortlist", "shortlist"]


def shortlist(
    candidates: list[Candidate],
    weights: Mapping[str, float],
    existing_counts: Mapping[str, int],
    target_k: int,
    budget: int,
    budget_unit: BudgetUnit = "merchants",
) -> Shortlist:
    """Greedy shortlist; see the module docstring for what it guarantees.

    Candidates adding nothing are never picked, so the budget may be left partly unused.
    Ties go to the cheaper candidate, then to the smaller id, so results are reproducible.
    """
    check_inputs(candidates, budget, budget_unit)
    state, left, picks = CoverageState(weights, existing_counts, target_k), budget, []
    rest = sorted(candidates, key=lambda c: c.id)
    while True:
        best, best_key = None, None
        for cand in rest:
            c = cost(cand, budget_unit)
            gain = state.gain(cand)[0]
            if c > left or gain <= 0:
                continue
            key = (gain / c, -c, prefer_smaller_id(cand.id))
            if best_key is None or key > best_key:
                best, best_key = cand, key
        if best is None:
            break
        rest.remove(best)
        left -= cost(best, budget_unit)
        picks.append(state.add(best))
    result = Shortlist(tuple(picks), round(sum(p.marginal_gain for p in picks), 6),
                       state.below_target(), "greedy")
    if budget_unit == "merchants":
        return result
    # Knapsack fix: the best single affordable candidate may beat the ratio greedy.
    fresh = CoverageState(weights, existing_counts, target_k)
    singles = [(fresh.gain(c)[0], prefer_smaller_id(c.id), c)
               for c in candidates if c.store_count <= budget]
    if singles:
        gain, _, cand = max(singles, key=lambda t: t[:2])
        if gain > result.total_gain + 1e-9:
            return build([cand], weights, existing_counts, target_k, "best_single")
    return result
