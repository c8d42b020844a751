"""What the registry index keeps (issue 15: a worker within 500 MiB at 100,000 stores): no
asyncpg Record and no prepared zone (a prepared zone keeps a point locator built by its first
query); its answers, encodings and routing rows are the ones the rows gave."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import asyncpg
import msgspec
import shapely
from shapely.geometry import Point

from geo import from_wgs84
from service.db.queries import load
from service.registry.index import RegistryIndex
from tests.service.test_registry_builders import store
from tests.service.test_registry_index_fresh import answers, holder, whole

LON, LAT = 116.4640, 39.9268
SQL = load("registry_index")


def reachable(root: object, depth: int = 6) -> list[object]:
    """Objects reachable from `root` through containers and instance attributes."""
    seen: dict[int, object] = {}
    todo = [root]
    for _ in range(depth):
        nxt = []
        for obj in todo:
            for ref in gc.get_referents(obj):
                if id(ref) not in seen and not isinstance(ref, (type, type(gc))):
                    seen[id(ref)] = ref
                    nxt.append(ref)
        todo = nxt
    return list(seen.values())


async def snapshot(conn: asyncpg.Connection) -> tuple[RegistryIndex, list[Any]]:
    rows = await conn.fetch(SQL.index_stores, -1)
    return RegistryIndex(await conn.fetchval(SQL.index_version), rows), rows


async def test_the_index_keeps_columns_not_rows_nor_prepared_zones(
    conn: asyncpg.Connection,
) -> None:
    near = await store(conn, LON, LAT, home_delivery=True, radius_m=1500, name="近（一）",
                       opening_hours="08:00-20:00")
    await store(conn, LON + 0.002, LAT, home_delivery=True, radius_m=1500)
    await store(conn, LON + 0.004, LAT)
    index, rows = await snapshot(conn)
    found = index.serving(Point(LON, LAT), None)
    assert found.ids()[0] == near and len(found) == 2
    assert len(index.within(Point(LON, LAT), 1000.0, None)) == 3
    assert not any(isinstance(o, asyncpg.Record) for o in reachable(index))
    zones = index.layers[0].zones  # WKB, never GEOS objects (decoded per query near an edge)
    assert len(zones) == 2 and all(isinstance(z, bytes) for z in zones)

    # the fields and encodings read back are the rows' own, in every CRS
    by_id = {r["id"]: r for r in rows}
    for i, sid in enumerate(index.ids):
        row = by_id[sid]
        assert index.store(i) == {k: v for k, v in row.items() if k not in ("zone", "fresh")}
        for crs in ("wgs84", "gcj02", "bd09"):
            x, y = from_wgs84(row["lon"], row["lat"], crs)
            assert msgspec.json.decode(index.encoded_head(i, crs) + b"}") == {
                **{k: v for k, v in row.items() if k not in ("zone", "fresh")}, "id": str(sid),
                "lon": round(x, 7), "lat": round(y, 7)}


async def test_an_overlay_masks_the_changed_stores_of_an_unordered_base(
    conn: asyncpg.Connection,
) -> None:
    """The base finds a changed store's position by its id, whatever order the rows came in."""
    ids = [await store(conn, LON + k * 0.001, LAT) for k in range(5)]
    rows = list(reversed(await conn.fetch(SQL.index_stores, -1)))
    index = RegistryIndex(await conn.fetchval(SQL.index_version), rows)
    closed = ids[3]
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", closed)
    changes = await conn.fetch(SQL.index_changes, index.version)
    over = index.overlaid(changes[0]["version"], changes)
    found = over.within(Point(LON, LAT), 2000.0, None).ids()
    assert sorted(found) == sorted(set(ids) - {closed})


def zones_by_id(index: RegistryIndex) -> dict[Any, Any]:
    base = index.layers[0]
    return {index.ids[p]: z for p, z in zip(base.zone_store.tolist(), base.zones, strict=True)}


async def test_a_rebuild_shares_what_did_not_change_with_the_index_it_replaces(
    dsn: str, conn: asyncpg.Connection
) -> None:
    """The two indexes a background rebuild holds at once share the zones, points and JSON of
    the stores unchanged since; its answers are a fresh snapshot's, and the replaced index is
    freed as soon as nothing uses it (no reference cycle waiting for the collector)."""
    ids = [await store(conn, LON + k * 0.003, LAT + (k % 3) * 0.002, home_delivery=k % 4 != 3,
                       radius_m=1200 if k % 4 != 3 else None) for k in range(12)]
    h = holder(dsn, overlay_max=2)
    await h.refresh(conn)
    old = h.current
    assert old is not None
    before = zones_by_id(old)
    await conn.execute("UPDATE stores SET zone = ST_Multi(ST_Buffer(geom::geography, 2500)"
                       "::geometry) WHERE id = $1", ids[0])
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", ids[1])
    await conn.execute("UPDATE stores SET name = name || '·新' WHERE id = $1", ids[2])
    added = await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=900)
    assert await h.refresh(conn) and h._rebuild is not None
    await h._rebuild
    new = h.current
    assert new is not None and h.rebuilds == 2 and new.root is new
    points = [Point(LON + k * 0.002, LAT + 0.001) for k in range(8)]
    assert answers(new, points) == answers(await whole(conn), points)
    after = zones_by_id(new)
    unchanged = [sid for sid in ids[3:] if sid in before]
    assert unchanged and all(after[sid] is before[sid] for sid in unchanged)
    assert after[ids[0]] is not before[ids[0]] and ids[1] not in after and added in after
    assert shapely.from_wkb(after[ids[0]]).equals(
        await conn.fetchval("SELECT zone FROM stores WHERE id = $1", ids[0]))
    p = new.positions([ids[5]])[0]
    assert new.layers[0].encoded["wgs84"][p] is old.layers[0].encoded["wgs84"][
        old.positions([ids[5]])[0]]
    gone = weakref.ref(old)
    del old
    gc.disable()
    try:
        await h.stop()
        h.current = None
        assert gone() is None  # freed by reference counting alone
    finally:
        gc.enable()
