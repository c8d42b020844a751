"""The registry index follows changes without rebuilding (issue 15's freshness at 100,000
stores): one refresh fetches only the stores changed since the index's version and lays them
over its base snapshot; its answers equal a whole rebuild's."""

from __future__ import annotations

import asyncio
import gc
import random
import weakref
from typing import Any
from uuid import UUID

import asyncpg
from shapely.geometry import Point

from service.db.pool import register_codecs
from service.db.queries import load
from service.registry.index import RegistryIndex
from service.registry.index_listener import RegistryIndexHolder
from tests.service.test_registry_builders import store
from tests.service.test_revocation import until

LON, LAT = 116.4640, 39.9268  # 中路北
SQL = load("registry_index")


def holder(dsn: str, **kw: Any) -> RegistryIndexHolder:
    return RegistryIndexHolder(dsn, None, **kw)  # type: ignore[arg-type]  # given connections


async def whole(conn: asyncpg.Connection) -> RegistryIndex:
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return RegistryIndex(await conn.fetchval(SQL.index_version),
                             await conn.fetch(SQL.index_stores, -1))


def answers(index: RegistryIndex, points: list[Point]) -> list[Any]:
    """What the index answers at these points: stores serving, within 1.5 km, nearest 3 (ids
    and distances in order, each store's encoded JSON), with and without a category."""
    out = []
    for p in points:
        for categories in (None, ["infant"]):
            for found in (index.serving(p, categories), index.within(p, 1500.0, categories),
                          index.nearest(p, 3, categories)):
                cands = found.candidates({})
                out.append([(c.id, round(c.distance_m, 3), index.encoded([c], "gcj02"))
                            for c in cands])
    return out


async def test_close_reopen_zone_and_new_store_each_follow_one_incremental_refresh(
    dsn: str, conn: asyncpg.Connection
) -> None:
    a = await store(conn, LON, LAT, home_delivery=True, radius_m=1500, name="a")
    b = await store(conn, LON + 0.01, LAT, home_delivery=True, radius_m=2000, name="b")
    await store(conn, LON - 0.003, LAT, name="walk-in")
    here, east = Point(LON, LAT), Point(LON + 0.012, LAT)
    h = holder(dsn)
    assert await h.refresh(conn) and h.rebuilds == 1
    base = h.current
    assert base is not None and set(base.serving(here, None).ids()) == {a, b}

    async def step() -> RegistryIndex:
        assert await h.refresh(conn)
        assert h.current is not None
        assert h.rebuilds == 1 and h.current.root is base  # laid over, not rebuilt
        assert answers(h.current, [here, east]) == answers(await whole(conn), [here, east])
        return h.current

    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", a)
    assert (await step()).serving(here, None).ids() == [b]
    await conn.execute("UPDATE stores SET status = 'active' WHERE id = $1", a)
    assert set((await step()).serving(here, None).ids()) == {a, b}
    # b's zone shrinks to 300 m round its store: no longer covers here, still covers east
    await conn.execute(
        "UPDATE stores SET zone = ST_Multi(ST_Buffer(geom::geography, 300)::geometry) "
        "WHERE id = $1", b)
    index = await step()
    assert index.serving(here, None).ids() == [a]
    assert b in index.serving(Point(LON + 0.0102, LAT), None).ids()
    c = await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=1000, name="c")
    assert (await step()).serving(here, None).ids() == [a, c]
    # nothing changed: nothing to do
    assert not await h.refresh(conn)


async def test_random_changes_answer_as_a_whole_rebuild(
    dsn: str, conn: asyncpg.Connection
) -> None:
    rnd = random.Random(15)

    def near() -> tuple[float, float]:
        return LON + rnd.uniform(-0.02, 0.02), LAT + rnd.uniform(-0.015, 0.015)

    async def add() -> UUID:
        lon, lat = near()
        delivers = rnd.random() < 0.7
        return await store(conn, lon, lat, home_delivery=delivers,
                           radius_m=rnd.choice([800, 1500, 2500]) if delivers else None,
                           categories=rnd.choice([["grain_oil"], ["grain_oil", "infant"]]))

    ids = [await add() for _ in range(16)]
    points = [Point(*near()) for _ in range(12)]
    h = holder(dsn)
    await h.refresh(conn)
    for _ in range(4):
        for sid in rnd.sample(ids, 4):
            change = rnd.choice(["close", "reopen", "zone", "rename", "categories"])
            if change == "close":
                await conn.execute("UPDATE stores SET status = $2 WHERE id = $1", sid,
                                   rnd.choice(["closed", "suspended", "affected"]))
            elif change == "reopen":
                await conn.execute("UPDATE stores SET status = 'active' WHERE id = $1", sid)
            elif change == "zone":
                await conn.execute(
                    "UPDATE stores SET home_delivery = true, zone = ST_Multi(ST_Buffer("
                    "geom::geography, $2)::geometry) WHERE id = $1", sid,
                    float(rnd.choice([300, 1200, 3000])))
            elif change == "rename":
                await conn.execute("UPDATE stores SET name = name || '·新' WHERE id = $1", sid)
            else:
                await conn.execute("UPDATE stores SET categories = $2 WHERE id = $1", sid,
                                   rnd.choice([["infant"], ["grain_oil"]]))
        ids.append(await add())
        assert await h.refresh(conn)
        assert h.current is not None and h.rebuilds == 1
        assert answers(h.current, points) == answers(await whole(conn), points)


async def test_a_grown_overlay_is_rebuilt_in_the_background(
    dsn: str, conn: asyncpg.Connection
) -> None:
    ids = [await store(conn, LON + i * 0.002, LAT, home_delivery=True, radius_m=1500)
           for i in range(4)]
    h = holder(dsn, overlay_max=2)
    await h.refresh(conn)
    base = h.current
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = ANY($1::uuid[])",
                       ids[:3])
    assert await h.refresh(conn)
    overlaid = h.current
    assert overlaid is not None and overlaid.root is base  # answered from base + overlay
    assert overlaid.serving(Point(LON, LAT), None).ids() == [ids[3]]
    assert h._rebuild is not None
    await h._rebuild  # the whole snapshot, read on its own connection
    assert h.rebuilds == 2 and h.current is not None and h.current.root is h.current
    assert h.current.version == overlaid.version and not h.current.changed
    assert h.current.serving(Point(LON, LAT), None).ids() == [ids[3]]
    await h.stop()


async def test_a_whole_snapshot_is_frozen_out_of_the_collector_and_the_last_one_freed(
    dsn: str, conn: asyncpg.Connection
) -> None:
    ids = [await store(conn, LON + i * 0.002, LAT, home_delivery=True, radius_m=1500)
           for i in range(3)]
    h = holder(dsn, overlay_max=1)
    await h.refresh(conn)
    assert gc.get_freeze_count() > 0  # the snapshot's objects are never walked again
    first = weakref.ref(h.current)
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = ANY($1::uuid[])",
                       ids[:2])
    assert await h.refresh(conn)
    assert h._rebuild is not None
    await h._rebuild
    assert h.current is not None and h.current.root is h.current
    assert first() is None  # the replaced snapshot was not kept alive by freezing
    await h.stop()


async def test_no_collection_runs_while_a_whole_snapshot_is_built(
    dsn: str, conn: asyncpg.Connection
) -> None:
    """Building a snapshot piles up new objects, none in a cycle: with the collector on, they
    set off full collections that stop the worker's requests too (70-110 ms each at 100,000
    stores). Even at thresholds that collect on every allocation, none runs during a build,
    and the collector is back on after it."""
    for i in range(30):
        await store(conn, LON + i * 0.001, LAT, home_delivery=i % 2 == 0,
                    radius_m=1500 if i % 2 == 0 else None)
    during: list[int] = []
    building: list[bool] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and building:
            during.append(info["generation"])

    h = holder(dsn)
    read_whole = h._read_whole

    async def watched(*args: Any) -> RegistryIndex:  # the build itself, rows read to index
        building.append(True)
        try:
            return await read_whole(*args)
        finally:
            building.pop()

    h._read_whole = watched  # type: ignore[method-assign]
    thresholds = gc.get_threshold()
    gc.set_threshold(1, 1, 1)
    gc.callbacks.append(count)
    try:
        index = await h._snapshot(conn)
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*thresholds)
    assert len(index) == 30 and during == []
    assert gc.isenabled()


async def test_a_writer_that_commits_later_is_never_skipped(
    dsn: str, conn: asyncpg.Connection
) -> None:
    """Two writers at once: the one that commits second has its rows stamped with the version
    it commits under, so the refresh after the first one's commit does not skip them."""
    x = await store(conn, LON, LAT, home_delivery=True, radius_m=1500, name="x")
    y = await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=1500, name="y")
    h = holder(dsn)
    await h.refresh(conn)
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await register_codecs(second)
        t1, t2 = first.transaction(), second.transaction()
        await t1.start()
        await t2.start()
        await first.execute("UPDATE stores SET name = 'x2' WHERE id = $1", x)
        pending = asyncio.create_task(
            second.execute("UPDATE stores SET status = 'closed' WHERE id = $1", y))
        await until(conn, "SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                          "WHERE pid = $1", second.get_server_pid())
        await t1.commit()
        await pending  # the second writer's statement done, its transaction still open
        await h.refresh(conn)
        assert h.current is not None and y in h.current.serving(Point(LON, LAT), None).ids()
        await t2.commit()
        await h.refresh(conn)
        index = h.current
        assert index is not None
        assert index.serving(Point(LON, LAT), None).ids() == [x]
        assert index.store(index.serving(Point(LON, LAT), None).idx[0])["name"] == "x2"
    finally:
        await first.close()
        await second.close()
