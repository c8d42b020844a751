"""Routing at dispatch-centre rates (issue 15): one household routed and reserved in one
statement, so one round trip and one short transaction (the capacity row stays locked only
while that statement runs); the ranking the database reserves by is the service's ranking; a
stale index is rebuilt before anything is reserved; concurrent callers never over-reserve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest

from service.config import Settings
from service.db.pool import Database, create_pool
from service.dispatch import repository as repo
from service.dispatch.repository import SQL as DISPATCH_SQL
from service.dispatch.routing import route
from service.dispatch.schemas import RouteRequest
from service.registry.index import RegistryIndex
from service.registry.index_listener import SQL as INDEX_SQL
from service.registry.index_listener import RegistryIndexHolder
from service.registry.places import service_day
from tests.service.test_registry_builders import store
from tests.support import make_settings

LON, LAT = 116.4640, 39.9268  # 中路北


def request(**extra: Any) -> RouteRequest:
    body = {"household": {"lon": LON, "lat": LAT, "ref": "HH-1"}, "categories": ["grain_oil"],
            "home_delivery": True, "phase": "preparedness", **extra}
    return msgspec.convert(body, RouteRequest)


@pytest.fixture
async def pool(service_dsn: str) -> AsyncIterator[Database]:
    db = await create_pool(service_dsn)
    yield db
    await db.close()


@pytest.fixture
def settings(service_dsn: str) -> Settings:
    return make_settings(service_dsn)


async def test_a_household_is_routed_and_reserved_in_one_statement(
    conn: asyncpg.Connection, pool: Database, settings: Settings, service_dsn: str,
) -> None:
    # ~111 and ~145 m, one 100 m band: more capacity left is ranked (and reserved) first
    near = await store(conn, LON + 0.0013, LAT, home_delivery=True, radius_m=2000,
                       daily_capacity=2, name="near")
    roomy = await store(conn, LON + 0.0017, LAT, home_delivery=True, radius_m=2000,
                        daily_capacity=30, name="roomy")
    holder = RegistryIndexHolder(service_dsn, pool)
    await holder.refresh()
    sent: list[str] = []
    def log(query: Any) -> None:
        sent.append(query.query)

    async with pool.acquire() as c:
        # a first look (nothing reserved) prepares the statement on this connection
        await route(c, request(reserve=False), "dispatcher", "wgs84", settings, holder)
        c.add_query_logger(log)
        answer = await route(c, request(), "dispatcher", "wgs84", settings, holder)
        c.remove_query_logger(log)
    assert len(sent) == 1, sent  # before: live check, BEGIN, reserve, insert, COMMIT, community
    assert answer.reserved is not None and answer.reserved.store_id == roomy
    assert answer.reserved.capacity_left == 29
    assert [o.id for o in answer.options] == [roomy, near]
    assert answer.household.community is not None
    assert answer.household.community.code == "110105013029"
    row = await conn.fetchrow("SELECT store_id, household_ref, ST_X(household_geom) AS x "
                              "FROM reservations WHERE id = $1", answer.reserved.reservation_id)
    assert (row["store_id"], row["household_ref"]) == (roomy, "HH-1")
    assert abs(row["x"] - LON) < 1e-9


async def test_a_stale_index_is_rebuilt_before_anything_is_reserved(
    conn: asyncpg.Connection, pool: Database, settings: Settings, service_dsn: str,
) -> None:
    await store(conn, LON + 0.02, LAT, home_delivery=True, radius_m=3000, name="far")
    stale = RegistryIndex(await conn.fetchval(INDEX_SQL.index_version),
                          await conn.fetch(INDEX_SQL.index_stores, -1))
    opened = await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=2000,
                         name="opened since")
    holder = RegistryIndexHolder(service_dsn, pool)
    holder.current = stale  # as if the change's notification had not arrived yet
    async with pool.acquire() as c:
        answer = await route(c, request(), "dispatcher", "wgs84", settings, holder)
    assert answer.reserved is not None and answer.reserved.store_id == opened
    assert holder.current is not stale
    assert await conn.fetchval("SELECT count(*) FROM reservations") == 1


async def test_concurrent_callers_fall_through_and_never_over_reserve(
    conn: asyncpg.Connection, dsn: str,
) -> None:
    a = await store(conn, LON, LAT, home_delivery=True, radius_m=1000, daily_capacity=2)
    b = await store(conn, LON + 0.0005, LAT, home_delivery=True, radius_m=1000,
                    daily_capacity=3)
    closed = await store(conn, LON, LAT, home_delivery=True, radius_m=1000, daily_capacity=9)
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", closed)
    day = service_day()
    conns = [await asyncpg.connect(dsn) for _ in range(12)]
    try:
        got = await asyncio.gather(*(
            repo.route_reserve(c, [closed, a, b], [0, 0, 0], day, None, None, 50, True,
                               f"R-{i}", "race")  # type: ignore[arg-type]
            for i, c in enumerate(conns)))
    finally:
        for c in conns:
            await c.close()
    reserved = [r["id"] for rows in got for r in rows[1:] if r["reservation_id"] is not None]
    assert sorted(map(str, reserved)) == sorted(map(str, [a, a, b, b, b]))
    rows = dict(await conn.fetch("SELECT store_id, reserved FROM store_capacity"))
    assert rows == {a: 2, b: 3}
    assert await conn.fetchval("SELECT count(*) FROM reservations") == 5


async def test_a_store_found_full_stays_unlocked_while_the_next_is_tried(
    conn: asyncpg.Connection, dsn: str,
) -> None:
    """Callers rank the same stores in different orders (capacity left is a tie-break): if a
    full store's row stayed locked while the next was tried, two of them could deadlock."""
    full = await store(conn, LON, LAT, home_delivery=True, radius_m=1000, daily_capacity=1)
    day = service_day()
    assert await conn.fetchval(DISPATCH_SQL.reserve_capacity, full, day) == 0
    other = await asyncpg.connect(dsn)
    try:
        async with other.transaction():
            assert await other.fetchval(DISPATCH_SQL.reserve_capacity, full, day) is None
            # still inside that transaction: the full store's row is free for anyone
            locked = await conn.fetch(
                "SELECT reserved FROM store_capacity WHERE store_id = $1 AND day = $2 "
                "FOR UPDATE NOWAIT", full, day)
            assert [r["reserved"] for r in locked] == [1]
    finally:
        await other.close()


async def test_the_farther_bands_are_asked_only_when_the_nearest_cannot_serve(
    conn: asyncpg.Connection, pool: Database, settings: Settings, service_dsn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the first statement asks the nearest band only (here: at least one store)
    monkeypatch.setattr("service.dispatch.routing._FIRST", 1)
    near = await store(conn, LON + 0.0005, LAT, home_delivery=True, radius_m=2000,
                       daily_capacity=1, name="near")
    far = await store(conn, LON + 0.0060, LAT, home_delivery=True, radius_m=2000,
                      daily_capacity=5, name="far")  # ~510 m: a later band
    holder = RegistryIndexHolder(service_dsn, pool)
    await holder.refresh()
    sent: list[str] = []

    def log(query: Any) -> None:
        sent.append(query.query)

    async with pool.acquire() as c:
        # a first look (nothing reserved) prepares the statement on this connection
        await route(c, request(limit=1, reserve=False), "dispatcher", "wgs84", settings, holder)
        c.add_query_logger(log)
        first = await route(c, request(limit=1), "dispatcher", "wgs84", settings, holder)
        await asyncio.sleep(0.01)  # query loggers are called soon after, not during
        one_statement = len(sent)
        # near is full now: the farther band is asked, and takes the household
        second = await route(c, request(limit=1), "dispatcher", "wgs84", settings, holder)
        await asyncio.sleep(0.01)
        c.remove_query_logger(log)
        # listing two options needs both bands even when the nearest can reserve
        listing = await route(c, request(limit=2, reserve=False), "dispatcher", "wgs84",
                              settings, holder)
    assert first.reserved is not None and first.reserved.store_id == near
    assert one_statement == 1  # the nearest band could serve: the farther one not asked
    assert second.reserved is not None and second.reserved.store_id == far
    assert len(sent) == 3
    assert second.fallback is None and [o.id for o in second.options] == [far]
    assert [o.id for o in listing.options] == [far]  # near is full: not an option
    await conn.execute("DELETE FROM reservations")
    await conn.execute("DELETE FROM store_capacity")
    listing = await route(conn, request(limit=2, reserve=False), "dispatcher", "wgs84",
                          settings, holder)
    assert [o.id for o in listing.options] == [near, far]
