"""Points and shapes in and out of the API: callers' CRS in, WGS-84 stored, callers' CRS out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import asyncpg
import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo import from_wgs84, in_china, to_geojson, to_wgs84, transform_geometry
from service.problems import BadRequest, FieldError
from service.registry import repository as repo
from service.registry.schemas import CommunityRef, CrsName, PointAnswer

# China keeps one time zone and no daylight saving: a service day is a Beijing calendar day.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def service_day(now: datetime | None = None) -> date:
    """Today in Beijing: capacity and reservations count per Beijing day."""
    return (now or datetime.now(UTC)).astimezone(BEIJING).date()


def point_in(lon: float, lat: float, crs: CrsName, pointer: str = "") -> Point:
    """A caller's point as a WGS-84 shapely Point; 400 naming lon/lat when not in China."""
    wlon, wlat = to_wgs84(lon, lat, crs)
    if not in_china(wlon, wlat):
        raise BadRequest(
            "The point is not inside China; check the coordinate order and system.",
            "该位置不在中国境内，请检查经纬度顺序与坐标系。",
            errors=[
                FieldError(f"{pointer}/{axis}", "outside_china", "Not in China.", "不在中国境内。")
                for axis in ("lon", "lat")
            ],
        )
    return Point(wlon, wlat)


def lonlat_out(point: BaseGeometry, crs: CrsName) -> tuple[float, float]:
    x, y = from_wgs84(point.x, point.y, crs)
    return round(x, 7), round(y, 7)


def geometry_out(geom: BaseGeometry, crs: CrsName) -> dict[str, Any]:
    """GeoJSON geometry in `crs`, coordinates rounded to ~1 cm (7 decimals)."""
    out = transform_geometry(geom, "wgs84", crs)
    return to_geojson(shapely.transform(out, lambda xy: np.round(xy, 7)))


async def community_at(conn: asyncpg.Connection, point: Point) -> CommunityRef | None:
    row = await repo.community_at(conn, point)
    return CommunityRef(row["code"], row["name"]) if row else None


async def point_answer(
    conn: asyncpg.Connection, lon: float, lat: float, crs: CrsName, point: Point,
    community: CommunityRef | None = None,
) -> PointAnswer:
    """The point as asked and in WGS-84, with its community (looked up unless given)."""
    return PointAnswer(
        lon=lon, lat=lat, crs=crs, lon_wgs84=round(point.x, 7), lat_wgs84=round(point.y, 7),
        community=community or await community_at(conn, point),
    )
