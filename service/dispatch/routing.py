"""Routing one household: rank the stores that can serve it, reserve the best one's capacity.

The worker's registry index finds the stores that could serve the point; one statement
(migration 0025 route_reserve) then reads their status and capacity today, the point's
community and the registry version, and reserves for the best of them, re-checking status and
capacity under the capacity row's lock: one round trip, one short transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from shapely.geometry import Point

from service.config import Settings
from service.dispatch import repository as repo
from service.dispatch.schemas import Fallback, Ranking, Reserved, RouteAnswer, RouteRequest
from service.registry import serving as registry_serving
from service.registry.index import Candidate, Found, RegistryIndex
from service.registry.index_listener import RegistryIndexHolder
from service.registry.places import service_day
from service.registry.ranking import RANKING_EN, RANKING_ZH, rank, rank_tier
from service.registry.schemas import CommunityRef, CrsName
from service.registry.views import store_summary

# Nearest stores with capacity left that are ranked; ranking only reorders within 100 m bands,
# so the best `limit` are among them.
_FETCH = 50
# Candidates sent first: at least this many of the nearest, to the end of their 100 m band.
# A store in a later band ranks after every store in it, so when one of them can take the
# household it is the best; only when they are all full (or too few have capacity to list
# `limit` options) are the rest asked, in a second statement.
_FIRST = 30
# Index refreshes a request waits for before it takes the answer of the index it has.
_REBUILDS = 2


def _fallback(settings: Settings, exhausted: bool) -> Fallback:
    if exhausted:
        en = "Every store that could serve this household is fully booked today."
        zh = "今日可服务该住户的门店接待量均已约满。"
    else:
        en = ("No active local store can serve this household (none in reach carries these "
              "categories with capacity left today).")
        zh = "附近没有可服务该住户的在营门店（在服务范围内且有所需品类、今日仍有接待量）。"
    return Fallback(
        reason="capacity_exhausted" if exhausted else "no_local_store",
        name=settings.online_fallback_name, url=settings.online_fallback_url,
        detail_en=en + " Offer the online platform with free home delivery.",
        detail_zh=zh + "请改用线上平台（免费送货上门）。",
    )


def _found(index: RegistryIndex, req: RouteRequest, point: Point, categories: list[str]
           ) -> Found:
    if req.home_delivery:
        return index.serving(point, categories)
    return index.within(point, req.walk_m, categories)


Pick = Callable[[Found], tuple[list[Candidate], int]]  # candidates to ask, how many left out


def _nearest_bands(found: Found) -> tuple[list[Candidate], int]:
    n = registry_serving.ranked_among(found, _FIRST)
    return found.candidates({}, n), len(found) - n


def _all_but(asked: set[UUID]) -> Pick:
    return lambda found: ([c for c in found.candidates({}) if c.id not in asked], 0)


async def _reserve_among(conn: asyncpg.Connection, holder: RegistryIndexHolder,
                         req: RouteRequest, point: Point, categories: list[str], day: date,
                         by: str, reserve: bool, pick: Pick
                         ) -> tuple[RegistryIndex, list[Candidate], int, list[asyncpg.Record]]:
    """One statement over the candidates `pick` takes from what the index finds. An index
    older than the registry is refreshed first, so every change committed before the request
    counts."""
    index = await registry_serving.index_of(holder, conn)
    for attempt in range(_REBUILDS + 1):
        candidates, left_out = pick(_found(index, req, point, categories))
        tiers = [rank_tier(c.distance_m, c.emergency_24h, c.mobility_assist, req.phase,
                           req.mobility_assist) for c in candidates]
        rows = await repo.route_reserve(
            conn, [c.id for c in candidates], tiers, day,
            index.version if attempt < _REBUILDS else None, point, _FETCH, reserve,
            req.household.ref, by)
        if rows[0]["version"] <= index.version or attempt == _REBUILDS:
            return index, candidates, left_out, rows
        await holder.refresh(conn)
        index = await registry_serving.index_of(holder, conn)
    raise AssertionError("unreachable")


async def _ask(conn: asyncpg.Connection, holder: RegistryIndexHolder, req: RouteRequest,
               point: Point, categories: list[str], day: date, by: str
               ) -> tuple[RegistryIndex, dict[UUID, Candidate], dict[str, Any],
                          list[asyncpg.Record]]:
    """The index's candidates checked (and one reserved) in the database: the nearest bands
    first; the rest only when those cannot take the household or list `limit` options.
    Returns the index, the candidates asked by id, the head row (in_reach over both) and the
    kept rows, each part in ranking order (every store of the rest ranks after the first's)."""
    index, asked, left_out, rows = await _reserve_among(
        conn, holder, req, point, categories, day, by, req.reserve, _nearest_bands)
    head, kept = dict(rows[0]), rows[1:]
    reserved = any(r["reservation_id"] is not None for r in kept)
    if left_out and ((req.reserve and not reserved) or len(kept) < req.limit):
        index, more, _, rows = await _reserve_among(
            conn, holder, req, point, categories, day, by, req.reserve and not reserved,
            _all_but({c.id for c in asked}))
        asked += more
        kept += rows[1:]
        head["in_reach"] = head["in_reach"] or rows[0]["in_reach"]
    return index, {c.id: c for c in asked}, head, kept


async def route(conn: asyncpg.Connection, req: RouteRequest, by: str, crs: CrsName,
                settings: Settings, index: RegistryIndexHolder) -> RouteAnswer:
    h = req.household
    point = Point(*h.wgs84())
    day = service_day()
    categories = sorted(set(req.categories))
    current, by_id, head, kept = await _ask(conn, index, req, point, categories, day, by)
    for r in kept:
        by_id[r["id"]].capacity_left = r["capacity_left"]
    # the database ranked with these capacities too: the same order
    ranked = rank([by_id[r["id"]] for r in kept], req.phase, req.mobility_assist)
    reserved = None
    got = next((r for r in kept if r["reservation_id"] is not None), None)
    if got is not None:
        k = next(i for i, c in enumerate(ranked) if c.id == got["id"])
        ranked = ranked[k:]  # those ranked before it filled up or closed meanwhile
        ranked[0].capacity_left = got["reserved_left"]
    elif req.reserve:
        ranked = []
    options = [store_summary(current.summary_row(c), crs) for c in ranked[: req.limit]]
    if got is not None:
        reserved = Reserved(got["reservation_id"], options[0].id, options[0].name, day,
                            got["reserved_left"])
    fallback = None
    if not options or (req.reserve and reserved is None):
        # Fully booked, or nobody in reach at all?
        fallback = _fallback(settings, exhausted=bool(kept) or bool(head["in_reach"]))
    community = (CommunityRef(head["community_code"], head["community_name"])
                 if head["community_code"] is not None else None)
    return RouteAnswer(
        household=registry_serving.point_answer(h.lon, h.lat, h.crs, point, community),
        crs=crs, phase=req.phase, home_delivery=req.home_delivery, categories=categories,
        day=day, ranking=Ranking(RANKING_EN, RANKING_ZH), options=options, reserved=reserved,
        fallback=fallback,
    )
