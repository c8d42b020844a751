"""The notification outbox in PostgreSQL (queries in service/sql/notify.sql)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("notify")


async def insert_event(
    conn: asyncpg.Connection, event_id: UUID, application_id: UUID, type_: str,
    data: dict[str, Any],
) -> None:
    await conn.fetchval(SQL.insert_event, event_id, application_id, type_, data)


async def events_of(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.events_of, application_id)


async def claim_event(conn: asyncpg.Connection, event_id: UUID) -> asyncpg.Record | None:
    """The event's row, locked for the attempt; None while another worker holds it."""
    return await conn.fetchrow(SQL.claim_event, event_id)


async def mark_delivered(conn: asyncpg.Connection, event_id: UUID) -> None:
    await conn.execute(SQL.mark_delivered, event_id)


async def mark_attempt_failed(
    conn: asyncpg.Connection, event_id: UUID, error: str, final: bool
) -> None:
    await conn.execute(SQL.mark_attempt_failed, event_id, error, final)
