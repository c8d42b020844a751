"""Reads from a hot standby (issue 18, item 2): a primary and a streaming standby started
from Debian's PostgreSQL (pg_basebackup -R). The standby's replay is paused to make the two
disagree, so an answer shows which server it came from."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.auth.repository import add_user
from service.db.pool import create_pool, register_codecs
from service.db.replicas import ReadPools, Standby, WalClock
from tests.replication import Pair, primary_cluster, replayed, seeded, standby_of
from tests.service.test_registry_builders import ZHONGLUBEI, store
from tests.support import bearer, make_settings

LON, LAT = 116.4640, 39.9268  # inside 中路北社区
WAIT_S = 60.0  # bounded waits, generous for a loaded machine


async def until(check: Callable[[], Awaitable[Any]], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def pair() -> AsyncIterator[tuple[Pair, dict[str, str]]]:
    with primary_cluster() as (primary, base):
        async with seeded(primary) as conn:
            tokens = {"dispatcher": await add_user(conn, "dispatcher-1", "dispatcher",
                                                   can_decide=False)}
        with standby_of(primary, base) as standby:
            yield Pair(primary, standby), tokens


def app_for(pair: Pair, **settings: Any) -> AsyncTestClient:
    app = create_app(make_settings(pair.service_dsn(pair.primary),
                                   replica_urls=frozenset({pair.service_dsn(pair.standby)}),
                                   **settings))
    return AsyncTestClient(app=app)


async def superuser(pair: Pair, which: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(pair.superuser_dsn(getattr(pair, which)))
    await register_codecs(conn)
    return conn


async def closed_store_on_both(pair: Pair, client: AsyncTestClient, token: str) -> UUID:
    """A delivering store, closed through the service, the standby caught up with it."""
    conn = await superuser(pair, "primary")
    try:
        sid = await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=1500)
    finally:
        await conn.close()
    closed = await client.patch(f"/api/v1/stores/{sid}/status", headers=bearer(token),
                                json={"status": "closed", "reason": "测试"})
    assert closed.status_code == 200, closed.text
    primary, standby = pair.superuser_dsn(pair.primary), pair.superuser_dsn(pair.standby)
    await until(lambda: replayed(primary, standby), "the standby replayed the closing")
    return sid


async def serving_ids(client: AsyncTestClient, token: str) -> set[str]:
    answer = await client.get("/api/v1/stores/serving", params={"lon": LON, "lat": LAT},
                              headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return {s["id"] for s in answer.json()["stores"]}


async def coverage_ids(client: AsyncTestClient, token: str) -> set[str]:
    answer = await client.get("/api/v1/coverage", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    by_code = {c["code"]: c for c in answer.json()["communities"]}
    return set(by_code[ZHONGLUBEI]["delivery_store_ids"])


class paused:
    """The standby's WAL replay paused (it keeps receiving, it stops applying)."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair

    async def __aenter__(self) -> None:
        self.conn = await superuser(self.pair, "standby")
        await self.conn.execute("SELECT pg_wal_replay_pause()")

    async def __aexit__(self, *exc: object) -> None:
        await self.conn.execute("SELECT pg_wal_replay_resume()")
        await self.conn.close()


def test_wal_clock_bounds_how_far_behind() -> None:
    clock = WalClock(keep_s=10.0)
    assert clock.behind(100, now=0.0) is None  # nothing sampled yet
    clock.add(1.0, 100)
    clock.add(2.0, 200)
    clock.add(3.0, 300)
    assert clock.behind(300, now=3.5) == 0.0  # replayed what the primary last had
    assert clock.behind(250, now=3.5) == 1.5  # has what the primary had at t=2, not at t=3
    assert clock.behind(100, now=3.5) == 2.5
    assert clock.behind(50, now=3.5) is None  # older than every sample kept
    assert clock.behind(None, now=3.5) is None  # no replay position at all
    clock.add(20.0, 300)  # t=1..3 fall out of the window
    assert clock.behind(250, now=20.0) is None


class FakeNode:
    """Stands in for a node's pool: a connection is the node's name; `down` refuses."""

    def __init__(self, name: str, down: bool = False) -> None:
        self.name, self.down = name, down

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[str]:
        if self.down:
            raise ConnectionRefusedError(self.name)
        yield self.name


async def test_reads_take_turns_and_one_report_stays_on_one_standby() -> None:
    a, b = Standby("a", FakeNode("a"), 0.0, True), Standby("b", FakeNode("b"), 0.0, True)
    reads = ReadPools(FakeNode("primary"), [a, b], max_lag_s=1.0, check_s=60.0)  # type: ignore[arg-type]

    async def took(source: Any) -> str:
        async with source.acquire() as conn:
            return conn

    assert {await took(reads) for _ in range(4)} == {"a", "b"}
    one = reads.one()
    assert len({await took(one) for _ in range(4)}) == 1  # version and parts agree
    b.db = FakeNode("b", down=True)  # type: ignore[assignment]
    assert {await took(reads) for _ in range(4)} == {"a"}  # b gives way at once
    assert b.healthy is False
    a.healthy = False  # lagging
    assert await took(reads) == "primary"
    assert await took(ReadPools(FakeNode("primary"), [], max_lag_s=1.0,  # type: ignore[arg-type]
                                check_s=60.0)) == "primary"


async def test_dispatcher_reads_go_to_the_standby_writes_to_the_primary(
    pair: tuple[Pair, dict[str, str]],
) -> None:
    cluster, tokens = pair
    token = tokens["dispatcher"]
    async with app_for(cluster, replica_max_lag_s=3600.0, replica_check_s=0.1) as client:
        reads = client.app.state.reads
        await until(lambda: _healthy(reads), "the standby is judged usable")
        sid = await closed_store_on_both(cluster, client, token)
        async with paused(cluster):
            # A write goes to the primary: the standby would refuse it (read-only).
            reopened = await client.patch(f"/api/v1/stores/{sid}/status", headers=bearer(token),
                                          json={"status": "active", "reason": "恢复营业"})
            assert reopened.status_code == 200, reopened.text
            # Reading one's own write (a store's detail) stays on the primary.
            detail = await client.get(f"/api/v1/stores/{sid}", headers=bearer(token))
            assert detail.json()["status"] == "active"
            # Serving and coverage come from the standby, which has not replayed it yet.
            assert str(sid) not in await serving_ids(client, token)
            assert str(sid) not in await coverage_ids(client, token)
            standby = await superuser(cluster, "standby")
            try:
                sessions = await standby.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'boai_service'")
            finally:
                await standby.close()
            assert sessions > 0
        # Replay resumed: the standby catches up and answers with the reopened store.
        async def serving_it() -> bool:
            return str(sid) in await serving_ids(client, token)
        await until(serving_it, "the standby serves the reopened store")


async def _healthy(reads: ReadPools) -> bool:
    return all(s.healthy for s in reads.standbys)


async def _skipped(reads: ReadPools) -> bool:
    return not any(s.healthy for s in reads.standbys)


async def test_a_lagging_standby_is_skipped(pair: tuple[Pair, dict[str, str]]) -> None:
    cluster, tokens = pair
    token = tokens["dispatcher"]
    async with app_for(cluster, replica_max_lag_s=0.5, replica_check_s=0.1) as client:
        reads = client.app.state.reads
        await until(lambda: _healthy(reads), "the standby is judged usable")
        sid = await closed_store_on_both(cluster, client, token)
        async with paused(cluster):
            reopened = await client.patch(f"/api/v1/stores/{sid}/status", headers=bearer(token),
                                          json={"status": "active", "reason": "恢复营业"})
            assert reopened.status_code == 200, reopened.text
            await until(lambda: _skipped(reads), "the lagging standby is skipped")
            ready = await client.get("/health/ready")  # still ready: the primary reads
            assert ready.status_code == 200, ready.text
            assert ready.json()["standbys"] == {"configured": 1, "in_use": 0}
            # the primary answers: the reopened store is served and covers its community
            assert str(sid) in await serving_ids(client, token)
            assert str(sid) in await coverage_ids(client, token)
        await until(lambda: _healthy(reads), "the caught-up standby is used again")
        ready = await client.get("/health/ready")
        assert ready.json()["standbys"] == {"configured": 1, "in_use": 1}


async def test_a_stopped_standby_is_skipped(pair: tuple[Pair, dict[str, str]]) -> None:
    cluster, tokens = pair
    token = tokens["dispatcher"]
    primary = await create_pool(cluster.service_dsn(cluster.primary))
    gone = await create_pool(cluster.service_dsn(cluster.standby))
    async with app_for(cluster, replica_max_lag_s=5.0, replica_check_s=0.1) as client:
        reads = client.app.state.reads
        await until(lambda: _healthy(reads), "the standby is judged usable")
        sid = await closed_store_on_both(cluster, client, token)
        await asyncio.to_thread(cluster.standby.stop)
        try:
            # Between two checks: a standby that cannot be reached gives way to the primary
            # for this request at once (a pool that has no connection to it yet).
            direct = ReadPools(primary, [Standby("gone", gone, 0.0, True)],
                               max_lag_s=5.0, check_s=60.0)
            async with direct.acquire() as conn:
                assert await conn.fetchval("SELECT pg_is_in_recovery()") is False
            assert direct.standbys[0].healthy is False

            await until(lambda: _skipped(reads), "the stopped standby is skipped")
            reopened = await client.patch(f"/api/v1/stores/{sid}/status", headers=bearer(token),
                                          json={"status": "active", "reason": "恢复营业"})
            assert reopened.status_code == 200, reopened.text
            assert str(sid) in await serving_ids(client, token)
            assert str(sid) in await coverage_ids(client, token)
        finally:
            await asyncio.to_thread(cluster.standby.start)
            await primary.close()
            await gone.close()
        await until(lambda: _healthy(reads), "the restarted standby is used again")
