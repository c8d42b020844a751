"""Every worker hears token and user changes at once (LISTEN boai_auth, migration 0008).

One dedicated connection per worker, outside the pool: a revoked token leaves this worker's
principal cache as soon as the notification arrives, whichever process or command (API,
`boai users revoke`, plain SQL) revoked it. The connection is watched by a heartbeat; each
answered heartbeat extends how long the cache may be trusted, so when the listener drops (or
is silently cut off) the cache falls back to a one-second bound until it is back. On every
(re)connect the cache is cleared, since notifications sent meanwhile were lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from service.auth.cache import PrincipalCache
from service.auth.known import KnownTokens
from service.auth.repository import live_token_hashes
from service.db.connect import close_quietly

log = logging.getLogger("boai.auth")

CHANNEL = "boai_auth"
APPLICATION_NAME = "boai-auth-listener"


class AuthListener:
    def __init__(
        self,
        dsn: str,
        cache: PrincipalCache,
        known: KnownTokens,
        *,
        heartbeat_s: float = 0.5,
        connect_timeout_s: float = 3.0,
    ) -> None:
        self.dsn = dsn
        self.cache = cache
        self.known = known
        self.heartbeat_s = heartbeat_s
        self.connect_timeout_s = connect_timeout_s
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def start(self) -> None:
        """Try once to connect (so a fresh worker starts trusted), then keep watch."""
        with contextlib.suppress(Exception):
            await self._connect()
        self._task = asyncio.create_task(self._watch(), name="boai-auth-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._drop()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(
            self.dsn,
            timeout=self.connect_timeout_s,
            server_settings={"application_name": APPLICATION_NAME},
        )
        try:
            # LISTEN before loading, so no change falls between the two.
            await conn.add_listener(CHANNEL, self._on_notify)
            conn.add_termination_listener(self._on_lost)
            hashes = await live_token_hashes(conn, self.connect_timeout_s)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        self.known.replace(hashes)
        self.cache.clear()
        self.cache.trust_for(2 * self.heartbeat_s)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self.cache.distrust()
        await close_quietly(conn, self.connect_timeout_s)

    async def _watch(self) -> None:
        backoff = self.heartbeat_s
        while True:
            try:
                if not self.connected:
                    await self._connect()
                    log.info("auth listener connected")
                    backoff = self.heartbeat_s
                conn = self._conn
                if conn is None:  # dropped meanwhile: the handler below reconnects
                    raise ConnectionError("auth listener connection gone")
                # An answered query proves every notification sent before it has arrived.
                await conn.fetchval("SELECT 1", timeout=self.heartbeat_s * 2)
                self.cache.trust_for(2 * self.heartbeat_s)
                await asyncio.sleep(self.heartbeat_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure means: reconnect
                if backoff == self.heartbeat_s:  # once per outage, not per attempt
                    log.warning("auth listener down (%s); cache bounded to 1 s",
                                type(exc).__name__)
                await self._drop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _on_lost(self, conn: asyncpg.Connection) -> None:
        self.cache.distrust()

    def _on_notify(self, conn: object, pid: int, channel: str, payload: str) -> None:
        kind, _, digest_hex = payload.partition(":")
        try:
            digest = bytes.fromhex(digest_hex)
        except ValueError:
            kind = "reset"
        if kind == "new":
            self.known.add(digest)
            return  # a new token revokes nothing
        if kind == "gone":
            self.known.discard(digest)
        self.cache.clear()  # anything else: forget every cached principal
