"""The naive peer: the serving query as a small team would first write it, in plain Python over
every store (geopy geodesic distance to each, shapely `zone.contains`)."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from geopy.distance import geodesic
from shapely.geometry import Point


async def load_stores(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch("SELECT id, name, geom, zone, status, home_delivery FROM stores")
    return [dict(r) for r in rows]


def serving(stores: list[dict[str, Any]], lon: float, lat: float) -> list[tuple[float, Any]]:
    here = Point(lon, lat)
    found = []
    for s in stores:
        distance = geodesic((lat, lon), (s["geom"].y, s["geom"].x)).meters
        if s["status"] == "active" and s["home_delivery"] and s["zone"].contains(here):
            found.append((distance, s["id"]))
    return sorted(found)


def seconds_per_query(stores: list[dict[str, Any]], points: list[tuple[float, float]]) -> float:
    t0 = time.perf_counter()
    for lon, lat in points:
        serving(stores, lon, lat)
    return (time.perf_counter() - t0) / len(points)
