"""Idempotency keys in PostgreSQL (queries in service/sql/idempotency.sql)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("idempotency")


async def claim(
    conn: asyncpg.Connection, key: str, route: str, request_hash: bytes, owner: UUID,
    lease_s: float,
) -> bool:
    """True when this owner now holds the key (expired keys purged first)."""
    await conn.execute(SQL.purge_expired)
    return await conn.fetchval(SQL.claim, key, route, request_hash, owner, lease_s) is not None


async def existing(conn: asyncpg.Connection, key: str, route: str) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.existing, key, route)


async def complete(
    conn: asyncpg.Connection, key: str, route: str, owner: UUID, status: int, body: Any
) -> bool:
    """False when the key was taken over by a retry (nothing stored)."""
    return await conn.fetchval(SQL.complete, key, route, owner, status, body) is not None


async def release(conn: asyncpg.Connection, key: str, route: str, owner: UUID) -> None:
    await conn.execute(SQL.release, key, route, owner)
