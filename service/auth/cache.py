"""A short-lived, per-process cache of resolved tokens, trusted only while revocations reach it.

Without it every authenticated request costs two extra queries (lookup and last-use touch),
which halved the serving query's throughput in the benchmark. Every worker listens for
token and user changes (service/auth/revocation.py) and clears its cache on each one, so a
revocation anywhere takes effect everywhere within the notification's delivery time.

The listener proves it is alive with a heartbeat and extends `trusted_until` each time.
While it is down (or silently cut off), an entry is believed only for UNTRUSTED_S after
it was read from the database: a revocation then takes at most that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from service.auth.principal import Principal

TTL_S = 10.0
UNTRUSTED_S = 1.0
MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(
        self,
        ttl_s: float = TTL_S,
        untrusted_s: float = UNTRUSTED_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.untrusted_s = untrusted_s
        self._clock = clock
        self.trusted_until = float("-inf")
        # Bumped by clear(): a lookup that started before a revocation must not cache its
        # (now stale) answer after the revocation cleared the cache.
        self.generation = 0
        self._entries: dict[bytes, tuple[float, Principal]] = {}

    def get(self, digest: bytes) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        now = self._clock()
        stored_at = entry[0]
        ttl = self.ttl_s if now < self.trusted_until else self.untrusted_s
        if now >= stored_at + ttl:
            del self._entries[digest]
            return None
        return entry[1]

    def put(self, digest: bytes, principal: Principal, generation: int | None = None) -> None:
        if generation is not None and generation != self.generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # crude but bounded; refilled from the database
        self._entries[digest] = (self._clock(), principal)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def trust_for(self, seconds: float) -> None:
        """The listener is alive: revocations will arrive for at least `seconds`."""
        self.trusted_until = self._clock() + seconds

    def distrust(self) -> None:
        self.trusted_until = float("-inf")
