"""Adding approved stores to the registry: the one entry point the approval flow calls."""

from __future__ import annotations

import math
from uuid import UUID

import asyncpg
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from geo import geodesic_circle, reach_problems
from service.applications.limits import limits
from service.problems import FieldError, invalid
from service.registry import repository as repo
from service.registry.schemas import STORE_STATUSES, RegistryStoreIn

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


def _check_reach(store: RegistryStoreIn, zone: Polygon | MultiPolygon | None) -> None:
    """The same rule as intake: a zone belongs to its store (inside it or within the
    configured gap, no part beyond the configured reach). A store validated before the
    rule existed is refused here rather than offered to households far away."""
    errors = [
        FieldError("/delivery/zone" + p.pointer_suffix, p.code, p.detail_en, p.detail_zh)
        for p in (
            reach_problems(
                store.lon, store.lat, zone,
                max_gap_m=limits().max_zone_gap_m, max_reach_m=limits().max_delivery_reach_m,
            )
            if store.zone is not None and zone is not None else []
        )
    ]
    if store.radius_m is not None and store.radius_m > limits().max_delivery_reach_m:
        reach = limits().max_delivery_reach_m
        errors.append(FieldError(
            "/delivery/radius_m", "radius_out_of_reach",
            f"Deliveries reach at most {reach:,.0f} m from the store",
            f"配送半径最多 {reach:,.0f} 米",
        ))
    if errors:
        raise invalid(errors)


async def add_store(conn: asyncpg.Connection, store: RegistryStoreIn) -> UUID:
    """Register one approved store and its first status-history row; returns its id.

    Idempotent per `application_store_id`: approving the same application store twice
    returns the id registered the first time and changes nothing.
    """
    _check(store)
    zone = _zone(store)
    _check_reach(store, zone)
    async with conn.transaction():
        store_id = await repo.insert_store(
            conn,
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
            store.opening_hours,
        )
        if store_id is None:  # already registered from this application store
            return await repo.store_id_by_application_store(conn, store.application_store_id)
        await repo.insert_status_history(
            conn, store_id, None, store.status, "registered", "registry", None
        )
    return store_id
