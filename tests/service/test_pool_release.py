"""Returning a connection to the pool costs no round trip, and still leaves nothing behind."""

import asyncpg
import pytest

from service.db.pool import create_pool

pytestmark = pytest.mark.asyncio


async def _statements_sent(conn: asyncpg.Connection) -> int:
    return conn._protocol.queries_count  # type: ignore[attr-defined]


@pytest.mark.parametrize("pgbouncer", [False, True])
async def test_release_sends_no_reset_query(service_dsn: str, pgbouncer: bool) -> None:
    db = await create_pool(service_dsn, max_size=1, pgbouncer=pgbouncer)
    try:
        async with db.acquire() as conn:
            raw = conn._con  # the pool's proxy hands out the same connection each time
            await conn.fetchval("SELECT 1")
            before = await _statements_sent(raw)
        async with db.acquire() as conn:
            assert conn._con is raw
            # asyncpg's default reset (advisory locks, cursors, LISTEN, RESET ALL) would have
            # been one more statement on the release
            assert await _statements_sent(raw) == before
    finally:
        await db.close()


async def test_an_open_transaction_is_rolled_back_on_release(service_dsn: str) -> None:
    db = await create_pool(service_dsn, max_size=1)
    try:
        async with db.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            await conn.execute("CREATE TEMP TABLE left_open (x int)")
        async with db.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        await db.close()
