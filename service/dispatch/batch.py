"""Planning a batch: households to stores within today's capacities, least total distance.

A plan, not a booking: nothing is reserved (routing one household reserves). Candidate pairs
come from the database (each household's nearest stores that can serve it, index-assisted);
exact ellipsoidal distances are computed here in one vectorised call.
"""

from __future__ import annotations

import asyncio

import asyncpg
import numpy as np

from geo import geodesic_m_array, in_china, to_wgs84_array
from service.dispatch import repository as repo
from service.dispatch.assignment import (
    UNASSIGNED,
    Edges,
    greedy_assignment,
    nearest_edges,
    optimal_assignment,
)
from service.dispatch.schemas import (
    AssignAnswer,
    Assigned,
    AssignRequest,
    AssignSummary,
    Unassigned,
)
from service.memory import give_back
from service.problems import FieldError, invalid
from service.registry.places import service_day

_NO_STORE = ("no_store_in_reach",
             "No active store with these categories and capacity left today can serve it.",
             "没有可服务该住户、有所需品类且今日仍有接待量的在营门店。")
_FULL = ("capacity_exhausted",
         "Its nearest candidate stores are fully used by this plan.",
         "其附近的候选门店已被本批次排满。")


def _wgs84(req: AssignRequest) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = to_wgs84_array([h.lon for h in req.households], [h.lat for h in req.households],
                              req.crs)
    errors = [
        FieldError(f"/households/{i}/lon", "outside_china",
                   "The household is not inside China (check lon/lat order and crs).",
                   "该住户位置不在中国境内（请检查经纬度顺序与坐标系）。")
        for i, (x, y) in enumerate(zip(lon, lat, strict=True)) if not in_china(x, y)
    ]
    if errors:
        raise invalid(errors[:50])
    return lon, lat


async def plan(conn: asyncpg.Connection, req: AssignRequest) -> AssignAnswer:
    day = service_day()
    lon, lat = _wgs84(req)
    pairs = await repo.batch_pairs(
        conn, lon, lat, sorted(set(req.categories)), day, home_delivery=req.home_delivery,
        walk_m=req.walk_m, per_household=req.candidates,
    )
    hh = np.fromiter((r["i"] - 1 for r in pairs), dtype=np.int64, count=len(pairs))
    store_ids = sorted({r["id"] for r in pairs})
    index = {sid: j for j, sid in enumerate(store_ids)}
    st = np.fromiter((index[r["id"]] for r in pairs), dtype=np.int64, count=len(pairs))
    info = {r["id"]: r for r in await repo.store_info(conn, store_ids, day)}
    s_lon = np.array([info[s]["lon"] for s in store_ids], dtype=np.float64)
    s_lat = np.array([info[s]["lat"] for s in store_ids], dtype=np.float64)
    capacity = np.array([max(0, info[s]["capacity_left"]) for s in store_ids], dtype=np.int64)
    names = [info[s]["name"] for s in store_ids]
    del pairs, info, index  # ~100,000 Records for 10,000 households: not held through the solve
    dist = geodesic_m_array(lon[hh], lat[hh], s_lon[st], s_lat[st]) if len(hh) else np.empty(0)
    edges = nearest_edges(Edges(len(lon), capacity, hh, st, dist), req.candidates)
    del hh, st, dist  # the edges kept are copies
    give_back()  # before the solver's thread allocates in an arena of its own

    # Seconds of CPU for a large batch: solve off the event loop so routing stays responsive.
    best = await asyncio.to_thread(optimal_assignment, edges)
    greedy = greedy_assignment(edges)
    give_back()  # the solver's working memory, freed in its thread's arena
    reachable = np.zeros(len(lon), dtype=bool)
    reachable[edges.hh] = True

    assignments, unassigned = [], []
    for i, h in enumerate(req.households):
        j = best.store_of[i]
        if j != UNASSIGNED:
            assignments.append(Assigned(h.ref, store_ids[j], names[j],
                                        round(float(best.distance[i]), 1)))
        else:
            reason = _FULL if reachable[i] else _NO_STORE
            unassigned.append(Unassigned(h.ref, *reason))  # type: ignore[arg-type]
    return AssignAnswer(
        day=day,
        summary=AssignSummary(
            households=len(lon), assigned=best.assigned,
            total_distance_m=round(best.total_distance, 1), greedy_assigned=greedy.assigned,
            greedy_total_distance_m=round(greedy.total_distance, 1), method=best.method,
        ),
        assignments=assignments, unassigned=unassigned,
    )
