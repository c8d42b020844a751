"""In-process sliding-window rate limits keyed by client address.

One process per worker keeps its own counts: a limit, not an accounting system.
Used for failed authentication and for the applicant-facing routes.
"""

from __future__ import annotations

import time
from collections import deque

from litestar.connection import ASGIConnection

from service.problems import TooManyRequests


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
    def __init__(self, limit: int, window_s: float, what: str, what_zh: str,
                 trusted_proxies: frozenset[str] = frozenset()) -> None:
        self.trusted_proxies = trusted_proxies
        self.limit = limit
        self.window_s = window_s
        self.what = what
        self.what_zh = what_zh
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if not hits and len(self._hits) > 10_000:
            self._hits.pop(key, None)  # bound memory under address churn
            hits = self._hits.setdefault(key, deque())
        return hits

    def check(self, connection: ASGIConnection) -> None:
        now = time.monotonic()
        hits = self._recent(client_key(connection, self.trusted_proxies), now)
        if len(hits) >= self.limit:
            retry = max(1, int(hits[0] + self.window_s - now) + 1)
            raise TooManyRequests(
                f"Too many {self.what}; try again in {retry} s.",
                f"{self.what_zh}过于频繁，请 {retry} 秒后再试。",
                headers={"Retry-After": str(retry)},
            )

    def record_failure(self, connection: ASGIConnection) -> None:
        now = time.monotonic()
        self._recent(client_key(connection, self.trusted_proxies), now).append(now)

    def hit(self, connection: ASGIConnection) -> None:
        """Count a request and refuse it when over the limit."""
        self.check(connection)
        self.record_failure(connection)
