"""The set-based rebuild of the store -> community relation (rebuild_store_serves, migration
0025, what a bulk load calls after its COPY) equals the relation the triggers keep, pairs and
per-community counts, on random stores and communities written one by one, in bulk, closed and
reopened; and a bulk COPY with the trigger off, then rebuilt, ends where the triggers would.
A store write refreshes its own pairs through the indexes, never by scanning every store."""

from __future__ import annotations

from typing import Any

import asyncpg
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, box

from geo import geodesic_circle

ORIGIN = (116.90, 40.20)  # away from the fixture's pilot communities
CELL = 0.012  # about 1 km: walking reach and zones straddle community edges


def _community(rng: np.random.Generator, i: int) -> tuple[Any, ...]:
    x, y = ORIGIN[0] + (i % 5) * CELL, ORIGIN[1] + (i // 5) * CELL
    w, h = rng.uniform(0.4, 1.0, 2) * CELL
    return (f"9{i:011d}", f"随机社区{i}", "随机街道", "随机区", 100, bool(i % 7),
            MultiPolygon([box(x, y, x + w, y + h)]))


def _srid(geom: Any) -> Any:
    return None if geom is None else shapely.set_srid(geom, 4326)


def _store(rng: np.random.Generator, i: int) -> tuple[Any, ...]:
    lon, lat = ORIGIN[0] + rng.uniform(-1, 6) * CELL, ORIGIN[1] + rng.uniform(-1, 5) * CELL
    delivering = bool(rng.random() < 0.6)
    zone = radius = None
    if delivering:
        if rng.random() < 0.5:
            radius = int(rng.integers(200, 2500))
            zone = MultiPolygon([geodesic_circle(lon, lat, radius)])
        else:  # drawn: a box around the store, sometimes just touching a community edge
            dx, dy = rng.uniform(0.1, 1.2, 2) * CELL
            zone = MultiPolygon([box(lon - dx / 2, lat - dy / 2, lon + dx / 2, lat + dy / 2)])
    return (f"门店{i}", "随机商户", "随机地址", ["grain_oil"], _srid(Point(lon, lat)), _srid(zone),
            radius,
            delivering, 10, "active" if rng.random() < 0.85 else "closed")


STORE_COLUMNS = ("name", "merchant_name", "address", "categories", "geom", "zone", "radius_m",
                 "home_delivery", "daily_capacity", "status")
INSERT_STORE = ("INSERT INTO stores (name, merchant_name, address, categories, geom, zone, "
                "radius_m, home_delivery, daily_capacity, status) "
                "VALUES ($1, $2, $3, $4, ST_SetSRID($5::geometry, 4326), "
                "ST_SetSRID($6::geometry, 4326), $7, $8, $9, $10)")


async def _relation(conn: asyncpg.Connection) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    pairs = await conn.fetch("SELECT store_id, code, delivers, walk_m FROM store_serves "
                             "ORDER BY code, store_id")
    counts = await conn.fetch("SELECT code, n FROM community_store_counts WHERE n <> 0")
    return [tuple(r) for r in pairs], dict(counts)


async def test_rebuild_equals_the_trigger_kept_relation(conn: asyncpg.Connection) -> None:
    rng = np.random.default_rng(25)
    await conn.executemany(
        "INSERT INTO communities (code, name, street, district, households, is_pilot, geom) "
        "VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID($7::geometry, 4326))",
        [_community(rng, i) for i in range(20)])
    stores = [_store(rng, i) for i in range(120)]
    for row in stores[:40]:  # one statement each
        await conn.execute(INSERT_STORE, *row)
    # the rest in one COPY: one statement trigger over all of them
    await conn.copy_records_to_table("stores", records=stores[40:], columns=STORE_COLUMNS)
    await conn.execute("UPDATE stores SET status = 'closed' WHERE name IN ('门店3', '门店50')")
    await conn.execute("UPDATE stores SET status = 'active' WHERE name IN ('门店7', '门店60')")
    kept = await _relation(conn)
    assert len(kept[0]) > 100 and len(kept[1]) > 5  # the random network does serve

    pairs = await conn.fetchval("SELECT rebuild_store_serves()")
    assert pairs == len(kept[0])
    assert await _relation(conn) == kept

    # A bulk load: the COPY's trigger off, the relation rebuilt after it, in one transaction.
    more = [_store(rng, 1000 + i) for i in range(60)]
    async with conn.transaction():
        await conn.execute("ALTER TABLE stores DISABLE TRIGGER stores_serves_insert")
        await conn.copy_records_to_table("stores", records=more, columns=STORE_COLUMNS)
        await conn.execute("ALTER TABLE stores ENABLE TRIGGER stores_serves_insert")
        await conn.fetchval("SELECT rebuild_store_serves()")
    bulk = await _relation(conn)
    # the same stores again through the trigger: the same relation
    await conn.execute("UPDATE stores SET status = status")
    assert await _relation(conn) == bulk
    assert len(bulk[0]) > len(kept[0])


async def test_a_store_write_refreshes_its_pairs_without_scanning_every_store(
    conn: asyncpg.Connection,
) -> None:
    """The triggers' statement is planned for the stores at hand: a session's cached generic
    plan for `store_ids IS NULL OR id = ANY(store_ids)` scanned every store on each write
    (10,000 stores through the write path ran at 52/s at 100,000 stores)."""
    rng = np.random.default_rng(7)
    async with conn.transaction():
        # the plan a long-lived session settles on, and no seq scan where an index can serve
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await conn.execute("SET LOCAL enable_seqscan = off")
        ids = [await conn.fetchval(INSERT_STORE + " RETURNING id", *_store(rng, 5000 + i))
               for i in range(3)]
        await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", ids[0])
        scans = await conn.fetchval(
            "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'stores'")
    assert scans == 0
