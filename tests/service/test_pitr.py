"""The restore drill: pgBackRest base backup, writes through the live service, the data
directory lost, `boai db restore`: every committed write back, the audit log intact,
the service answering 503 (never 500) meanwhile and recovering without a restart.

Runs the real CLI (`boai db ...`) on its own embedded cluster with WAL archiving, and the
real service under granian connected as its least-privileged role.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from service.db.cluster import PG_BIN, EmbeddedCluster
from service.db.pool import register_codecs
from service.seed.loader import load_communities
from tests.factories import merchant, open_round
from tests.serving import ARTIFACTS, granian_server

BOAI = str(Path(sys.executable).with_name("boai"))
N_BEFORE, N_AFTER = 6, 4  # submissions before and after the --to time


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="boai-pitr-"))
    base.chmod(0o755)  # the postgres user must reach it
    yield base
    EmbeddedCluster(base).stop()
    shutil.rmtree(base, ignore_errors=True)


def boai(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "BOAI_MIGRATION_DATABASE_URL")}
    env["BOAI_DATA_DIR"] = str(data_dir)
    return subprocess.run([BOAI, *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def started(data_dir: Path) -> subprocess.CompletedProcess[str]:
    result = boai(data_dir, "db", "start")
    assert result.returncode == 0, result.stderr
    return result


def test_db_start_prints_no_secret(started: subprocess.CompletedProcess[str],
                                   data_dir: Path) -> None:
    secrets = [p.read_text().strip() for p in data_dir.glob("*password")]
    assert len(secrets) == 3  # the superuser, the owner and the service role
    output = started.stdout + started.stderr
    assert "postgresql://boai@127.0.0.1:" in output
    for secret in secrets:
        assert secret not in output
    for path in data_dir.glob("*password"):
        assert path.stat().st_mode & 0o077 == 0


@pytest.fixture(scope="module")
async def prepared(started: subprocess.CompletedProcess[str], data_dir: Path) -> str:
    migrated = await asyncio.to_thread(boai, data_dir, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    cluster = EmbeddedCluster(data_dir)
    conn = await asyncpg.connect(cluster.dsn(cluster.running_port() or 0))
    await register_codecs(conn)
    await load_communities(conn)
    await open_round(conn)
    await conn.close()
    return cluster.service_dsn(cluster.running_port() or 0)


class Watch:
    """Submissions sent while a restore runs; every answer is kept."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.answers: list[tuple[int, str]] = []
        self.seed = 50_000

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            while not stop.is_set():
                self.seed += 1
                answer = await http.post("/api/v1/applications", json=merchant(seed=self.seed))
                self.answers.append((answer.status_code, answer.headers.get("retry-after", "")))
                await asyncio.sleep(0.1)


@pytest.fixture
async def service(prepared: str) -> AsyncIterator[str]:
    # the drill's submissions come from one address: no applicant rate limit here
    with granian_server(prepared, BOAI_APPLICANT_RATE="1000000") as (base, _proc):
        yield base


async def submit(http: httpx.AsyncClient, seeds: range) -> list[str]:
    codes = []
    for seed in seeds:
        body = merchant(seed=seed)
        answer = await http.post("/api/v1/applications", json=body)
        assert answer.status_code == 201, answer.text
        codes.append(body["credit_code"])
    return codes


async def stored(dsn: str) -> tuple[set[str], set[tuple[object, ...]]]:
    """The credit codes of the stored applications, and the audit log's rows."""
    conn = await asyncpg.connect(dsn)
    try:
        codes = {r["credit_code"] for r in await conn.fetch("SELECT credit_code FROM applications")}
        audit = {tuple(r) for r in await conn.fetch(
            "SELECT id, entity, entity_id, action, actor, to_status, at FROM audit_log")}
        return codes, audit
    finally:
        await conn.close()


async def during(base: str, action) -> tuple[subprocess.CompletedProcess[str], list]:  # type: ignore[no-untyped-def]
    watch, stop = Watch(base), asyncio.Event()
    task = asyncio.create_task(watch.run(stop))
    await asyncio.sleep(0.3)
    try:
        result = await asyncio.to_thread(action)
    finally:
        stop.set()
        await task
    return result, watch.answers


async def test_restore_drill(service: str, prepared: str, data_dir: Path) -> None:
    cluster = EmbeddedCluster(data_dir)
    backup = await asyncio.to_thread(boai, data_dir, "db", "backup")
    assert backup.returncode == 0, backup.stderr
    # pgBackRest records when the backup stopped to the second; the --to time below must
    # fall in a later second (not a timed assertion: it only spaces the writes)
    await asyncio.sleep(1.1)
    async with httpx.AsyncClient(base_url=service, timeout=30) as http:
        first = await submit(http, range(1, 1 + N_BEFORE))
        conn = await asyncpg.connect(cluster.dsn(cluster.running_port() or 0))
        between = await conn.fetchval("SELECT clock_timestamp()")
        await conn.close()
        later = await submit(http, range(100, 100 + N_AFTER))
        written, audit_before = await stored(prepared)
        assert set(first + later) <= written

        # the service is connected: a plain restore refuses and changes nothing
        refused = await asyncio.to_thread(boai, data_dir, "db", "restore")
        assert refused.returncode == 1 and "--take-down" in refused.stderr
        assert (await http.get("/health/ready")).status_code == 200

        # the failure: the server dies and its data directory is lost
        admin = cluster.dsn(cluster.running_port() or 0, "postgres")
        conn = await asyncpg.connect(admin)
        current, archived = await conn.fetchrow(
            "SELECT pg_walfile_name(pg_current_wal_lsn()), last_archived_wal"
            " FROM pg_stat_archiver")
        await conn.close()
        assert current > (archived or "")  # the last writes were not archived yet
        crash = await asyncio.to_thread(
            subprocess.run,
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(PG_BIN / "pg_ctl"), "-D", str(cluster.pgdata), "-m", "immediate", "stop"],
            capture_output=True, text=True, check=False,
        )
        assert crash.returncode == 0, crash.stderr
        shutil.rmtree(cluster.pgdata)
        latest, answers = await during(service, lambda: boai(data_dir, "db", "restore"))
        assert latest.returncode == 0, latest.stderr
        recovered, audit_after = await stored(prepared)
        assert set(first + later) <= recovered  # N of N
        assert audit_before <= audit_after  # every audit row, unchanged
        assert {s for s, _ in answers} <= {201, 503}, answers
        assert all(r for s, r in answers if s == 503)
        lost_latest = len(set(first + later) - recovered)

        # the service recovers by itself: the next submissions are stored
        await asyncio.sleep(0)
        again = await submit(http, range(200, 202))
        assert set(again) <= (await stored(prepared))[0]

        # to a point in time, with the service connected: --take-down
        to_time, answers_to = await during(
            service,
            lambda: boai(data_dir, "db", "restore", "--to", between.isoformat(), "--take-down"),
        )
        assert to_time.returncode == 0, to_time.stderr
        codes, _audit = await stored(prepared)
        assert set(first) <= codes and not set(later) & codes and not set(again) & codes
        assert {s for s, _ in answers_to} <= {201, 503}, answers_to
        assert 503 in {s for s, _ in answers_to}
        assert all(r for s, r in answers_to if s == 503)
        assert (await http.get("/health/ready")).status_code == 200
        await submit(http, range(300, 301))

    summary = {
        "writes_after_last_base_backup": len(first + later),
        "recovered_after_losing_the_data_directory": len(set(first + later) & recovered),
        "lost": lost_latest,
        "audit_rows_before_failure": len(audit_before),
        "audit_rows_recovered": len(audit_before & audit_after),
        "answers_during_restore": sorted({s for s, _ in answers + answers_to}),
        "restore_to_time_kept": len(set(first) & codes), "restore_to_time_dropped": N_AFTER,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "restore-drill.json").write_text(json.dumps(summary, indent=1))
    print(f"\nrestore drill: {summary}")
