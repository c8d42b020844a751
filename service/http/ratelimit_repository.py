"""Shared rate-limit windows in PostgreSQL (queries in service/sql/ratelimit.sql)."""

from __future__ import annotations

import asyncpg

from service.db.queries import load

SQL = load("ratelimit")


async def hit(conn: asyncpg.Connection, limiter: str, client: str, limit: int,
              window_s: float) -> bool:
    """Count one request unless the window is full; True when counted."""
    return await conn.fetchval(SQL.hit, limiter, client, limit, window_s) is not None


async def window(conn: asyncpg.Connection, limiter: str, client: str,
                 window_s: float) -> tuple[int, float]:
    """(hits in the window, seconds until its oldest leaves it)."""
    row = await conn.fetchrow(SQL.window, limiter, client, window_s)
    return (0, 0.0) if row is None else (row["used"], row["retry_s"])


async def purge(conn: asyncpg.Connection) -> None:
    await conn.execute(SQL.purge)
