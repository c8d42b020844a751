"""Keeps this worker's registry index current: LISTEN boai_registry (migration 0020 notifies on
every statement that changes stores) plus a version check every `check_s`, so a lost
notification or a dropped listener delays a rebuild by at most that long. The listener pattern
is service/auth/revocation.py's: one dedicated connection per worker, outside the pool."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import asyncpg

from service.db.pool import Database, register_codecs
from service.db.queries import load
from service.registry.index import RegistryIndex

log = logging.getLogger("boai.registry")
SQL = load("registry_index")
CHANNEL = "boai_registry"
APPLICATION_NAME = "boai-registry-listener"


class RegistryIndexHolder:
    def __init__(self, dsn: str, pool: Database, *, check_s: float = 0.5,
                 connect_timeout_s: float = 3.0) -> None:
        self.dsn = dsn
        self.pool = pool
        self.check_s = check_s
        self.connect_timeout_s = connect_timeout_s
        self.current: RegistryIndex | None = None
        self.build_s = 0.0
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with contextlib.suppress(Exception):
            await self._listen()
            await self.refresh(self._conn)
        self._task = asyncio.create_task(self._watch(), name="boai-registry-index")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), self.connect_timeout_s)
            if not conn.is_closed():
                conn.terminate()

    async def _listen(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=self.connect_timeout_s,
                                     server_settings={"application_name": APPLICATION_NAME})
        try:
            await register_codecs(conn)  # zones come back as shapely geometries
            await conn.add_listener(CHANNEL, self._on_notify)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        self._changed.set()  # changes made while nobody listened: check now

    def _on_notify(self, conn: object, pid: int, channel: str, payload: str) -> None:
        self._changed.set()


    async def refresh(self, conn: asyncpg.Connection | None = None) -> bool:
        """Rebuild when the registry version moved; True when rebuilt. A request passes its
        own connection, so waiting for the rebuild never needs a second one from the pool."""
        async with self._lock:
            if conn is not None:
                return await self._refresh(conn)
            async with self.pool.acquire() as own:
                return await self._refresh(own)

    async def _refresh(self, conn: asyncpg.Connection) -> bool:
        version = await conn.fetchval(SQL.index_version)
        if self.current is not None and self.current.version == version:
            return False
        started = time.perf_counter()
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            version = await conn.fetchval(SQL.index_version)  # the rows' own version
            rows = await conn.fetch(SQL.index_stores)
        built = await asyncio.to_thread(RegistryIndex, version, rows)
        if self.current is None or built.version >= self.current.version:
            self.current = built
        self.build_s = time.perf_counter() - started
        log.info("registry index v%s: %d stores in %.2f s", version, len(built), self.build_s)
        return True

    async def _watch(self) -> None:
        while True:
            try:
                if self._conn is None or self._conn.is_closed():
                    await self._listen()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), self.check_s)
                self._changed.clear()
                # its own connection, not the pool's: the watch never holds (or keeps alive)
                # a pooled connection, e.g. one opened before the migrations ran
                await self.refresh(self._conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep serving the index we have; try again shortly
                log.warning("registry index refresh failed (%s)", type(exc).__name__)
                with contextlib.suppress(Exception):
                    if self._conn is not None:
                        self._conn.terminate()
                self._conn = None
                await asyncio.sleep(self.check_s)
