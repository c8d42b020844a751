"""A dump restored under a live service: PostGIS comes back with new type OIDs.

The pool's connections keep the old codecs; the service must answer 503 with Retry-After
(never 500), readiness must say so, and the pool must replace its connections by itself.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from litestar.testing import AsyncTestClient

from service.app import create_app
from service.db.cluster import PG_BIN
from tests.support import make_settings


def _run(*cmd: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


async def test_restored_dump_under_live_pool_answers_503_then_recovers(
    dsn: str, service_dsn: str, tmp_path: Path
) -> None:
    dump = tmp_path / "db.dump"
    app = create_app(make_settings(service_dsn, db_pool_max=2))
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health/ready")).status_code == 200
        before = await client.get("/api/v1/communities")
        assert before.status_code == 200 and before.json()["features"]
        await asyncio.to_thread(_run, str(PG_BIN / "pg_dump"), "-Fc", "-f", str(dump), "-d", dsn)
        # what the outside attack did: restore the dump while the service runs
        await asyncio.to_thread(
            _run, str(PG_BIN / "pg_restore"), "--clean", "--if-exists", "--single-transaction",
            "--exit-on-error", "-d", dsn, str(dump),
        )
        ready = await client.get("/health/ready")
        assert ready.status_code == 503, ready.text  # the old codecs cannot run the queries
        assert ready.headers["retry-after"]
        statuses = []
        for _ in range(10):  # the pool replaces its connections by itself
            answer = await client.get("/api/v1/communities")
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                break
            assert answer.status_code == 503 and answer.headers["retry-after"], answer.text
            await asyncio.sleep(0.2)
        assert statuses[-1] == 200, statuses
        assert answer.json()["features"] == before.json()["features"]
        assert (await client.get("/health/ready")).status_code == 200


def _boai(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    env = {**os.environ, "DATABASE_URL": dsn}
    env.pop("BOAI_MIGRATION_DATABASE_URL", None)
    return subprocess.run([str(Path(sys.executable).with_name("boai")), *args], env=env,
                          capture_output=True, text=True, check=False)


async def test_import_refuses_a_connected_service_unless_taken_down(
    dsn: str, service_dsn: str, tmp_path: Path
) -> None:
    dump = tmp_path / "db.dump"
    exported = await asyncio.to_thread(_boai, dsn, "db", "export", str(dump))
    assert exported.returncode == 0, exported.stderr
    app = create_app(make_settings(service_dsn, db_pool_max=2, db_acquire_timeout=1.0))
    async with AsyncTestClient(app=app) as client:
        before = await client.get("/api/v1/communities")
        assert before.status_code == 200  # the pool now holds a connection
        refused = await asyncio.to_thread(_boai, dsn, "db", "import", str(dump))
        assert refused.returncode == 1 and "--take-down" in refused.stderr
        task = asyncio.create_task(
            asyncio.to_thread(_boai, dsn, "db", "import", "--take-down", str(dump))
        )
        statuses = []
        while not task.done():
            answer = await client.get("/api/v1/communities")
            statuses.append(answer.status_code)
            if answer.status_code != 200:
                assert answer.status_code == 503 and answer.headers["retry-after"], answer.text
            await asyncio.sleep(0.05)
        imported = await task
        assert imported.returncode == 0, imported.stderr
        for _ in range(10):  # back by itself, no restart
            answer = await client.get("/api/v1/communities")
            if answer.status_code == 200:
                break
            assert answer.status_code == 503, answer.text
            await asyncio.sleep(0.2)
        assert answer.json()["features"] == before.json()["features"]
        assert (await client.get("/health/ready")).status_code == 200
        assert 503 in statuses or len(statuses) < 3, statuses
