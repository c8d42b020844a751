"""A throwaway PostGIS cluster started as the tests start theirs, migrated, with staff tokens."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from service.auth.repository import add_user
from service.db.cluster import EmbeddedCluster
from service.db.migrate import migrate
from service.db.pool import register_codecs
from service.rounds.service import create_round

ROUND = "bench-2026"
ROLES = ("admin", "reviewer", "dispatcher")


@contextmanager
def throwaway_cluster() -> Iterator[tuple[EmbeddedCluster, str, Path]]:
    """(cluster, dsn, its directory): a temp dir chmod 755, stopped and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="boai-bench-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    cluster = EmbeddedCluster(base)
    try:
        yield cluster, cluster.start(), base
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await register_codecs(conn)
    return conn


async def prepare(dsn: str) -> dict[str, str]:
    """Migrations, one open round with the default rubric, a staff token per role."""
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
        await register_codecs(conn)
        await create_round(conn, ROUND, "基准测试批次", "open", None, "bench")
        return {role: await add_user(conn, f"bench-{role}", role, can_decide=True)
                for role in ROLES}
    finally:
        await conn.close()
