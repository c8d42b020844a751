"""Coverage rows kept per process, keyed by the registry version they were computed at."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

MAX_ENTRIES = 16  # distinct (version, parameters) combinations kept


class CoverageCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> list[Any] | None:
        rows = self._entries.get(key)
        if rows is not None:
            self._entries.move_to_end(key)
        return rows

    def put(self, key: tuple[Any, ...], rows: list[Any]) -> None:
        self._entries[key] = rows
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
