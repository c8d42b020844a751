"""Which database to use: DATABASE_URL, or the embedded cluster in BOAI_DATA_DIR."""

from __future__ import annotations

import asyncpg

from service.config import Settings
from service.db.cluster import EmbeddedCluster


class DatabaseSetupError(RuntimeError):
    pass


def resolve_dsn(settings: Settings) -> tuple[str, EmbeddedCluster | None, bool]:
    """(dsn, cluster or None, whether this call started the cluster)."""
    if settings.database_url:
        return settings.database_url, None, False
    cluster = EmbeddedCluster(settings.data_dir)
    was_running = cluster.running_port() is not None
    return cluster.start(), cluster, not was_running


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
