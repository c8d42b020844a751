"""Shutdown drains in-flight requests: a request under way when SIGTERM arrives completes."""

from __future__ import annotations

import asyncio
import signal

import asyncpg
import httpx

from tests.serving import granian_server


async def test_sigterm_lets_in_flight_requests_finish(dsn: str, conn: asyncpg.Connection) -> None:
    with granian_server(dsn) as (base, proc):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            # Hold a lock so the request is provably in flight when the signal arrives.
            lock = conn.transaction()
            await lock.start()
            await conn.execute("LOCK TABLE communities IN ACCESS EXCLUSIVE MODE")
            in_flight = asyncio.create_task(client.get("/api/v1/communities"))
            for _ in range(50):
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted "
                    "AND relation = 'communities'::regclass"
                )
                if waiting:
                    break
                await asyncio.sleep(0.1)
            assert waiting, "the request never reached the database"
            proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            await lock.rollback()
            response = await in_flight
            assert response.status_code == 200
            assert len(response.json()["features"]) == 9
            exit_code = await asyncio.to_thread(proc.wait, 15)
    assert exit_code == 0
