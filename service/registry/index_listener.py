"""Keeps this worker's registry index current: LISTEN boai_registry (migration 0020 notifies on
every statement that changes stores) plus a version check every `check_s`, so a lost
notification or a dropped listener delays a refresh by at most that long. The listener pattern
is service/auth/revocation.py's: one dedicated connection per worker, outside the pool.

A refresh fetches only the stores changed since the index's version (stores.changed_version,
migration 0027) and lays them over the index's base snapshot: milliseconds, not the seconds a
whole rebuild takes at 100,000 stores. The whole snapshot is read at start, and again in the
background (requests keep the overlaid index meanwhile) once more than OVERLAY_MAX stores have
changed since it or a store was deleted (a deleted row leaves nothing to fetch)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Iterator

import asyncpg

from service.db.connect import close_quietly
from service.db.pool import Database
from service.db.queries import load
from service.memory import give_back
from service.registry.index import RegistryIndex, columns

log = logging.getLogger("boai.registry")
SQL = load("registry_index")
CHANNEL = "boai_registry"
APPLICATION_NAME = "boai-registry-listener"
OVERLAY_MAX = 1_000
SNAPSHOT_CHUNK = 5_000  # rows of the snapshot read (and turned into columns) at a time


class RegistryIndexHolder:
    def __init__(self, dsn: str, pool: Database, *, check_s: float = 0.5,
                 connect_timeout_s: float = 3.0, overlay_max: int = OVERLAY_MAX) -> None:
        self.dsn = dsn
        self.pool = pool
        self.check_s = check_s
        self.connect_timeout_s = connect_timeout_s
        self.overlay_max = overlay_max
        self.rebuilds = 0  # whole snapshots read (start included)
        self.current: RegistryIndex | None = None
        self.build_s = 0.0
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._rebuild: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with contextlib.suppress(Exception):
            await self._listen()
            await self.refresh(self._conn)
        self._task = asyncio.create_task(self._watch(), name="boai-registry-index")

    async def stop(self) -> None:
        for task in (self._task, self._rebuild):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        conn, self._conn = self._conn, None
        await close_quietly(conn, self.connect_timeout_s)

    async def _listen(self) -> None:
        conn = await self._connect()
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        self._changed.set()  # changes made while nobody listened: check now

    def _on_notify(self, conn: object, pid: int, channel: str, payload: str) -> None:
        self._changed.set()

    async def _connect(self, name: str = APPLICATION_NAME) -> asyncpg.Connection:
        # No geometry codecs: the index's queries send and read none (zones come as WKB bytea)
        return await asyncpg.connect(self.dsn, timeout=self.connect_timeout_s,
                                     server_settings={"application_name": name})

    async def refresh(self, conn: asyncpg.Connection | None = None) -> bool:
        """Bring the index to the registry's version; True when it moved. A request passes its
        own connection, so waiting for the refresh never needs a second one from the pool."""
        async with self._lock:
            if conn is not None:
                return await self._refresh(conn)
            async with self.pool.acquire() as own:
                return await self._refresh(own)

    async def _refresh(self, conn: asyncpg.Connection) -> bool:
        current = self.current
        if current is None:  # at start: the whole snapshot, waited for
            self._install(await self._snapshot(conn))
            return True
        rows = await conn.fetch(SQL.index_changes, current.version)
        if rows[0]["version"] <= current.version:
            return False
        self._install(await self._overlay(current, rows))
        return True

    async def _snapshot(self, conn: asyncpg.Connection, like: RegistryIndex | None = None
                        ) -> RegistryIndex:
        """The whole registry; `like`, the base snapshot it replaces, lends the stores not
        changed since it (their zones are not read again)."""
        started = time.perf_counter()
        with _collector_paused():
            built = await self._read_whole(conn, like)
        self.rebuilds += 1
        self.build_s = time.perf_counter() - started
        log.info("registry index v%s: %d stores in %.2f s", built.version, len(built),
                 self.build_s)
        return built

    async def _read_whole(self, conn: asyncpg.Connection, like: RegistryIndex | None
                          ) -> RegistryIndex:
        cols = columns([], like)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            version = await conn.fetchval(SQL.index_version)  # the rows' own version
            # in chunks, each made columns before the next is read: the whole snapshot's
            # Records at once would double the index's memory (rows it then drops)
            cursor = await conn.cursor(SQL.index_stores, -1 if like is None else like.version)
            while rows := await cursor.fetch(SNAPSHOT_CHUNK):
                await asyncio.to_thread(cols.add, rows)
                del rows
        built = await asyncio.to_thread(RegistryIndex, version, cols)
        del cols
        give_back()  # the chunks' Records
        return built

    async def _overlay(self, index: RegistryIndex, rows: list[asyncpg.Record]
                       ) -> RegistryIndex:
        """`index` with the changes `rows` (index_changes since its version) laid over it."""
        built = await _laid_over(index, rows)
        if (len(built.changed) > self.overlay_max
                or rows[0]["stores_deleted_version"] > built.root.version):
            self._start_rebuild()
        return built

    def _install(self, built: RegistryIndex) -> None:
        if self.current is None or built.version >= self.current.version:
            whole = self.current is None or built.root is not self.current.root
            self.current = built
            if whole:
                _settle_heap()

    def _start_rebuild(self) -> None:
        if self._rebuild is None or self._rebuild.done():
            self._rebuild = asyncio.create_task(self._rebuild_whole(), name="boai-registry-rebuild")

    async def _rebuild_whole(self) -> None:
        """A new base snapshot, read and built without the lock (requests keep the overlaid
        index); then, under the lock, what changed meanwhile laid over it, and swapped in."""
        try:
            conn = await self._connect("boai-registry-rebuild")
            try:
                like = self.current.root if self.current is not None else None
                try:
                    built = await self._snapshot(conn, like)
                except LookupError:  # the base disagrees with the registry: read it all
                    log.warning("registry index rebuild reads every zone again")
                    built = await self._snapshot(conn)
                del like
                async with self._lock:
                    rows = await conn.fetch(SQL.index_changes, built.version)
                    if rows[0]["version"] > built.version:
                        built = await _laid_over(built, rows)
                    self._install(built)
                del built
                give_back()  # the index replaced (freed once no request holds it)
            finally:
                conn.terminate()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the overlaid index keeps answering; the next refresh retries
            log.warning("registry index rebuild failed (%s)", type(exc).__name__)

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


async def _laid_over(index: RegistryIndex, rows: list[asyncpg.Record]) -> RegistryIndex:
    """`index` with `rows` (index_changes since its version: the version first, then the
    changed stores) laid over it, built off the event loop."""
    changes = [r for r in rows if r["id"] is not None]
    return await asyncio.to_thread(index.overlaid, rows[0]["version"], changes)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic collection while a whole snapshot is built. Its hundreds of thousands of new
    objects (none in a reference cycle) set off full collections as they pile up: four of
    70-110 ms each at 100,000 stores, every one stopping the worker's requests too when the
    rebuild runs in the background. Global to the process, so only for the build (~1.5 s);
    _settle_heap collects once after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _settle_heap() -> None:
    """Move what a whole snapshot allocated out of the collector's way. The index is hundreds
    of thousands of long-lived objects (609,000 at 100,000 stores): every full collection walked
    them all, a 0.2 s pause of the worker now and then, the requests it held up waiting. Frozen,
    they are never walked again; the previous snapshot, now garbage, is collected first (it
    holds no reference cycle, so freezing never keeps one alive). One full collection per
    whole snapshot, which is taken at start and then rarely (OVERLAY_MAX)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
