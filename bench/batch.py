"""Batch assignment: 10,000 households to 1,000 stores with capacities, optimal against greedy.

In-process, as service.dispatch.batch builds it: each household's `CANDIDATES` nearest stores
(geodesic metres) are its edges; `optimal_assignment` (max-flow, then HiGHS LP) against
`greedy_assignment` (shortest edge first) on the same edges.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from bench.synth import CORE, _offset
from geo import geodesic_m_array
from service.dispatch.assignment import Edges, greedy_assignment, optimal_assignment

CANDIDATES = 10  # AssignRequest.candidates default


def problem(store_lon: np.ndarray, store_lat: np.ndarray, capacity: np.ndarray,
            n_households: int, seed: int, crowd: float) -> Edges:
    rng = np.random.default_rng(seed)
    # households where the places are (near stores, in proportion to their capacity), a share
    # `crowd` of them crowded round a few blocks of flats
    pick = rng.choice(len(store_lon), size=n_households, p=capacity / capacity.sum())
    spread = np.where(rng.random(n_households) < crowd, 0.3, 1.0)
    hx, hy = _offset(store_lon[pick], store_lat[pick],
                     rng.normal(0, 1, n_households) * spread,
                     rng.normal(0, 1, n_households) * spread)
    scale = np.cos(np.radians(CORE[1]))
    tree = cKDTree(np.column_stack([store_lon * scale, store_lat]))
    _, nearest = tree.query(np.column_stack([hx * scale, hy]), k=CANDIDATES)
    hh = np.repeat(np.arange(n_households), CANDIDATES)
    st = nearest.ravel()
    dist = geodesic_m_array(hx[hh], hy[hh], store_lon[st], store_lat[st])
    return Edges(n_households, capacity.astype(np.int64), hh, st.astype(np.int64), dist)


def solve(edges: Edges) -> dict[str, Any]:
    t0 = time.perf_counter()
    best = optimal_assignment(edges)
    t1 = time.perf_counter()
    greedy = greedy_assignment(edges)
    t2 = time.perf_counter()
    return {
        "seconds": t1 - t0, "greedy_seconds": t2 - t1, "method": best.method,
        "assigned": best.assigned, "greedy_assigned": greedy.assigned,
        "total_km": best.total_distance / 1000, "greedy_total_km": greedy.total_distance / 1000,
        "distance_ratio": best.total_distance / greedy.total_distance,
    }
