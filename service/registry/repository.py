"""Registry reads and writes: thin wrappers over the named queries in sql/registry.sql."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from service.db.pool import Database
from service.db.queries import load
from service.memory import give_back
from service.registry import serves
from service.registry.coverage_cache import CoverageCache

SQL = load("registry")
Rows = list[asyncpg.Record]


async def store_detail(conn: asyncpg.Connection, store_id: UUID, day: date) -> asyncpg.Record:
    return await conn.fetchrow(SQL.store_detail, store_id, day)


async def store_history(conn: asyncpg.Connection, store_id: UUID, limit: int = 50) -> Rows:
    return await conn.fetch(SQL.store_history, store_id, limit)


async def change_status(
    conn: asyncpg.Connection, store_id: UUID, status: str, reason: str, by: str
) -> tuple[str, str] | None:
    """(from, to) after the change, or None when the store does not exist.

    The row lock serialises concurrent changes, so each history row names the status it
    really replaced. Setting the status it already has records nothing.
    """
    async with conn.transaction():
        current = await conn.fetchval(SQL.lock_store_status, store_id)
        if current is None:
            return None
        if current != status:
            await conn.execute(SQL.update_store_status, store_id, status, reason, by)
            await conn.execute(SQL.insert_status_history, store_id, current, status, reason, by,
                               None)
    return current, status


COVERAGE_PARTS = 2  # one per core of the database server we measured on


async def coverage(db: Database, walk_m: float, min_stores: int, list_limit: int,
                   with_geometry: bool, cache: CoverageCache) -> Rows:
    """The coverage rows, reused while no store or community has changed since.

    A cold report probes two indexes per community (seconds at 10,000 communities); its
    parts run on separate connections so the database can use more than one core.
    """
    async with db.acquire() as conn:
        version = await conn.fetchval(SQL.registry_version)
    key = (version, walk_m, min_stores, list_limit, with_geometry)
    rows = cache.get(key)
    if rows is None:
        async def part(i: int) -> Rows:
            async with db.acquire() as conn:
                return await serves.coverage_part(conn, walk_m, min_stores, list_limit,
                                                  with_geometry, i, COVERAGE_PARTS)

        parts = await asyncio.gather(*(part(i) for i in range(COVERAGE_PARTS)))
        rows = sorted((r for p in parts for r in p), key=lambda r: r["code"])
        cache.put(key, rows)
        del parts
        give_back()  # what reading the rows took beyond the rows kept
    return rows


async def export_stores(conn: asyncpg.Connection, status: str | None) -> Rows:
    return await conn.fetch(SQL.export_stores, status)


async def stores_in_area(conn: asyncpg.Connection, area: BaseGeometry) -> Rows:
    return await conn.fetch(SQL.stores_in_area, area)


async def coverage_loss(conn: asyncpg.Connection, store_ids: list[UUID], walk_m: float) -> Rows:
    return await serves.coverage_loss(conn, store_ids, walk_m)


async def delivering_into(conn: asyncpg.Connection, area: BaseGeometry, day: date) -> Rows:
    return await conn.fetch(SQL.delivering_into_area, area, day)


async def communities_in(conn: asyncpg.Connection, area: BaseGeometry) -> Rows:
    return await conn.fetch(SQL.communities_in_area, area)


async def insert_disaster_area(conn: asyncpg.Connection, name: str, area: BaseGeometry,
                               marked: bool, by: str) -> asyncpg.Record:
    return await conn.fetchrow(SQL.insert_disaster_area, name, area, marked, by)


async def mark_affected(conn: asyncpg.Connection, store_ids: list[UUID], reason: str, by: str,
                        area_id: UUID) -> int:
    rows = await conn.fetch(SQL.mark_stores_affected, store_ids, reason, by, area_id)
    return len(rows)


async def open_reservations_at(conn: asyncpg.Connection, store_ids: list[UUID],
                               day: date) -> Rows:
    return await conn.fetch(SQL.open_reservations_at, store_ids, day)


async def declared_areas(conn: asyncpg.Connection, include_lifted: bool) -> Rows:
    return await conn.fetch(SQL.declared_areas, include_lifted)


async def registry_audit(conn: asyncpg.Connection, entity_id: UUID, action: str, actor: str,
                         reason: str, details: dict[str, Any]) -> None:
    await conn.execute(SQL.insert_registry_audit, "disaster_area", str(entity_id), action, actor,
                       None, None, reason, details)


async def insert_store(conn: asyncpg.Connection, *fields: Any) -> UUID | None:
    """The new store's id; None when this application store is registered already.
    `fields` in the order of the insert_store query's parameters."""
    return await conn.fetchval(SQL.insert_store, *fields)


async def store_id_by_application_store(
    conn: asyncpg.Connection, application_store_id: UUID
) -> UUID:
    return await conn.fetchval(SQL.store_id_by_application_store, application_store_id)


async def insert_status_history(
    conn: asyncpg.Connection, store_id: UUID, from_status: str | None, to_status: str,
    reason: str, by: str, area_id: UUID | None,
) -> None:
    await conn.execute(
        SQL.insert_status_history, store_id, from_status, to_status, reason, by, area_id
    )


async def update_store_status(
    conn: asyncpg.Connection, store_id: UUID, status: str, reason: str, by: str
) -> None:
    await conn.execute(SQL.update_store_status, store_id, status, reason, by)


async def community_at(conn: asyncpg.Connection, point: Point) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.community_at, point)


async def lock_disaster_area(conn: asyncpg.Connection, area_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.lock_disaster_area, area_id)


async def stores_marked_by_area(conn: asyncpg.Connection, area_id: UUID) -> Rows:
    """The stores the area holds affected, locked first (in id order) for the lift."""
    await conn.fetch(SQL.lock_stores_marked_by_area, area_id)
    return await conn.fetch(SQL.stores_marked_by_area, area_id)


async def lift_disaster_area(
    conn: asyncpg.Connection, area_id: UUID, by: str, reason: str
) -> Any:
    return await conn.fetchval(SQL.lift_disaster_area, area_id, by, reason)
