"""Dispatch reads and writes: thin wrappers over the named queries in sql/dispatch.sql."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
import numpy as np
from shapely.geometry import Point

from service.db.queries import load

SQL = load("dispatch")
BATCH_TIMEOUT_S = 60.0
Rows = list[asyncpg.Record]


async def route_reserve(conn: asyncpg.Connection, ids: list[UUID], tiers: list[int], day: date,
                        index_version: int | None, point: Point, take: int, reserve: bool,
                        household_ref: str | None, by: str) -> Rows:
    """Routing's one round trip (dispatch.sql route_reserve): the candidates' live state, the
    point's community and the registry version, and the reservation when asked."""
    return await conn.fetch(SQL.route_reserve, ids, tiers, day, index_version, point, take,
                            reserve, household_ref, by)


async def reserve_first(conn: asyncpg.Connection, store_ids: list[UUID], day: date,
                        household_ref: str | None, by: str, *, point: Point | None = None
                        ) -> asyncpg.Record | None:
    """A unit of the first of the ranked stores that can still take one today, and its
    reservation row (with the household's WGS-84 point, for finding it again by ref), in one
    statement; None when none can. The row: id, store_id, capacity_left, created_at."""
    return await conn.fetchrow(SQL.reserve_first, store_ids, day, household_ref, by, point)


async def reserve(conn: asyncpg.Connection, store_id: UUID, day: date, household_ref: str | None,
                  by: str, *, point: Point | None = None) -> tuple[asyncpg.Record, int] | None:
    """One unit of today's capacity at this store and its reservation row; None when full."""
    row = await reserve_first(conn, [store_id], day, household_ref, by, point=point)
    return None if row is None else (row, row["capacity_left"])


async def release(conn: asyncpg.Connection, reservation_id: UUID) -> tuple[asyncpg.Record, bool]:
    """(reservation, released now?); the capacity unit goes back only the first time."""
    async with conn.transaction():
        released = await conn.fetchrow(SQL.release_reservation, reservation_id)
        if released is not None:
            await conn.execute(SQL.unreserve_capacity, released["store_id"], released["day"])
        row = await conn.fetchrow(SQL.reservation_by_id, reservation_id)
    return row, released is not None


async def batch_pairs(conn: asyncpg.Connection, lon: np.ndarray, lat: np.ndarray,
                      categories: list[str], day: date, *, home_delivery: bool, walk_m: float,
                      per_household: int) -> Rows:
    args = (lon.tolist(), lat.tolist(), categories, day, per_household)
    # A batch of 10,000 households is one planned, bounded job: give it more time than
    # the per-request command timeout meant for interactive queries.
    if home_delivery:
        return await conn.fetch(SQL.assign_delivery_pairs, *args, timeout=BATCH_TIMEOUT_S)
    return await conn.fetch(SQL.assign_walkin_pairs, *args, walk_m, timeout=BATCH_TIMEOUT_S)


async def store_info(conn: asyncpg.Connection, store_ids: list[UUID], day: date) -> Rows:
    return await conn.fetch(SQL.assign_store_info, store_ids, day)


async def reservations_by_household(conn: asyncpg.Connection, ref: str, day: date) -> Rows:
    return await conn.fetch(SQL.reservations_by_household, ref, day)
