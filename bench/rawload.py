"""The physical limit: the service's own SQL straight through asyncpg, no HTTP, no Python
service code, at the same concurrency (one connection per client, uvloop).

Run as a separate process: `python -m bench.rawload SPEC.json` prints one JSON result line.
  serving: registry.serving_stores at each point.
  route:   dispatch.route_*_candidates, then reserve_first over them nearest first (one
           statement: the first that can still take the household gets the unit and the
           reservation row), as routing does, minus the index, ranking, auth and the answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import asyncpg
import numpy as np
import shapely
import uvloop
from shapely.geometry import Point

from service.db.queries import load
from service.registry.places import service_day

REGISTRY, DISPATCH = load("registry"), load("dispatch")



async def passthrough_geometry(conn: asyncpg.Connection) -> None:
    """Geometry in as EWKB, out as bytes: the database's work and the bytes on the wire, not
    the service's decoding into shapely (that is part of what the service adds)."""
    await conn.set_type_codec("geometry", encoder=_ewkb, decoder=bytes, format="binary")


def _ewkb(geom: Any) -> bytes:
    return shapely.to_wkb(geom, include_srid=True)


async def serving(conn: asyncpg.Connection, job: Any, day: Any) -> None:
    await conn.fetch(REGISTRY.serving_stores, Point(*job), None, day)


async def route(conn: asyncpg.Connection, job: Any, day: Any) -> None:
    h = job["household"]
    point, cats = Point(h["lon"], h["lat"]), sorted(set(job["categories"]))
    if job["home_delivery"]:
        rows = await conn.fetch(DISPATCH.route_delivery_candidates, point, cats, day, 50, 1)
    else:
        rows = await conn.fetch(DISPATCH.route_walkin_candidates, point, cats, day, 1000.0, 50, 1)
    if rows:
        await conn.fetchrow(DISPATCH.reserve_first, [r["id"] for r in rows], day, h["ref"],
                            "raw", point)


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    op = {"serving": serving, "route": route}[spec["mode"]]
    jobs, day = spec["jobs"], service_day()
    conns = [await asyncpg.connect(spec["dsn"]) for _ in range(spec["concurrency"])]
    for conn in conns:
        await passthrough_geometry(conn)
    latencies: list[float] = []
    next_job = iter(range(10**9))
    stop = time.perf_counter() + spec["seconds"]

    async def client(conn: asyncpg.Connection) -> None:
        while time.perf_counter() < stop:
            job = jobs[next(next_job) % len(jobs)]
            t0 = time.perf_counter()
            await op(conn, job, day)
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in conns))
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    lat = np.array(latencies) * 1000
    return {"rps": len(lat) / elapsed, "p50_ms": float(np.percentile(lat, 50)),
            "p99_ms": float(np.percentile(lat, 99)), "requests": len(lat), "errors": 0}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        result = uvloop.run(main(json.load(f)))
    print(json.dumps(result))
