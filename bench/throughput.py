"""Throughput figures: the service over HTTP against its own SQL run raw, in the same run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg

from bench import clients, workload, wrk

# Issue 15's goals are set at 8 connections (a dispatch centre's consoles, not a flood).
CONNECTIONS = 8

OVERBOOKING = """
SELECT
  (SELECT count(*) FROM store_capacity WHERE reserved > capacity) AS counter_over,
  (SELECT count(*) FROM (SELECT store_id, day, count(*) AS n FROM reservations
                         WHERE released_at IS NULL GROUP BY 1, 2) r
     JOIN store_capacity sc USING (store_id, day) WHERE r.n > sc.capacity) AS rows_over,
  (SELECT count(*) FROM (SELECT store_id, day, count(*) AS n FROM reservations
                         WHERE released_at IS NULL GROUP BY 1, 2) r
     LEFT JOIN store_capacity sc USING (store_id, day)
     WHERE sc.reserved IS DISTINCT FROM r.n) AS counter_mismatch,
  (SELECT count(*) FROM store_capacity WHERE reserved = capacity) AS store_days_full,
  (SELECT count(*) FROM reservations) AS reservations
"""


async def overbooking(conn: asyncpg.Connection) -> dict[str, int]:
    """Over-reservations (must be 0) and how hard the invariant was pushed."""
    await quiesce(conn)
    return dict(await conn.fetchrow(OVERBOOKING))


async def quiesce(conn: asyncpg.Connection, wait_s: float = 15.0) -> None:
    """Wait until no other session is busy: a load generator that stops leaves requests in
    flight in the service, and their reservations must land before anything is checked."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while asyncio.get_running_loop().time() < deadline:
        busy = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')")
        if busy == 0:
            return
        await asyncio.sleep(0.1)


async def clear_reservations(conn: asyncpg.Connection) -> None:
    """Empty both tables at one point in time: the lock waits for a reservation still being
    written (a request in flight after the load generator stopped, idle between its queries
    when quiesce looked), so none is left half in one table and half deleted from the other."""
    await quiesce(conn)
    async with conn.transaction():
        await conn.execute("LOCK TABLE reservations, store_capacity IN SHARE ROW EXCLUSIVE MODE")
        await conn.execute("DELETE FROM reservations; DELETE FROM store_capacity")


def serving_service(url: str, requests: Path, token: str, seconds: float,
                    connections: int = CONNECTIONS) -> dict[str, Any]:
    return wrk.run(url, requests, token, connections=connections, seconds=seconds)


def serving_raw(dsn: str, points: list[tuple[float, float]], seconds: float) -> dict[str, Any]:
    return clients.raw_sql({"dsn": dsn, "mode": "serving", "concurrency": CONNECTIONS,
                            "seconds": seconds, "jobs": points})


def route_raw(dsn: str, jobs: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    return clients.raw_sql({"dsn": dsn, "mode": "route", "concurrency": CONNECTIONS,
                            "seconds": seconds, "jobs": jobs})


def intake(url: str, bodies: list[str], seconds: float, concurrency: int,
           net: int) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    return clients.http_posts({"host": host, "port": int(port), "path": "/api/v1/applications",
                               "bodies": bodies, "seconds": seconds, "concurrency": concurrency,
                               "net": net, "expect": 201})


def write_lines(path: Path, lines: list[tuple[str, str, str]]) -> Path:
    return wrk.write_requests(path, lines)


def route_requests(path: Path, jobs: list[dict[str, Any]]) -> Path:
    return wrk.write_requests(path, workload.route_lines(jobs))
