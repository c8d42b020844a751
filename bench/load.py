"""Loading the synthetic network: the registry's real write path for a sample, COPY for the rest.

`service.registry.writer.add_store` (one transaction, history row, geodesic circle drawn by the
service) registers the first `real_path` stores; the rest, and every community, go in by binary
COPY (asyncpg `copy_records_to_table`, geometry as EWKB through the service's own codec).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg
import numpy as np
import shapely

from bench.synth import Communities, Stores
from service.registry.writer import RegistryStoreIn, add_store

STORE_COLUMNS = (
    "merchant_name", "name", "address", "categories", "geom", "zone", "radius_m",
    "home_delivery", "emergency_24h", "mobility_assist", "daily_capacity", "status",
    "status_reason", "status_changed_by", "status_changed_at",
)
COMMUNITY_COLUMNS = (
    "code", "name", "street", "district", "households", "residents", "elderly",
    "elderly_alone", "disabled", "mothers_infants", "children", "is_pilot", "geom",
)


def _store_in(s: Stores, i: int) -> RegistryStoreIn:
    return RegistryStoreIn(
        name=f"门店{i}", merchant_name=f"商户{i // 5}", address=f"北京市测试路{i}号",
        lon=float(s.lon[i]), lat=float(s.lat[i]), categories=s.categories[i],
        home_delivery=bool(s.home_delivery[i]), radius_m=s.radius_m[i],
        # drawn zones go in as drawn; radius zones are drawn by the service from radius_m
        zone=s.zone[i] if s.drawn[i] else None,
        daily_capacity=int(s.daily_capacity[i]), emergency_24h=bool(s.emergency_24h[i]),
        mobility_assist=bool(s.mobility_assist[i]), status=str(s.status[i]),
    )


async def stores_real_path(conn: asyncpg.Connection, s: Stores, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        await add_store(conn, _store_in(s, i))
    return time.perf_counter() - started


async def stores_copy(conn: asyncpg.Connection, s: Stores, start: int) -> tuple[float, float]:
    """The rest of the stores by one binary COPY, then their store -> community pairs in one
    set-based statement (rebuild_store_serves, migration 0025: the same rule and function the
    triggers use). The COPY's own statement trigger is off meanwhile: it would search each
    candidate row in an array of all the copied ids, which grows with the square of the load.
    One transaction, so nobody sees stores without their pairs. (COPY s, rebuild s)."""
    started = time.perf_counter()
    points = shapely.points(s.lon[start:], s.lat[start:])
    shapely.set_srid(points, 4326)
    now = datetime.now(UTC)
    records = (
        (f"商户{i // 5}", f"门店{i}", f"北京市测试路{i}号", s.categories[i], points[i - start],
         s.zone[i], s.radius_m[i], bool(s.home_delivery[i]), bool(s.emergency_24h[i]),
         bool(s.mobility_assist[i]), int(s.daily_capacity[i]), str(s.status[i]), "registered",
         "registry", now)
        for i in range(start, len(s))
    )
    async with conn.transaction():
        await conn.execute("ALTER TABLE stores DISABLE TRIGGER stores_serves_insert")
        await conn.copy_records_to_table("stores", records=records, columns=STORE_COLUMNS)
        await conn.execute("ALTER TABLE stores ENABLE TRIGGER stores_serves_insert")
        # the first status-history row the write path would have written
        await conn.execute("""
            INSERT INTO store_status_history (store_id, from_status, to_status, reason,
                                              changed_by)
            SELECT s.id, NULL, s.status, 'registered', 'registry' FROM stores s
            WHERE NOT EXISTS (SELECT 1 FROM store_status_history h WHERE h.store_id = s.id)""")
        copied = time.perf_counter()
        await conn.fetchval("SELECT rebuild_store_serves()")
    return copied - started, time.perf_counter() - copied


async def communities_copy(conn: asyncpg.Connection, c: Communities, seed: int = 3) -> float:
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    residents = (c.households * rng.uniform(2.2, 2.9, len(c))).astype(int)

    def share(lo: float, hi: float) -> np.ndarray:
        return (residents * rng.uniform(lo, hi, len(c))).astype(int)

    elderly, alone, disabled = share(0.12, 0.25), share(0.01, 0.05), share(0.01, 0.03)
    mothers, children = share(0.005, 0.015), share(0.08, 0.16)
    records = (
        (code, f"测试社区{i}", f"测试街道{i // 40}", f"测试区{i // 700}", int(c.households[i]),
         int(residents[i]), int(elderly[i]), int(alone[i]), int(disabled[i]), int(mothers[i]),
         int(children[i]), True, c.geom[i])
        for i, code in enumerate(c.code)
    )
    await conn.copy_records_to_table("communities", records=records, columns=COMMUNITY_COLUMNS)
    return time.perf_counter() - started


async def analyze(conn: asyncpg.Connection) -> float:
    started = time.perf_counter()
    for table in ("stores", "communities", "store_status_history", "store_serves",
                  "community_store_counts"):
        await conn.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started
