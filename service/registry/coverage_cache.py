"""Coverage rows kept per process, keyed by the registry version they were computed at.

Bounded by their size, not by a count: at 10,000 communities one report's rows take tens of
MiB (more with the community outlines for GeoJSON), so 16 of them, the bound this had, could
keep a worker's memory above 500 MiB by themselves. The least recently used go first; the
latest is always kept.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import shapely
from shapely.geometry.base import BaseGeometry

MAX_BYTES = 64 * 2**20  # the rows of every report kept together (estimated: approx_bytes)
SAMPLE = 64  # rows measured to estimate a report's size


def approx_bytes(rows: Sequence[Any]) -> int:
    """The memory the rows hold, estimated from up to SAMPLE of them spread over the list."""
    if not rows:
        return 0
    step = max(1, len(rows) // SAMPLE)
    sample = rows[::step]
    return sys.getsizeof(rows) + sum(map(_size, sample)) * len(rows) // len(sample)


def _size(v: Any) -> int:
    if isinstance(v, BaseGeometry):  # GEOS keeps x, y, z per coordinate
        return 200 + 24 * int(shapely.get_num_coordinates(v))
    if isinstance(v, UUID):
        return sys.getsizeof(v) + sys.getsizeof(v.int)
    if isinstance(v, (str, bytes, int, float, bool)) or v is None:
        return sys.getsizeof(v)
    if isinstance(v, Mapping) or (hasattr(v, "values") and hasattr(v, "keys")):
        return sys.getsizeof(v) + sum(_size(x) for x in v.values())
    if isinstance(v, Sequence):
        return sys.getsizeof(v) + sum(_size(x) for x in v)
    return sys.getsizeof(v)


class CoverageCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, ...], tuple[list[Any], int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[Any, ...]) -> list[Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: tuple[Any, ...], rows: list[Any]) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        size = approx_bytes(rows)
        self._entries[key] = (rows, size)
        self._bytes += size
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, (_, freed) = self._entries.popitem(last=False)
            self._bytes -= freed

    @property
    def size_bytes(self) -> int:
        return self._bytes
