"""Site visits, their photos and training sessions in PostgreSQL
(queries in service/sql/visits.sql)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("visits")
Rows = list[asyncpg.Record]


async def application_kind_status(
    conn: asyncpg.Connection, application_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.application_kind_status, application_id)


async def store_of_application(
    conn: asyncpg.Connection, application_id: UUID, store_id: UUID
) -> bool:
    return bool(await conn.fetchval(SQL.store_of_application, application_id, store_id))


async def image_documents(
    conn: asyncpg.Connection, application_id: UUID, ids: list[UUID]
) -> set[UUID]:
    return {r["id"] for r in await conn.fetch(SQL.image_documents, application_id, ids)}


async def insert_site_visit(
    conn: asyncpg.Connection, application_id: UUID, store_id: UUID | None, visited_on: dt.date,
    visitor_id: int | None, essentials_stocked: bool, till_ready: bool, delivery_means: bool,
    trained_staff: int, notes: str, photo_ids: list[UUID],
) -> asyncpg.Record:
    return await conn.fetchrow(
        SQL.insert_site_visit, application_id, store_id, visited_on, visitor_id,
        essentials_stocked, till_ready, delivery_means, trained_staff, notes, photo_ids,
    )


async def site_visits_of(conn: asyncpg.Connection, application_id: UUID) -> Rows:
    return await conn.fetch(SQL.site_visits_of, application_id)


async def site_visit_count(conn: asyncpg.Connection, application_id: UUID) -> int:
    return int(await conn.fetchval(SQL.site_visit_count, application_id))


async def count_site_photos(conn: asyncpg.Connection, application_id: UUID) -> int:
    return int(await conn.fetchval(SQL.count_site_photos, application_id))


async def insert_site_photo(
    conn: asyncpg.Connection, application_id: UUID, filename: str, media_type: str, size: int,
    sha256: bytes, content: bytes, actor: str,
) -> asyncpg.Record:
    return await conn.fetchrow(
        SQL.insert_site_photo, application_id, filename, media_type, size, sha256, content, actor
    )


async def insert_training(
    conn: asyncpg.Connection, application_id: UUID, held_on: dt.date, trainer: str,
    attendees: list[str], actor: str,
) -> asyncpg.Record:
    return await conn.fetchrow(
        SQL.insert_training, application_id, held_on, trainer, attendees, actor
    )


async def trainings_of(conn: asyncpg.Connection, application_id: UUID) -> Rows:
    return await conn.fetch(SQL.trainings_of, application_id)
