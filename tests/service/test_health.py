"""Readiness follows the database: down means 503, back means 200 again."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.db.cluster import EmbeddedCluster
from service.db.migrate import migrate
from tests.support import make_settings


async def test_ready_and_live(client: AsyncTestClient) -> None:
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_not_ready_until_migrated(admin_dsn: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute("DROP DATABASE IF EXISTS unmigrated WITH (FORCE)")
    await conn.execute("CREATE DATABASE unmigrated")
    await conn.close()
    dsn = admin_dsn.rsplit("/", 1)[0] + "/unmigrated"
    async with AsyncTestClient(app=create_app(make_settings(dsn))) as client:
        response = await client.get("/health/ready")
        assert response.status_code == 503 and "Migrations" in response.json()["detail"]
        mconn = await asyncpg.connect(dsn)
        await migrate(mconn)
        await mconn.close()
        assert (await client.get("/health/ready")).status_code == 200


async def test_readiness_fails_while_database_down_and_recovers(cluster_dir: Path) -> None:
    own = EmbeddedCluster(cluster_dir)
    dsn = own.start()
    try:
        conn = await asyncpg.connect(dsn)
        await migrate(conn)
        await conn.close()
        app = create_app(make_settings(dsn, db_acquire_timeout=1.0))
        async with AsyncTestClient(app=app) as client:
            assert (await client.get("/health/ready")).status_code == 200
            own.stop()
            down = await client.get("/health/ready")
            assert down.status_code == 503
            assert down.headers["retry-after"]
            assert down.headers["content-type"].startswith("application/problem+json")
            own.start()
            statuses = [(await client.get("/health/ready")).status_code for _ in range(3)]
            assert statuses[-1] == 200, [(await client.get("/health/ready")).json()["detail"]]
    finally:
        own.stop()
