"""Exact shortlist by mixed-integer programming, for small instances and for checking greedy.

Variables: x_i in {0, 1} picks candidate i; y_c in {0, ..., k - min(k, n_c)} counts the
coverage units added to community c. Maximise sum_c (w_c / k) * y_c subject to
y_c <= sum_i m_ic * x_i and sum_i cost_i * x_i <= budget. HiGHS (scipy.optimize.milp) solves
a few dozen candidates instantly; it is not meant for a national recruitment round.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from scoring.shortlist_model import BudgetUnit, Candidate, Shortlist, build, check_inputs, cost


def exact_shortlist(
    candidates: list[Candidate],
    weights: Mapping[str, float],
    existing_counts: Mapping[str, int],
    target_k: int,
    budget: int,
    budget_unit: BudgetUnit = "merchants",
) -> Shortlist:
    check_inputs(candidates, budget, budget_unit)
    cands = sorted(candidates, key=lambda c: c.id)
    k = target_k
    gaps = {c: k - min(k, existing_counts.get(c, 0)) for c in sorted(weights)}
    comms = [c for c, gap in gaps.items() if gap > 0 and weights[c] > 0]
    n, m = len(cands), len(comms)
    if n == 0 or m == 0:
        return build([], weights, existing_counts, k, "exact")
    objective = np.concatenate([np.zeros(n), [-weights[c] / k for c in comms]])
    # Coverage rows: y_c - sum_i m_ic x_i <= 0.
    cover = np.zeros((m, n + m))
    for j, code in enumerate(comms):
        cover[j, n + j] = 1.0
        for i, cand in enumerate(cands):
            cover[j, i] = -cand.stores_per_community.get(code, 0)
    spend = np.concatenate([[cost(c, budget_unit) for c in cands], np.zeros(m)])
    res = milp(
        objective,
        constraints=[LinearConstraint(cover, -np.inf, 0.0),
                     LinearConstraint(spend[np.newaxis, :], -np.inf, budget)],
        integrality=np.ones(n + m),
        bounds=Bounds(np.zeros(n + m), np.concatenate([np.ones(n), [gaps[c] for c in comms]])),
    )
    if not res.success:
        raise RuntimeError(f"MILP failed: {res.message}")
    chosen = [c for c, x in zip(cands, res.x[:n], strict=True) if x > 0.5]
    # Drop picks that add nothing, as greedy does, so the two are comparable.
    result = build(chosen, weights, existing_counts, k, "exact")
    useful = {p.id for p in result.picks if p.marginal_gain > 0}
    return build([c for c in chosen if c.id in useful], weights, existing_counts, k, "exact")
