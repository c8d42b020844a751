"""The hashes of every token that can currently sign in, kept in each worker's memory.

Lets the failed-sign-in limit stop database lookups of unknown tokens without locking out
a valid token presented from the same address: when an address is over its limit, only a
token whose hash is known here still reaches the database. Loaded and kept current by the
auth listener (service/auth/revocation.py); until it is loaded, nothing counts as known.
"""

from __future__ import annotations

from collections.abc import Iterable


class KnownTokens:
    def __init__(self) -> None:
        self._hashes: set[bytes] = set()

    def replace(self, hashes: Iterable[bytes]) -> None:
        self._hashes = set(hashes)

    def add(self, digest: bytes) -> None:
        self._hashes.add(digest)

    def discard(self, digest: bytes) -> None:
        self._hashes.discard(digest)

    def __contains__(self, digest: object) -> bool:
        return digest in self._hashes

    def __len__(self) -> int:
        return len(self._hashes)
