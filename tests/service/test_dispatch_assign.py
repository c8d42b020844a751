"""Batch assignment: optimal within capacities beats the greedy baseline; reasons reported."""

from __future__ import annotations

from typing import Any

import asyncpg
import numpy as np
from litestar.testing import AsyncTestClient
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from service.dispatch import assignment
from service.dispatch.assignment import (
    UNASSIGNED,
    Edges,
    greedy_assignment,
    nearest_edges,
    optimal_assignment,
)
from tests.service.test_registry_builders import store
from tests.support import bearer

LON, LAT = 116.4640, 39.9268


def edges(n: int, capacity: list[int], triples: list[tuple[int, int, float]]) -> Edges:
    hh, st, dist = zip(*triples, strict=True)
    return Edges(n, np.array(capacity), np.array(hh), np.array(st), np.array(dist, dtype=float))


def test_optimal_beats_greedy_on_a_constructed_batch() -> None:
    # h0 is near both stores; h1 is near A only. Greedy gives A to h0 (the shortest edge) and
    # sends h1 far away to B; optimal sends h0 to B and keeps h1 at A.
    problem = edges(2, [1, 1], [(0, 0, 100.0), (0, 1, 200.0), (1, 0, 110.0), (1, 1, 2000.0)])
    greedy, best = greedy_assignment(problem), optimal_assignment(problem)
    assert greedy.total_distance == 2100.0 and greedy.assigned == 2
    assert best.total_distance == 310.0 and best.assigned == 2
    assert best.store_of.tolist() == [1, 0]


def test_serves_as_many_as_possible_then_least_distance() -> None:
    # Greedy serves only one household (h0 takes the store h1 needed); optimal serves both.
    problem = edges(2, [1, 1], [(0, 0, 10.0), (0, 1, 50.0), (1, 0, 20.0)])
    assert greedy_assignment(problem).assigned == 1
    best = optimal_assignment(problem)
    assert best.assigned == 2 and best.store_of.tolist() == [1, 0]


def test_random_batches_respect_capacity_and_never_lose_to_greedy() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        n, m = 300, 20
        hh = np.repeat(np.arange(n), 6)
        st = rng.integers(0, m, size=len(hh))
        pairs = np.unique(np.c_[hh, st], axis=0)
        problem = Edges(n, rng.integers(5, 20, size=m), pairs[:, 0], pairs[:, 1],
                        rng.uniform(50, 3000, size=len(pairs)))
        best, greedy = optimal_assignment(problem), greedy_assignment(problem)
        used = np.bincount(best.store_of[best.store_of != UNASSIGNED], minlength=m)
        assert (used <= problem.capacity).all()
        assert best.assigned >= greedy.assigned
        if best.assigned == greedy.assigned:
            assert best.total_distance <= greedy.total_distance + 1e-6


def test_the_solver_gets_only_what_can_run_out(monkeypatch: Any) -> None:
    """A household whose nearest store has room for everyone who could use it takes that store
    without the LP, and only stores that can run out get a capacity row (HiGHS' memory grows
    with the LP): the optimum is still the one of the LP over every household and store."""
    rows: list[int] = []
    real_milp = assignment.milp

    def counting(*args: Any, constraints: list[Any], **kw: Any) -> Any:
        rows.append(sum(c.A.shape[0] for c in constraints))
        return real_milp(*args, constraints=constraints, **kw)

    monkeypatch.setattr(assignment, "milp", counting)
    rng = np.random.default_rng(11)
    for _ in range(4):
        n, m = 400, 60
        hh = np.repeat(np.arange(n), 5)
        st = rng.integers(0, m, size=len(hh))
        pairs = np.unique(np.c_[hh, st], axis=0)
        capacity = np.where(np.arange(m) % 3 == 0, rng.integers(1, 6, size=m), 1000)
        problem = Edges(n, capacity, pairs[:, 0], pairs[:, 1], rng.uniform(50, 3000, len(pairs)))
        rows.clear()
        best = optimal_assignment(problem)
        assert len(rows) == 1 and rows[0] < n // 2  # was n + m + 1
        idx = np.arange(len(pairs))
        everyone = real_milp(c=problem.dist, bounds=Bounds(0, 1), constraints=[
            LinearConstraint(sparse.csr_matrix((np.ones(len(idx)), (pairs[:, 0], idx))), 0, 1),
            LinearConstraint(sparse.csr_matrix((np.ones(len(idx)), (pairs[:, 1], idx))), 0,
                             capacity),
            LinearConstraint(np.ones((1, len(idx))), best.assigned, best.assigned)])
        assert best.assigned == assignment.max_assignable(problem)
        assert everyone.success and abs(everyone.fun - best.total_distance) < 1e-6
        used = np.bincount(best.store_of[best.store_of != UNASSIGNED], minlength=m)
        assert (used <= capacity).all() and used[capacity < 1000].sum() > 0


def test_a_household_keeps_its_nearest_store_when_that_has_room_for_all() -> None:
    # A has room for all three households that could use it: h0 and h1, nearest to it, are
    # settled there. B has one place, h2's nearest and h3's only store: the solver serves both
    # by sending h2 to A's last place.
    problem = edges(4, [3, 1], [(0, 0, 10.0), (1, 0, 20.0), (1, 1, 30.0), (2, 1, 5.0),
                                (2, 0, 40.0), (3, 1, 50.0)])
    assert sorted(assignment.settled(problem).tolist()) == [0, 1]
    best = optimal_assignment(problem)
    assert best.store_of.tolist() == [0, 0, 0, 1] and best.total_distance == 120.0


def test_nearest_edges_keeps_each_households_closest() -> None:
    problem = edges(2, [1, 1, 1], [(0, 0, 30.0), (0, 1, 10.0), (0, 2, 20.0), (1, 2, 5.0)])
    kept = nearest_edges(problem, 2)
    assert sorted(zip(kept.hh.tolist(), kept.st.tolist(), strict=True)) == [(0, 1), (0, 2),
                                                                             (1, 2)]


async def test_assign_endpoint_plans_within_capacity(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    a = await store(conn, LON, LAT, daily_capacity=1, name="A")
    b = await store(conn, LON + 0.004, LAT, daily_capacity=1, name="B")  # ~340 m east of A
    households = [
        {"ref": "h0", "lon": LON + 0.0010, "lat": LAT},  # 85 m from A, 256 m from B
        {"ref": "h1", "lon": LON - 0.0011, "lat": LAT},  # 94 m from A, 434 m from B
        {"ref": "h3", "lon": LON - 0.0080, "lat": LAT},  # 682 m from A only: A is better used
        {"ref": "far", "lon": 116.20, "lat": 40.20},  # nobody in reach
    ]
    response = await client.post(
        "/api/v1/dispatch/assign",
        json={"households": households, "home_delivery": False, "walk_m": 1000},
        headers=bearer(tokens["dispatcher"]))
    assert response.status_code == 200, response.text
    plan = response.json()
    placed = {x["ref"]: x["store_id"] for x in plan["assignments"]}
    assert placed == {"h0": str(b), "h1": str(a)}
    reasons = {x["ref"]: x["reason"] for x in plan["unassigned"]}
    assert reasons == {"h3": "capacity_exhausted", "far": "no_store_in_reach"}
    summary = plan["summary"]
    assert summary["assigned"] == summary["greedy_assigned"] == 2
    assert summary["method"] == "optimal"
    # greedy: h0->A (85) then h1->B (434); optimal: h1->A (94) + h0->B (256)
    assert abs(summary["total_distance_m"] - 350) < 3
    assert abs(summary["greedy_total_distance_m"] - 519) < 3
    # nothing is reserved by a plan
    assert await conn.fetchval("SELECT count(*) FROM reservations") == 0


async def test_assign_limits_and_validation(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    too_many = [{"ref": str(i), "lon": LON, "lat": LAT} for i in range(10_001)]
    response = await client.post(
        "/api/v1/dispatch/assign", json={"households": too_many, "home_delivery": False},
        headers=bearer(tokens["dispatcher"]))
    assert response.status_code in (413, 422)
    dupes = await client.post(
        "/api/v1/dispatch/assign",
        json={"households": [{"ref": "x", "lon": LON, "lat": LAT},
                             {"ref": "x", "lon": LON, "lat": LAT},
                             {"ref": "y", "lon": 2.35, "lat": 48.85}],
              "home_delivery": False},
        headers=bearer(tokens["dispatcher"]))
    assert dupes.status_code == 422
    assert {e["pointer"] for e in dupes.json()["errors"]} == {"/households/1/ref"}
    abroad = await client.post(
        "/api/v1/dispatch/assign",
        json={"households": [{"ref": "y", "lon": 2.35, "lat": 48.85}], "home_delivery": False},
        headers=bearer(tokens["dispatcher"]))
    assert abroad.status_code == 422
    assert abroad.json()["errors"][0]["pointer"] == "/households/0/lon"
    reviewer = await client.post(
        "/api/v1/dispatch/assign",
        json={"households": [{"ref": "y", "lon": LON, "lat": LAT}], "home_delivery": False},
        headers=bearer(tokens["reviewer"]))
    assert reviewer.status_code == 403
