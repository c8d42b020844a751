"""The asyncpg pool, with codecs for PostGIS geometry (shapely) and JSON (msgspec)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import msgspec
import shapely

from service.db.roles import APPLICATION_NAME

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


def _encode_geometry(geom: Any) -> bytes:
    return shapely.to_wkb(geom, include_srid=True, hex=False)


def _decode_geometry(wkb: bytes) -> Any:
    return shapely.from_wkb(wkb)


async def register_codecs(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: b"\x01" + _json_encode(v),
        decoder=lambda b: _json_decode(b[1:]),
        schema="pg_catalog",
        format="binary",
    )
    await conn.set_type_codec(
        "json",
        encoder=lambda v: _json_encode(v).decode(),
        decoder=_json_decode,
        schema="pg_catalog",
        format="text",
    )
    has_postgis = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'geometry')"
    )
    if has_postgis:
        await conn.set_type_codec(
            "geometry",
            encoder=_encode_geometry,
            decoder=_decode_geometry,
            format="binary",
        )


def is_stale_catalog(exc: BaseException) -> bool:
    """A pooled connection's cached type codecs or statements no longer match the database:
    types got new OIDs (PostGIS re-created by a restore of a dump). The connection is not
    broken but useless; fresh connections register the codecs again."""
    if isinstance(exc, asyncpg.InvalidCachedStatementError):
        return True
    return isinstance(exc, asyncpg.PostgresError) and "cache lookup failed for type" in str(exc)


class Database:
    """The pool, with a bounded wait: a full pool answers 503 instead of queueing forever."""

    def __init__(self, pool: asyncpg.Pool, acquire_timeout: float) -> None:
        self.pool = pool
        self.acquire_timeout = acquire_timeout

    def acquire(self) -> Any:
        return self.pool.acquire(timeout=self.acquire_timeout)

    def expire(self) -> None:
        """Replace every connection: idle ones at once, busy ones when released."""
        asyncio.get_running_loop().create_task(self.pool.expire_connections())

    async def close(self) -> None:
        await self.pool.close()


async def _no_session_state(conn: asyncpg.Connection) -> None:
    """The service keeps no session state on pooled connections (no session SET, advisory
    lock, held cursor or LISTEN: the listeners and migrations use connections of their own),
    so asyncpg's default reset (advisory locks, cursors, LISTEN, RESET ALL) would only cost one
    more round trip on every release: measured at 100,000 stores, a third of the database's
    work for a serving request. An open transaction is still rolled back (asyncpg does that
    before calling this); behind a transaction pooler there is no session to reset anyway."""


def pooler_options(pgbouncer: bool) -> dict[str, Any]:
    """asyncpg options for the pool: no per-release reset (`_no_session_state`); through
    pgbouncer in transaction mode also no statement cache, since pgbouncer 1.18 cannot keep a
    named prepared statement on the server a later transaction gets (asyncpg then sends each
    statement unnamed and parses it again together with its execution, on whichever server
    pgbouncer lends), and pgbouncer refuses most startup parameters (`jit` is set per role
    instead, docs/deploy.md)."""
    if pgbouncer:
        return {"statement_cache_size": 0, "reset": _no_session_state,
                "server_settings": {"application_name": APPLICATION_NAME}}
    return {"reset": _no_session_state,
            "server_settings": {"jit": "off", "application_name": APPLICATION_NAME}}


async def create_pool(
    dsn: str, *, max_size: int = 10, command_timeout: float = 10.0, acquire_timeout: float = 3.0,
    pgbouncer: bool = False,
) -> Database:
    # min_size=0: the service starts even while the database is still down, and
    # readiness reports it; connections are made on demand and replaced when broken.
    pool = await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=max_size,
        init=register_codecs,
        command_timeout=command_timeout,
        max_inactive_connection_lifetime=60,
        timeout=acquire_timeout,
        # Short spatial queries: JIT compilation costs more than it saves (measured on the
        # coverage query at 100,000 stores: 2.0-2.3 s with JIT, 1.9 s without).
        # The application name marks the service's sessions for `boai db restore`.
        **pooler_options(pgbouncer),
    )
    return Database(pool, acquire_timeout)
