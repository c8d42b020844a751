"""The registry index each worker holds (issue 15): serving answers the nearest `limit` and the
total; a stale index never offers or reserves a closed store; every worker of `boai serve
--workers 2` follows a store closed or reopened through the API within a second."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
from litestar.testing import AsyncTestClient
from shapely.geometry import Point

from service.db.queries import load
from service.registry import serving
from service.registry.index import RegistryIndex
from service.registry.places import service_day
from tests.service.test_registry_builders import ZHONGLUBEI, store
from tests.service.test_revocation import BOUND_S, boai_serve, until
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # 中路北
INDEX_SQL = load("registry_index")
DISPATCH_SQL = load("dispatch")


async def test_serving_lists_the_nearest_limit_and_the_total(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    for i in range(25):
        await store(conn, LON + (i % 5) * 0.004, LAT + (i // 5) * 0.004, home_delivery=True,
                    radius_m=3000, name=f"店{i:02d}")
    await store(conn, LON, LAT, name="walk-in only")  # serves no point by delivery
    headers = bearer(tokens["dispatcher"])
    default = (await client.get("/api/v1/stores/serving", params={"lon": LON, "lat": LAT},
                                headers=headers)).json()
    assert default["total"] == 25 and default["limit"] == 20 and len(default["stores"]) == 20
    everything = (await client.get("/api/v1/stores/serving", headers=headers,
                                   params={"lon": LON, "lat": LAT, "limit": 100})).json()
    assert len(everything["stores"]) == 25
    # the first `limit` of the whole ranking, not some other cut
    five = (await client.get("/api/v1/stores/serving", headers=headers,
                             params={"lon": LON, "lat": LAT, "limit": 5})).json()
    assert five["stores"] == everything["stores"][:5]
    assert default["stores"] == everything["stores"][:20]
    first = everything["stores"][0]
    assert set(first) >= {"id", "name", "distance_m", "capacity_left", "lon", "lat"}
    assert first["capacity_left"] == 20 and first["distance_m"] == 0.0
    assert everything["point"]["community"]["code"] == ZHONGLUBEI
    too_many = await client.get("/api/v1/stores/serving", headers=headers,
                                params={"lon": LON, "lat": LAT, "limit": 101})
    assert too_many.status_code == 400
    assert too_many.headers["content-type"].startswith("application/problem+json")
    # the cached encoding follows the CRS asked for
    gcj = (await client.get("/api/v1/stores/serving", headers=headers,
                            params={"lon": LON, "lat": LAT, "limit": 5,
                                    "crs": "wgs84"})).json()
    assert gcj["stores"][0]["lon"] == five["stores"][0]["lon"]


async def test_a_stale_index_never_offers_or_reserves_a_closed_store(
    conn: asyncpg.Connection,
) -> None:
    closed = await store(conn, LON, LAT, home_delivery=True, radius_m=1500, daily_capacity=5)
    version = await conn.fetchval(INDEX_SQL.index_version)
    stale = RegistryIndex(version, await conn.fetch(INDEX_SQL.index_stores, -1))
    point = Point(LON, LAT)
    assert stale.serving(point, None).ids() == [closed]
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", closed)
    day = service_day()
    for home_delivery in (True, False):
        found = (stale.serving(point, None) if home_delivery
                 else stale.within(point, 1000.0, None))
        assert found.ids() == [closed]
        kept, left, _, _ = await serving.live(conn, found, day, point)
        assert kept.ids() == [] and left == {}
    # and the reservation itself re-checks the status in its one statement
    assert await conn.fetchval(DISPATCH_SQL.reserve_capacity, closed, day) is None


class _Trailing:
    """An index holder whose refresh never catches up: the registry changed again meanwhile."""

    def __init__(self, index: RegistryIndex) -> None:
        self.current = index

    async def refresh(self, conn: Any = None) -> None:
        return None


async def test_only_the_ranked_band_is_checked_and_a_closed_one_in_it_widens_the_check(
    conn: asyncpg.Connection,
) -> None:
    # five stores 0, 150, 300, 450, 600 m east: with limit 1 only the first band (0-99 m) ranks
    ids = [await store(conn, LON + k * 0.00176, LAT, home_delivery=True, radius_m=3000,
                       daily_capacity=10 + k) for k in range(5)]
    version = await conn.fetchval(INDEX_SQL.index_version)
    index = RegistryIndex(version, await conn.fetch(INDEX_SQL.index_stores, -1))
    point, day = Point(LON, LAT), service_day()
    found = index.serving(point, None)
    assert found.ids() == ids and serving.ranked_among(found, 1) == 1
    kept, left, _, _ = await serving.live(conn, found, day, point, 1)
    assert kept.ids() == ids and set(left) == {ids[0]}  # the others' capacity not asked
    # the nearest closes; the index trails and cannot catch up
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", ids[0])
    _, kept, left, _ = await serving.lookup(
        _Trailing(index), conn, point, lambda i: i.serving(point, None), 1)  # type: ignore[arg-type]
    assert kept.ids() == ids[1:]
    assert left == {i: 10 + k for k, i in enumerate(ids) if k}  # all checked, capacities known
    assert [c.id for c in serving.first_ranked(kept, left, 1, None)] == [ids[1]]


async def _ids_seen(base: str, token: str, n: int = 20) -> list[set[str]]:
    """n answers, each on a new connection, so both workers answer some."""
    seen = []
    for _ in range(n):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            answer = await client.get("/api/v1/stores/serving", headers=bearer(token),
                                      params={"lon": LON, "lat": LAT})
            assert answer.status_code == 200, answer.text
            seen.append({s["id"] for s in answer.json()["stores"]})
    return seen


async def test_every_worker_follows_api_changes_within_a_second(
    dsn: str, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    a = str(await store(conn, LON, LAT, home_delivery=True, radius_m=1500, name="a"))
    b = str(await store(conn, LON + 0.002, LAT, home_delivery=True, radius_m=1500, name="b"))
    listeners = ("SELECT count(*) = 2 FROM pg_stat_activity WHERE datname = current_database()"
                 " AND application_name = 'boai-registry-listener'")
    headers = bearer(tokens["dispatcher"])
    with boai_serve(dsn) as base:
        await until(conn, listeners)
        assert all(ids == {a, b} for ids in await _ids_seen(base, tokens["dispatcher"]))
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            closed = await client.patch(f"/api/v1/stores/{a}/status", headers=headers,
                                        json={"status": "closed", "reason": "停业"})
            assert closed.status_code == 200
        await asyncio.sleep(BOUND_S)
        assert all(ids == {b} for ids in await _ids_seen(base, tokens["dispatcher"]))
        # reopening needs the index itself to follow (the live check only removes stores)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            reopened = await client.patch(f"/api/v1/stores/{a}/status", headers=headers,
                                          json={"status": "active", "reason": "复业"})
            assert reopened.status_code == 200
        await asyncio.sleep(BOUND_S)
        seen: list[Any] = await _ids_seen(base, tokens["dispatcher"])
        assert all(ids == {a, b} for ids in seen), seen
