"""A primary and a streaming hot standby on loopback (Debian's PostgreSQL 15), for the
replication tests and the benchmark's two-node figure: the primary migrated and loaded
first, then copied by pg_basebackup -R (service/db/standby.py)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from service.db.cluster import EmbeddedCluster
from service.db.migrate import migrate
from service.db.pool import register_codecs
from service.db.standby import StandbyCluster
from service.seed.loader import load_communities

# Small test clusters: the default config's 256 MB is for the service's own.
_CONF = "\n# replication tests\nshared_buffers = 32MB\nmax_connections = 100\n"


@dataclass
class Pair:
    primary: EmbeddedCluster
    standby: StandbyCluster

    def port(self, cluster: EmbeddedCluster) -> int:
        port = cluster.running_port()
        assert port is not None, "cluster not running"
        return port

    def superuser_dsn(self, cluster: EmbeddedCluster) -> str:
        return cluster.dsn(self.port(cluster))

    def service_dsn(self, cluster: EmbeddedCluster) -> str:
        return cluster.service_dsn(self.port(cluster))

    def failover_dsn(self) -> str:
        """The service's multi-host DSN: whichever of the two accepts writes."""
        primary, standby = self.port(self.primary), self.port(self.standby)
        one = self.service_dsn(self.primary)
        return (one.replace(f"127.0.0.1:{primary}", f"127.0.0.1:{primary},127.0.0.1:{standby}")
                + "?target_session_attrs=read-write")


@contextmanager
def primary_cluster() -> Iterator[tuple[EmbeddedCluster, Path]]:
    base = Path(tempfile.mkdtemp(prefix="boai-repl-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    primary = EmbeddedCluster(base / "primary")
    try:
        primary.init()
        with (primary.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(_CONF)
        primary.start()
        yield primary, base
    finally:
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def standby_of(primary: EmbeddedCluster, base: Path) -> Iterator[StandbyCluster]:
    standby = StandbyCluster(base / "standby")
    try:
        standby.clone(primary)
        standby.start()
        yield standby
    finally:
        standby.stop()


async def replayed(primary_dsn: str, standby_dsn: str) -> bool:
    """Whether the standby has replayed everything the primary has flushed so far."""
    p = await asyncpg.connect(primary_dsn)
    s = await asyncpg.connect(standby_dsn)
    try:
        flushed = await p.fetchval("SELECT pg_current_wal_flush_lsn()::text")
        return bool(await s.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
                                     flushed))
    finally:
        await p.close()
        await s.close()


@asynccontextmanager
async def seeded(primary: EmbeddedCluster) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the primary, migrated and with the pilot communities loaded: what a
    test adds through it is in the base backup its standby is cloned from."""
    conn = await asyncpg.connect(primary.dsn(primary.running_port() or 0))
    try:
        await migrate(conn)
        await register_codecs(conn)
        await load_communities(conn)
        yield conn
    finally:
        await conn.close()
