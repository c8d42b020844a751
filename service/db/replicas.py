"""Reads that may trail the primary a little go to a hot standby (BOAI_REPLICA_URLS).

The dispatcher's and the reports' reads (serving, nearest, coverage, exports, the ranking,
consumption reports) acquire from `app.state.reads`; everything else, writes and reads that
must see the caller's own write, keeps acquiring from the primary's pool (`app.state.pool`).

How stale a standby is comes from WAL positions, not clocks: every `check_s` the primary's
flushed position is sampled, then each standby's replayed one. A standby that has replayed
what the primary had flushed at time t is at most `now - t` behind; one that has not
replayed what the primary had `max_lag_s` ago (or cannot be reached) is skipped until a
later check finds it caught up. No standby left: the primary answers those reads too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from service.db.pool import Database, create_pool
from service.db.queries import load

log = logging.getLogger("boai.replicas")
SQL = load("replicas")
# Acquiring from a standby that went away since the last check: take the next one (or the
# primary) for this request rather than answering 503.
UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError,
               asyncpg.CannotConnectNowError, asyncpg.InterfaceError,
               asyncpg.InternalClientError)


class WalClock:
    """The primary's flushed WAL position over the last `keep_s` seconds."""

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, at: float, lsn: int) -> None:
        self._samples.append((at, lsn))
        while self._samples and self._samples[0][0] < at - self.keep_s:
            self._samples.popleft()

    def behind(self, replayed: int | None, now: float) -> float | None:
        """Seconds a standby at `replayed` is behind at most; None = unknown (older than
        every sample kept, or nothing sampled yet)."""
        if replayed is None or not self._samples:
            return None
        if replayed >= self._samples[-1][1]:
            return 0.0
        for at, lsn in reversed(self._samples):
            if lsn <= replayed:
                return now - at
        return None


@dataclass(slots=True)
class Standby:
    name: str
    db: Database
    lag_s: float | None = None  # None: unknown or unreachable
    healthy: bool = False


class ReadPools:
    """Acquire like a Database; the connection comes from a healthy standby when any."""

    def __init__(self, primary: Database, standbys: list[Standby], *,
                 max_lag_s: float, check_s: float, timeout_s: float = 5.0) -> None:
        self.primary = primary
        self.standbys = standbys
        self.max_lag_s = max_lag_s
        self.check_s = check_s
        # a check slower than this counts as unreachable: generous, so that a busy moment
        # on a loaded machine does not take a healthy standby out of use
        self.timeout_s = timeout_s
        self.clock = WalClock(max_lag_s + 4 * check_s)
        self._turn = itertools.count()
        self._task: asyncio.Task[None] | None = None

    def acquire(self) -> contextlib.AbstractAsyncContextManager[asyncpg.Connection]:
        return self._acquire(self._rotation())

    def one(self) -> OneNode:
        """Reads that span several connections and must agree (the coverage report's
        version and its parts): the same standby each time, or the primary, never older."""
        healthy = self._rotation()
        return OneNode(self, healthy[0] if healthy else None)

    @contextlib.asynccontextmanager
    async def _acquire(self, candidates: list[Standby]) -> AsyncIterator[asyncpg.Connection]:
        async with contextlib.AsyncExitStack() as stack:
            conn = None
            for standby in candidates:
                try:
                    conn = await stack.enter_async_context(standby.db.acquire())
                    break
                except UNREACHABLE as exc:
                    self._mark(standby, None, f"unreachable ({type(exc).__name__})")
            if conn is None:
                conn = await stack.enter_async_context(self.primary.acquire())
            yield conn

    def _rotation(self) -> list[Standby]:
        healthy = [s for s in self.standbys if s.healthy]
        if len(healthy) > 1:
            turn = next(self._turn) % len(healthy)
            healthy = healthy[turn:] + healthy[:turn]
        return healthy

    def _mark(self, standby: Standby, lag: float | None, why: str = "") -> None:
        healthy = lag is not None and lag <= self.max_lag_s
        if healthy != standby.healthy:
            if healthy:
                log.info("standby %s in use (%.2f s behind)", standby.name, lag)
            else:
                log.warning("standby %s skipped: %s", standby.name,
                            why or f"more than {self.max_lag_s} s behind")
        standby.lag_s, standby.healthy = lag, healthy

    async def check(self) -> None:
        """One round: sample the primary, then judge every standby against the samples."""
        with contextlib.suppress(Exception):  # primary down: the samples age, standbys too
            async with asyncio.timeout(self.timeout_s):
                async with self.primary.acquire() as conn:
                    self.clock.add(time.monotonic(), await conn.fetchval(SQL.primary_wal))
        await asyncio.gather(*(self._check(s) for s in self.standbys))

    async def _check(self, standby: Standby) -> None:
        try:
            async with asyncio.timeout(self.timeout_s):
                async with standby.db.acquire() as conn:
                    row = await conn.fetchrow(SQL.standby_replay)
        except Exception as exc:
            self._mark(standby, None, f"unreachable ({type(exc).__name__})")
            return
        lag = 0.0 if not row["in_recovery"] else self.clock.behind(row["replayed"],
                                                                   time.monotonic())
        self._mark(standby, lag)

    def counts(self) -> dict[str, int]:
        """Standbys configured and in use (counts, not hosts: readiness is public)."""
        return {"configured": len(self.standbys),
                "in_use": sum(1 for s in self.standbys if s.healthy)}

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._watch(), name="boai-replica-check")

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_s)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let the watch die: standbys stay as judged
                log.warning("standby check failed (%s)", type(exc).__name__)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        for standby in self.standbys:
            await standby.db.close()


class OneNode:
    def __init__(self, reads: ReadPools, standby: Standby | None) -> None:
        self.reads, self.standby = reads, standby

    def acquire(self) -> contextlib.AbstractAsyncContextManager[asyncpg.Connection]:
        usable = self.standby is not None and self.standby.healthy
        return self.reads._acquire([self.standby] if usable else [])  # type: ignore[list-item]


def _name(dsn: str) -> str:
    """host:port of a standby's DSN, for logs (never the password)."""
    rest = dsn.split("://", 1)[-1]
    return rest.rsplit("@", 1)[-1].split("/", 1)[0]


async def start_reads(app: Any) -> None:
    """Litestar startup hook, after open_pool: app.state.reads."""
    settings = app.state.settings
    primary = getattr(app.state, "pool", None)
    if primary is None:
        return
    standbys = [
        Standby(_name(dsn), await create_pool(
            dsn, max_size=settings.db_pool_max, command_timeout=settings.db_command_timeout,
            acquire_timeout=settings.db_acquire_timeout, pgbouncer=settings.pgbouncer))
        for dsn in settings.replica_urls
    ]
    reads = ReadPools(primary, standbys, max_lag_s=settings.replica_max_lag_s,
                      check_s=settings.replica_check_s,
                      timeout_s=settings.db_acquire_timeout + 2.0)
    if standbys:  # none: every read goes to the primary, nothing to watch
        await reads.start()
    app.state.reads = reads


async def stop_reads(app: Any) -> None:
    reads = getattr(app.state, "reads", None)
    if isinstance(reads, ReadPools):
        await reads.close()
