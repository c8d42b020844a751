"""A short-lived, per-process cache of resolved tokens.

Without it every authenticated request costs two extra queries (lookup and last-use touch),
which halved the serving query's throughput in the benchmark. A revocation clears this
process's cache at once; other workers notice within TTL seconds.
"""

from __future__ import annotations

import time

from service.auth.principal import Principal

TTL_S = 10.0
MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[bytes, tuple[float, Principal]] = {}

    def get(self, digest: bytes) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[digest]
            return None
        return entry[1]

    def put(self, digest: bytes, principal: Principal) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # crude but bounded; refilled from the database
        self._entries[digest] = (time.monotonic() + self.ttl_s, principal)

    def clear(self) -> None:
        self._entries.clear()
