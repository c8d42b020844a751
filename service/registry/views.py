"""Database rows to API shapes, coordinates converted to the caller's CRS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import asyncpg
import msgspec

from geo import from_wgs84
from service.registry.places import geometry_out, lonlat_out
from service.registry.schemas import (
    CapacityToday,
    CrsName,
    HistoryEntry,
    ReservationOut,
    StoreDetail,
    StoreSummary,
)

S = TypeVar("S", bound=msgspec.Struct)


def from_row(cls: type[S], row: Mapping[str, Any], **converted: Any) -> S:
    """`cls` filled from the row's columns of the same names (the struct's fields are the one
    column list: the SQL selects them by those names); `converted` gives the few fields not
    taken as stored (coordinates in the caller's CRS, rounding, clamping)."""
    return cls(**{f: row[f] for f in cls.__struct_fields__ if f not in converted}, **converted)


def store_summary(row: asyncpg.Record | dict[str, Any], crs: CrsName) -> StoreSummary:
    # lon/lat come as plain numbers (ST_X/ST_Y): no WKB decoding per row on hot paths
    x, y = from_wgs84(row["lon"], row["lat"], crs)
    lon, lat = round(x, 7), round(y, 7)
    return from_row(
        StoreSummary, row, categories=list(row["categories"]), lon=lon, lat=lat,
        distance_m=round(float(row["distance_m"]), 1), capacity_left=max(0, row["capacity_left"]),
    )


def store_detail(row: asyncpg.Record, history: list[asyncpg.Record], day: Any,
                 crs: CrsName) -> StoreDetail:
    lon, lat = lonlat_out(row["geom"], crs)
    return from_row(
        StoreDetail, row, categories=list(row["categories"]), crs=crs, lon=lon, lat=lat,
        zone=geometry_out(row["zone"], crs) if row["zone"] is not None else None,
        capacity_today=CapacityToday(
            day=day, capacity=row["capacity_today"], reserved=row["reserved_today"],
            left=max(0, row["capacity_left"]),
        ),
        history=[from_row(HistoryEntry, h) for h in history],
    )


# The stores columns an exported feature carries as properties, in this order.
FEATURE_COLUMNS = ("name", "merchant_name", "address", "categories", "home_delivery", "radius_m",
                   "emergency_24h", "mobility_assist", "daily_capacity", "opening_hours", "status",
                   "status_reason")


def store_features(row: asyncpg.Record, crs: CrsName, layer: str) -> list[dict[str, Any]]:
    """A store as GeoJSON features: its location (Point) and, separately, its delivery zone
    (MultiPolygon). Two single-type features rather than a GeometryCollection or a nested
    `zone` property: QGIS/OGR splits a mixed file into one Point and one Polygon sublayer,
    while it cannot draw a geometry hidden in a property."""
    props = {"store_id": str(row["id"]), **{c: row[c] for c in FEATURE_COLUMNS}}
    # a comma-separated string: OGR turns JSON arrays into list fields QGIS filters poorly
    props["categories"] = ",".join(row["categories"])
    features = []
    if layer in ("all", "points"):
        features.append({
            "type": "Feature", "id": str(row["id"]),
            "geometry": geometry_out(row["geom"], crs),
            "properties": {"feature_kind": "store", **props},
        })
    if layer in ("all", "zones") and row["zone"] is not None and row["home_delivery"]:
        features.append({
            "type": "Feature", "id": f"{row['id']}/zone",
            "geometry": geometry_out(row["zone"], crs),
            "properties": {"feature_kind": "delivery_zone", **props},
        })
    return features


def _xy(lon: float | None, lat: float | None, crs: CrsName) -> tuple[float | None, float | None]:
    if lon is None or lat is None:
        return None, None
    x, y = from_wgs84(lon, lat, crs)
    return round(x, 7), round(y, 7)


def reservation_out(row: asyncpg.Record, crs: CrsName) -> ReservationOut:
    store_lon, store_lat = _xy(row["store_lon"], row["store_lat"], crs)
    lon, lat = _xy(row["household_lon"], row["household_lat"], crs)
    return ReservationOut(
        id=row["id"], store_id=row["store_id"], store_name=row["store_name"],
        merchant_name=row["merchant_name"], store_status=row["store_status"],
        store_lon=store_lon or 0.0, store_lat=store_lat or 0.0, day=row["day"],
        household_ref=row["household_ref"], household_lon=lon, household_lat=lat,
        created_by=row["created_by"], created_at=row["created_at"],
        released_at=row["released_at"],
    )
