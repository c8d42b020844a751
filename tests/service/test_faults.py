"""Faults: the database stops under load, the pool fills up, backups round-trip."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.auth.repository import add_user
from service.db.cluster import EmbeddedCluster
from service.db.migrate import migrate
from service.db.pool import register_codecs
from service.registry.writer import RegistryStoreIn, add_store
from service.seed.loader import load_communities
from tests.factories import merchant, open_round
from tests.serving import ARTIFACTS
from tests.support import make_settings


@pytest.fixture
async def own_cluster(cluster_dir: Path):  # type: ignore[no-untyped-def]
    cluster = EmbeddedCluster(cluster_dir)
    dsn = cluster.start()
    conn = await asyncpg.connect(dsn)
    await migrate(conn)
    await register_codecs(conn)
    await load_communities(conn)
    await open_round(conn)
    await add_store(
        conn,
        RegistryStoreIn(
            name="团结湖店",
            merchant_name="测试超市",
            address="团结湖",
            lon=116.4663,
            lat=39.9303,
            categories=["grain_oil"],
            home_delivery=True,
            radius_m=3000,
            zone=None,
            daily_capacity=1000,
            emergency_24h=True,
            mobility_assist=True,
        ),
    )
    dispatcher = await add_user(conn, "dispatcher-1", "dispatcher", can_decide=False)
    await conn.close()
    yield cluster, dsn, dispatcher
    cluster.stop()


async def test_database_stopped_during_submissions(own_cluster) -> None:  # type: ignore[no-untyped-def]
    cluster, dsn, dispatcher = own_cluster
    settings = make_settings(dsn, db_acquire_timeout=1.0, db_command_timeout=2.0)
    outcomes: list[tuple[int, str, float, dict[str, str], dict]] = []
    seeds = iter(range(1000, 2000))

    async def submit(client: AsyncTestClient) -> None:
        body = merchant(seed=next(seeds))
        started = time.monotonic()
        response = await client.post("/api/v1/applications", json=body)
        outcomes.append(
            (
                response.status_code,
                body["credit_code"],
                time.monotonic() - started,
                dict(response.headers),
                response.json(),
            )
        )

    routed: list[tuple[int, float, dict[str, str]]] = []

    async def route(client: AsyncTestClient) -> None:
        started = time.monotonic()
        response = await client.post(
            "/api/v1/dispatch/route",
            headers={"Authorization": f"Bearer {dispatcher}"},
            json={
                "household": {"lon": 116.4665, "lat": 39.9301, "crs": "wgs84"},
                "home_delivery": True,
                "phase": "warning",
                "categories": ["grain_oil"],
            },
        )
        routed.append((response.status_code, time.monotonic() - started, dict(response.headers)))

    async def wave(client: AsyncTestClient, n: int) -> None:
        await asyncio.gather(
            *(submit(client) for _ in range(n)), *(route(client) for _ in range(n // 2))
        )

    async with AsyncTestClient(app=create_app(settings)) as client:
        await wave(client, 10)
        cluster.stop()
        await wave(client, 10)
        down = await client.get("/health/ready")
        cluster.start()
        for _ in range(20):  # the pool reconnects by itself
            if (await client.get("/health/ready")).status_code == 200:
                break
            await asyncio.sleep(0.25)
        await wave(client, 10)
        up = await client.get("/health/ready")

    assert down.status_code == 503 and up.status_code == 200
    statuses = [o[0] for o in outcomes]
    assert set(statuses) <= {201, 503}, statuses
    assert statuses.count(503) >= 10
    for status, _code, elapsed, headers, problem in outcomes:
        assert elapsed < 3 * settings.db_command_timeout  # answered, never hung
        if status == 503:
            assert headers["retry-after"] and problem["status"] == 503
    route_statuses = [r[0] for r in routed]
    assert set(route_statuses) <= {200, 503} and route_statuses.count(503) >= 5, route_statuses
    assert all(r[1] < 3 * settings.db_command_timeout for r in routed)
    assert all(r[2]["retry-after"] for r in routed if r[0] == 503)
    created = {o[1] for o in outcomes if o[0] == 201}
    conn = await asyncpg.connect(dsn)
    stored = [r["credit_code"] for r in await conn.fetch("SELECT credit_code FROM applications")]
    # every reservation answered 200 is booked, and the counter matches the bookings exactly
    booked = await conn.fetchval("SELECT count(*) FROM reservations WHERE released_at IS NULL")
    reserved = await conn.fetchval("SELECT coalesce(sum(reserved), 0) FROM store_capacity")
    await conn.close()
    assert booked == reserved >= route_statuses.count(200)
    assert created <= set(stored)  # every 201 is there
    assert len(stored) == len(set(stored))  # none twice
    summary = {
        "submissions": len(outcomes), "submissions_201": len(created),
        "submissions_503": statuses.count(503), "routings": len(routed),
        "routings_200": route_statuses.count(200), "routings_503": route_statuses.count(503),
        "lost_writes": len(created - set(stored)), "duplicates": len(stored) - len(set(stored)),
        "slowest_answer_s": round(max(o[2] for o in outcomes), 2),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "faults-summary.json").write_text(json.dumps(summary, indent=1))
    print(f"\nfaults: {summary}")


async def test_full_pool_answers_503_fast(dsn: str) -> None:
    from litestar import Request

    from service.db.pool import create_pool
    from service.http.errors import problem_response

    db = await create_pool(dsn, max_size=2, acquire_timeout=0.5)
    held = [await db.pool.acquire() for _ in range(2)]
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError) as waited:
        async with db.acquire():
            pass
    elapsed = time.monotonic() - started
    for connection in held:
        await db.pool.release(connection)
    async with db.acquire() as connection:
        assert await connection.fetchval("SELECT 1") == 1
    await db.close()
    assert elapsed < 3  # bounded by the acquire timeout, not queued forever
    request = Request(
        scope={
            "type": "http",
            "method": "GET",
            "path": "/x",
            "headers": [],
            "query_string": b"",
            "app": None,
            "state": {},
        }
    )  # type: ignore[typeddict-item]
    response = problem_response(request, waited.value)
    assert response.status_code == 503 and response.headers["Retry-After"]


async def test_backup_and_restore_round_trip_the_registry(
    dsn: str, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from service.seed.loader import _items
    from service.seed.rounds import load_applications, load_network

    await load_network(conn, _items("network_beijing1.json"))
    await load_applications(conn, _items("applications_beijing2.json"))
    tables = (
        "communities",
        "applications",
        "application_stores",
        "stores",
        "audit_log",
        "store_status_history",
        "scorecards",
        "rubrics",
    )

    async def snapshot() -> dict[str, object]:
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
        counts["geometry"] = await conn.fetchval(
            "SELECT md5(string_agg(ST_AsEWKB(geom)::text || coalesce(ST_AsEWKB(zone)::text, ''),"
            " ',' ORDER BY id)) FROM stores"
        )
        return counts

    before = await snapshot()
    assert before["stores"] == 4
    boai = str(Path(sys.executable).with_name("boai"))
    env = {**os.environ, "DATABASE_URL": dsn}
    dump = tmp_path / "registry.dump"
    backup = await asyncio.to_thread(
        subprocess.run, [boai, "db", "export", str(dump)], env=env, capture_output=True, check=False
    )
    assert backup.returncode == 0, backup.stderr
    await conn.execute("UPDATE stores SET status = 'closed'")
    await conn.execute("DELETE FROM scorecards")
    restored = await asyncio.to_thread(
        subprocess.run,
        [boai, "db", "import", str(dump)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr
    assert await snapshot() == before
    assert await conn.fetchval("SELECT count(*) FROM stores WHERE status = 'closed'") == 0
