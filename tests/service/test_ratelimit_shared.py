"""The shared rate-limit windows (migration 0023, service/sql/ratelimit.sql): concurrent
requests from separate connections count one by one up to the limit, the window slides,
and windows that ran out are purged (bounded growth)."""

from __future__ import annotations

import asyncio
import math
from types import SimpleNamespace

import asyncpg
import pytest

from service.db.pool import create_pool
from service.http import ratelimit_repository as repo
from service.http.ratelimit import SlidingWindow
from service.problems import TooManyRequests


async def test_concurrent_hits_count_one_by_one_up_to_the_limit(dsn: str) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=6, max_size=6)
    try:
        async def one() -> bool:
            async with pool.acquire() as conn:
                return await repo.hit(conn, "applicant", "10.0.0.1", 5, 60.0)

        counted = await asyncio.gather(*(one() for _ in range(18)))
        async with pool.acquire() as conn:
            used, retry_s = await repo.window(conn, "applicant", "10.0.0.1", 60.0)
            # another limit and another address have windows of their own
            assert await repo.hit(conn, "auth_failures", "10.0.0.1", 5, 60.0)
            assert await repo.hit(conn, "applicant", "10.0.0.2", 5, 60.0)
    finally:
        await pool.close()
    assert sorted(counted) == [False] * 13 + [True] * 5
    assert used == 5 and 0 < retry_s <= 60


async def test_the_window_slides_and_run_out_windows_are_purged(
    conn: asyncpg.Connection,
) -> None:
    # One transaction: now() is the same in every statement, so the figures are exact
    # however slowly the machine runs the statements.
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO rate_limits (limiter, client, hits, expires_at) VALUES"
            " ('applicant', 'old', ARRAY[now() - interval '90 s', now() - interval '70 s'],"
            "  now() - interval '10 s'),"
            " ('applicant', 'full', ARRAY[now() - interval '61 s', now() - interval '30 s',"
            "  now() - interval '20 s'], now() + interval '40 s')"
        )
        # the hit 61 s ago has left the window: room for one more, then none
        assert await repo.hit(conn, "applicant", "full", 3, 60.0)
        assert not await repo.hit(conn, "applicant", "full", 3, 60.0)
        used, retry_s = await repo.window(conn, "applicant", "full", 60.0)
        assert used == 3 and retry_s == 30.0
        assert await repo.window(conn, "applicant", "old", 60.0) == (0, 0.0)

        await repo.purge(conn)
        left = await conn.fetch("SELECT client, cardinality(hits) AS n FROM rate_limits")
        assert {(r["client"], r["n"]) for r in left} == {("full", 3)}


async def test_the_limiter_purges_and_its_own_hits_prefilter(dsn: str) -> None:
    db = await create_pool(dsn, max_size=2)
    caller = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(pool=db)),
                             client=SimpleNamespace(host="10.9.9.9"), headers={})
    limiter = SlidingWindow("applicant", 2, 60.0, "applicant requests", "申请相关请求")
    try:
        async with db.acquire() as conn:
            await conn.execute(
                "INSERT INTO rate_limits VALUES ('applicant', 'gone', ARRAY[now()- interval"
                " '2 min'], now() - interval '1 min')")
        limiter._purged_at = -math.inf  # a purge is due
        await limiter.hit(caller)  # type: ignore[arg-type]
        await limiter.hit(caller)  # type: ignore[arg-type]
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT array_agg(client) FROM rate_limits") == [
                "10.9.9.9"]
            # the shared window forgets (a crash empties an UNLOGGED table) ...
            await conn.execute("TRUNCATE rate_limits")
        # ... this process's own two hits still fill the window: refused without a query
        with pytest.raises(TooManyRequests) as refused:
            await limiter.hit(caller)  # type: ignore[arg-type]
        assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM rate_limits") == 0
    finally:
        await db.close()
