"""Adding approved stores to the registry: the one entry point the approval flow calls."""

from __future__ import annotations

import math
from uuid import UUID

import asyncpg
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from geo import geodesic_circle
from service.db.queries import load
from service.registry.schemas import STORE_STATUSES, RegistryStoreIn

SQL = load("registry")

__all__ = ["RegistryStoreIn", "add_store"]


def _zone(store: RegistryStoreIn) -> Polygon | MultiPolygon | None:
    if store.zone is not None:
        if not isinstance(store.zone, Polygon | MultiPolygon) or not shapely.is_valid(store.zone):
            raise ValueError("zone must be a valid shapely Polygon or MultiPolygon (WGS-84)")
        return store.zone
    if store.radius_m is not None:
        return geodesic_circle(store.lon, store.lat, store.radius_m)
    return None


def _check(store: RegistryStoreIn) -> None:
    # The approval flow validated the application; these guard against programming errors.
    if not (math.isfinite(store.lon) and math.isfinite(store.lat)):
        raise ValueError("lon/lat must be finite WGS-84 degrees")
    if store.status not in STORE_STATUSES:
        raise ValueError(f"status must be one of {STORE_STATUSES}")
    if store.daily_capacity < 0 or (store.radius_m is not None and store.radius_m <= 0):
        raise ValueError("daily_capacity must be >= 0 and radius_m > 0")


async def add_store(conn: asyncpg.Connection, store: RegistryStoreIn) -> UUID:
    """Register one approved store and its first status-history row; returns its id.

    Idempotent per `application_store_id`: approving the same application store twice
    returns the id registered the first time and changes nothing.
    """
    _check(store)
    zone = _zone(store)
    async with conn.transaction():
        store_id = await conn.fetchval(
            SQL.insert_store,
            store.application_id,
            store.application_store_id,
            store.merchant_name,
            store.name,
            store.address,
            list(store.categories),
            Point(store.lon, store.lat),
            zone,
            store.radius_m,
            store.home_delivery,
            store.emergency_24h,
            store.mobility_assist,
            store.daily_capacity,
            store.status,
        )
        if store_id is None:  # already registered from this application store
            return await conn.fetchval(
                SQL.store_id_by_application_store, store.application_store_id
            )
        await conn.execute(
            SQL.insert_status_history, store_id, None, store.status, "registered", "registry", None
        )
    return store_id
