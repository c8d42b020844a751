"""Sliding-window rate limits keyed by client address, shared by every process.

The windows live in PostgreSQL (migration 0023, service/sql/ratelimit.sql): any number of
`boai serve` processes on any number of machines count against one limit. Each process
also remembers the hits it counted itself; those are a subset of the shared window, so
when they alone fill it the request is refused without asking the database (a flood from
one address costs no queries). Used for failed authentication and the applicant routes.
"""

from __future__ import annotations

import math
import time
from collections import deque

from litestar.connection import ASGIConnection

from service.http import ratelimit_repository as repo
from service.problems import TooManyRequests

PURGE_S = 60.0  # how often a process deletes windows that have run out
MAX_LOCAL_KEYS = 10_000


def client_key(connection: ASGIConnection, trusted_proxies: frozenset[str] = frozenset()) -> str:
    """The caller's address. Behind a trusted reverse proxy (BOAI_TRUSTED_PROXIES), the
    right-most X-Forwarded-For entry that is not itself a trusted proxy: otherwise every
    merchant behind the proxy would share one limit, and a client could forge the header."""
    client = connection.client
    host = client.host if client else "unknown"
    if host not in trusted_proxies:
        return host
    forwarded = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed(forwarded):
        if hop and hop not in trusted_proxies:
            return hop[:64]
    return host


class SlidingWindow:
    def __init__(self, name: str, limit: int, window_s: float, what: str, what_zh: str,
                 trusted_proxies: frozenset[str] = frozenset()) -> None:
        self.name = name
        self.trusted_proxies = trusted_proxies
        self.limit = limit
        self.window_s = window_s
        self.what = what
        self.what_zh = what_zh
        self._local: dict[str, deque[float]] = {}
        self._purged_at = time.monotonic()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._local.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if not hits and len(self._local) > MAX_LOCAL_KEYS:
            self._local.pop(key, None)  # bound memory under address churn
            hits = self._local.setdefault(key, deque())
        return hits

    def _refuse(self, retry_s: float) -> TooManyRequests:
        retry = max(1, math.ceil(retry_s))
        return TooManyRequests(
            f"Too many {self.what}; try again in {retry} s.",
            f"{self.what_zh}过于频繁，请 {retry} 秒后再试。",
            headers={"Retry-After": str(retry)},
        )

    def _prefilter(self, key: str) -> None:
        """Refuse when this process's own hits fill the window: the shared one is full too."""
        now = time.monotonic()
        hits = self._recent(key, now)
        if len(hits) >= self.limit:
            raise self._refuse(hits[0] + self.window_s - now)

    async def check(self, connection: ASGIConnection) -> None:
        """Refuse when the address's window is full; counts nothing."""
        key = client_key(connection, self.trusted_proxies)
        self._prefilter(key)
        async with connection.app.state.pool.acquire() as conn:
            used, retry_s = await repo.window(conn, self.name, key, self.window_s)
        if used >= self.limit:
            raise self._refuse(retry_s)

    async def record_failure(self, connection: ASGIConnection) -> None:
        """Count one failure (a full window stays full: nothing more to count)."""
        await self._count(connection, client_key(connection, self.trusted_proxies))

    async def hit(self, connection: ASGIConnection) -> None:
        """Count a request and refuse it when over the limit."""
        key = client_key(connection, self.trusted_proxies)
        self._prefilter(key)
        if not await self._count(connection, key):
            async with connection.app.state.pool.acquire() as conn:
                _used, retry_s = await repo.window(conn, self.name, key, self.window_s)
            raise self._refuse(retry_s)

    async def _count(self, connection: ASGIConnection, key: str) -> bool:
        purge = time.monotonic() - self._purged_at >= PURGE_S
        async with connection.app.state.pool.acquire() as conn:
            counted = await repo.hit(conn, self.name, key, self.limit, self.window_s)
            if purge:
                self._purged_at = time.monotonic()
                await repo.purge(conn)
        if counted:
            self._recent(key, time.monotonic()).append(time.monotonic())
        return counted
