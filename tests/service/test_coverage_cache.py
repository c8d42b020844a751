"""The per-process coverage cache is bounded by the memory its rows take, not by a count of
reports (issue 15: one report's rows at 10,000 communities are tens of MiB)."""

from __future__ import annotations

import uuid
from typing import Any

import shapely

from service.registry.coverage_cache import CoverageCache, approx_bytes


def report(n: int, ids: int = 20) -> list[dict[str, Any]]:
    return [{"code": f"C{i:05d}", "name": "中路北社区（一）", "households": i,
             "delivery_ids": [uuid.uuid4() for _ in range(ids)]} for i in range(n)]


def test_approx_bytes_grows_with_what_the_rows_hold() -> None:
    small, large = approx_bytes(report(200, ids=2)), approx_bytes(report(200, ids=20))
    assert 0 < small < large
    assert 200 * 20 * 60 < large < 200 * 20 * 400  # a UUID is ~100 bytes in Python
    assert abs(approx_bytes(report(2000)) - 10 * approx_bytes(report(200))) < large
    square = shapely.box(0, 0, 1, 1).buffer(1, quad_segs=64)
    assert approx_bytes([{"geom": square}]) > 24 * 256


def test_the_least_recently_used_go_when_the_rows_exceed_the_bound() -> None:
    one = approx_bytes(report(100))
    cache = CoverageCache(max_bytes=int(2.5 * one))
    for k in range(3):
        cache.put(("v1", k), report(100))
    assert cache.get(("v1", 0)) is None  # the third did not fit beside the first two
    assert cache.get(("v1", 2)) is not None and cache.get(("v1", 1)) is not None
    cache.put(("v1", 3), report(100))  # 1 was used after 2: 2 goes
    assert cache.get(("v1", 2)) is None and cache.get(("v1", 1)) is not None
    assert cache.size_bytes <= 2.5 * one * 1.2
    cache.put(("v2", 0), report(1000))  # larger than the bound by itself: kept, alone
    assert cache.get(("v2", 0)) is not None and cache.get(("v1", 3)) is None
