"""A chain's application at its real size: 1,000 stores validated, stored and scored.

    .venv/bin/python -m bench.chains            # 20 submissions of 1,000 stores (~1-2 min)
    .venv/bin/python -m bench.chains --runs 5 --stores 2000

Starts a throwaway PostGIS cluster as the tests do, loads a registry of 20,000 synthetic
stores and 1,000 pilot communities (COPY), then submits whole applications through the
service's own HTTP handler in process (JSON decoding, collect-every-error validation, the
store inserts, audit rows, token, scorecard with network counts) and times each. In the
same run the same store rows are written by one binary `COPY` straight through asyncpg;
the ratio says what everything else costs. The goal: p99 under 2 s for 1,000 stores.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from litestar.testing import AsyncTestClient

from bench.db import ROUND, connect, prepare, throwaway_cluster
from bench.load import analyze, communities_copy, stores_copy
from bench.synth import communities, stores
from service.app import create_app
from service.applications.repository import _STORE_COLUMNS, _srid
from service.applications.schemas import Store
from service.applications.stores import prepare as prepare_store
from service.validation import collect
from tests.chains_data import chain_stores
from tests.factories import merchant
from tests.support import make_settings


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _copy_only(conn, application_id: uuid.UUID, body: dict) -> float:
    """The same store rows, validated beforehand, written by one COPY."""
    prepared = [prepare_store(collect(Store, s)[0]) for s in body["stores"]]
    rows = [
        (uuid.uuid4(), application_id, i, p.store.name, p.store.address, list(p.store.categories),
         p.till_must_block, _srid(_point(p)), p.location_input, p.store.delivery.home_delivery,
         p.store.delivery.radius_m, _srid(p.zone), p.store.delivery.daily_capacity,
         p.store.delivery.emergency_24h, p.store.delivery.mobility_assist, p.store.opening_hours)
        for i, p in enumerate(prepared)
    ]
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("bench_copy", records=rows, columns=_STORE_COLUMNS)
    elapsed = time.perf_counter() - started
    await conn.execute("TRUNCATE bench_copy")
    return elapsed


def _point(p):
    from shapely.geometry import Point

    return Point(p.lon, p.lat)


async def run(n_stores: int, runs: int) -> None:
    with throwaway_cluster() as (cluster, dsn, _):
        await prepare(dsn)
        conn = await connect(dsn)
        await communities_copy(conn, communities(1_000))
        await stores_copy(conn, stores(20_000), 0)
        await analyze(conn)
        # Same columns, types and indexes as application_stores (not its foreign key).
        await conn.execute("CREATE TEMP TABLE bench_copy (LIKE application_stores INCLUDING ALL)")
        port = cluster.running_port()
        app = create_app(make_settings(cluster.service_dsn(port, dsn.rsplit("/", 1)[1])))
        timings, copies = [], []
        async with AsyncTestClient(app=app, timeout=60) as client:
            for i in range(runs + 1):  # the first warms caches (community index, statements)
                body = merchant(seed=9_000 + i, round=ROUND, stores=chain_stores(n_stores, i))
                started = time.perf_counter()
                response = await client.post("/api/v1/applications", json=body)
                elapsed = time.perf_counter() - started
                assert response.status_code == 201, response.text[:500]
                app_id = uuid.UUID(response.json()["id"])
                copy = await _copy_only(conn, app_id, body)
                if i:
                    timings.append(elapsed)
                    copies.append(copy)
        await conn.close()
    p50, p99 = statistics.median(timings), _p(timings, 0.99)
    copy50 = statistics.median(copies)
    print(f"{runs} applications of {n_stores} stores against 20,000 registry stores, "
          f"1,000 communities")
    print(f"  POST /applications (validate + store + score): p50 {p50:.3f} s, p99 {p99:.3f} s "
          f"(goal p99 < 2 s: {'met' if p99 < 2 else 'missed'})")
    print(f"  the same store rows by one COPY: p50 {copy50 * 1000:.1f} ms")
    print(f"  ratio (whole submission / COPY of its stores): {p50 / copy50:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.stores, args.runs))


if __name__ == "__main__":
    main()
