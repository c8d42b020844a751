"""Routing one household: rank the stores that can serve it, reserve the best one's capacity."""

from __future__ import annotations

from datetime import date

import asyncpg
from shapely.geometry import Point

from service.config import Settings
from service.dispatch import repository as repo
from service.dispatch.schemas import Fallback, Ranking, Reserved, RouteAnswer, RouteRequest
from service.registry.places import point_answer, service_day
from service.registry.ranking import RANKING_EN, RANKING_ZH, rank
from service.registry.schemas import CrsName, StoreSummary
from service.registry.views import store_summary

# Nearest stores fetched before ranking; ranking only reorders within 100 m bands, so the
# best `limit` are among them.
_FETCH = 50


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


async def _reserve_first(
    conn: asyncpg.Connection, options: list[StoreSummary], req: RouteRequest, by: str, day: date,
    point: Point,
) -> tuple[Reserved | None, list[StoreSummary]]:
    """Reserve the best option, falling through when another request took its last unit."""
    kept: list[StoreSummary] = []
    reserved: Reserved | None = None
    for option in options:
        if reserved is not None:
            kept.append(option)
            continue
        got = await repo.reserve(conn, option.id, day, req.household.ref, by, point=point)
        if got is None:
            continue  # lost the race for its last unit: no longer an option
        row, left = got
        option.capacity_left = left
        reserved = Reserved(row["id"], option.id, option.name, day, left)
        kept.append(option)
    return reserved, kept


async def route(conn: asyncpg.Connection, req: RouteRequest, by: str, crs: CrsName,
                settings: Settings) -> RouteAnswer:
    h = req.household
    point = Point(*h.wgs84())
    day = service_day()
    rows = await repo.candidates(
        conn, point, sorted(set(req.categories)), day,
        home_delivery=req.home_delivery, walk_m=req.walk_m, limit=_FETCH,
    )
    options = rank([store_summary(r, crs) for r in rows], req.phase, req.mobility_assist)
    reserved = None
    if req.reserve and options:
        reserved, options = await _reserve_first(conn, options, req, by, day, point)
    options = options[: req.limit]
    fallback = None
    if not options or (req.reserve and reserved is None):
        # Fully booked, or nobody in reach at all? Ask again ignoring capacity.
        full = bool(rows) or bool(await repo.candidates(
            conn, point, sorted(set(req.categories)), day, home_delivery=req.home_delivery,
            walk_m=req.walk_m, limit=1, min_left=0,
        ))
        fallback = _fallback(settings, exhausted=full)
    return RouteAnswer(
        household=await point_answer(conn, h.lon, h.lat, h.crs, point), crs=crs,
        phase=req.phase, home_delivery=req.home_delivery, categories=sorted(set(req.categories)),
        day=day, ranking=Ranking(RANKING_EN, RANKING_ZH), options=options, reserved=reserved,
        fallback=fallback,
    )
