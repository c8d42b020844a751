"""The registry index answers "which delivering stores' zones hold this point" exactly as
PostGIS's ST_Intersects does, whichever way it keeps a zone: radius zones as WKB (decoded
only near their edge), drawn irregular ones decoded; points on vertices and edges included."""

from __future__ import annotations

import random

import asyncpg
import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from geo import geodesic_circle
from service.db.queries import load
from service.registry.index import RegistryIndex
from tests.service.test_registry_builders import store

LON, LAT = 116.4640, 39.9268
SQL = load("registry_index")


def drawn(rnd: random.Random, lon: float, lat: float) -> Polygon:
    """A star-shaped zone round (lon, lat) with radii from 300 m to 2.5 km."""
    n = rnd.randint(5, 14)
    ring = []
    for k in range(n):
        a = 2 * np.pi * k / n
        r = rnd.uniform(0.003, 0.025)
        ring.append((lon + r * np.cos(a) / 0.77, lat + r * np.sin(a)))
    return Polygon(ring)


async def test_serving_from_the_index_equals_st_intersects(conn: asyncpg.Connection) -> None:
    rnd = random.Random(5)
    zones = []
    for k in range(36):
        lon, lat = LON + rnd.uniform(-0.04, 0.04), LAT + rnd.uniform(-0.03, 0.03)
        if k % 3 == 0:  # drawn; every sixth store stands outside its zone
            zone = drawn(rnd, lon + (0.03 if k % 6 == 0 else 0.0), lat)
            await store(conn, lon, lat, home_delivery=True, zone=zone)
            zones.append(zone)
        else:
            r = rnd.choice([800, 1500, 3000])
            await store(conn, lon, lat, home_delivery=True, radius_m=r)
            zones.append(geodesic_circle(lon, lat, r, 52))
    await store(conn, LON, LAT)  # walk-in only: never serving
    index = RegistryIndex(await conn.fetchval(SQL.index_version),
                          await conn.fetch(SQL.index_stores, -1))
    layer = index.layers[0]
    kept_as_wkb = np.array([isinstance(z, bytes) for z in layer.zones])
    assert kept_as_wkb.sum() >= 20 and (~kept_as_wkb).sum() >= 10  # both ways are exercised
    assert (kept_as_wkb == layer.packed).all()

    stored = await conn.fetch("SELECT zone FROM stores WHERE home_delivery")
    coords = shapely.get_coordinates([r["zone"] for r in stored])
    mids = (coords[:-1] + coords[1:]) / 2
    points = [Point(x, y) for x, y in coords[::3]] + [Point(x, y) for x, y in mids[::5]]
    points += [Point(LON + rnd.uniform(-0.07, 0.07), LAT + rnd.uniform(-0.05, 0.05))
               for _ in range(300)]
    held = 0
    for p in points:
        want = await conn.fetch(
            "SELECT id FROM stores WHERE status = 'active' AND home_delivery AND "
            "ST_Intersects(zone, ST_SetSRID($1::geometry, 4326))", p)
        got = index.serving(p, None).ids()
        assert sorted(got) == sorted(r["id"] for r in want), p.wkt
        held += len(got)
    assert held > len(points)  # most points are served by several stores
