"""Which database to use: DATABASE_URL, or the embedded cluster in BOAI_DATA_DIR; and closing
the dedicated (unpooled) connections the listeners keep."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from service.config import Settings
from service.db.cluster import EmbeddedCluster


class DatabaseSetupError(RuntimeError):
    pass


async def close_quietly(conn: asyncpg.Connection | None, timeout_s: float) -> None:
    """Close politely, or cut the connection when the server does not answer within
    `timeout_s` (a stopping worker must not hang on a dead database). Never raises."""
    if conn is None or conn.is_closed():
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.close(), timeout_s)
    if not conn.is_closed():
        conn.terminate()


def resolve_dsn(settings: Settings) -> tuple[str, EmbeddedCluster | None, bool]:
    """(DSN for migrations and administration, cluster or None, whether this call started
    the cluster). The embedded cluster's is its superuser; migrations SET ROLE the owner."""
    if settings.database_url:
        if settings.pgbouncer and not settings.migration_database_url:
            # migrations hold a session-level advisory lock and SET ROLE: not through a pooler
            raise DatabaseSetupError("behind pgbouncer (BOAI_PGBOUNCER), set "
                                     "BOAI_MIGRATION_DATABASE_URL to a direct connection")
        return settings.migration_database_url or settings.database_url, None, False
    cluster = EmbeddedCluster(settings.data_dir, pitr=True)
    was_running = cluster.running_port() is not None
    return cluster.start(), cluster, not was_running


def service_dsn(settings: Settings, cluster: EmbeddedCluster | None) -> str:
    """The DSN the service itself connects with: its least-privileged role."""
    if cluster is None:
        if not settings.database_url:
            raise DatabaseSetupError("no embedded cluster and no DATABASE_URL to connect to")
        return settings.database_url
    port = cluster.running_port()
    if port is None:
        raise DatabaseSetupError("the embedded cluster is not running")
    return cluster.service_dsn(port)


async def check_postgis(dsn: str) -> None:
    try:
        conn = await asyncpg.connect(dsn, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseSetupError(f"cannot connect to the database: {exc}") from exc
    try:
        available = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')"
        )
    finally:
        await conn.close()
    if not available:
        raise DatabaseSetupError(
            "PostGIS is not available on this PostgreSQL server; install it "
            "(Debian: apt-get install postgresql-15-postgis-3) or unset DATABASE_URL "
            "to use the embedded cluster."
        )
