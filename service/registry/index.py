"""The active registry held in each worker: store points and prepared delivery zones behind
STRtrees, with each store's unchanging JSON encoded once per registry version and CRS.

Built from one snapshot of the active stores (service/sql/registry_index.sql) and replaced
whole when the registry version moves (service/registry/index_listener.py). It answers which
stores *could* serve a point; status and today's capacity are re-read from PostgreSQL for those
candidates, so a stale index can miss a store just activated but never offers a closed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point

from geo import from_wgs84
from geo.distance import geodesic_m_array, search_box

_ENC = msgspec.json.Encoder()


@dataclass(slots=True)
class Candidate:
    """A store that can serve the point, as the ranking sees it (service/dispatch/ranking.py)."""

    i: int
    id: UUID
    distance_m: float
    emergency_24h: bool
    mobility_assist: bool
    capacity_left: int = 0


class Found:
    """Stores an index found for a point, nearest first: positions and distances (arrays);
    Candidate objects are made only for the few that are ranked."""

    __slots__ = ("dist", "idx", "index")

    def __init__(self, index: RegistryIndex, idx: np.ndarray, dist: np.ndarray) -> None:
        self.index, self.idx, self.dist = index, idx, dist

    def __len__(self) -> int:
        return int(self.idx.size)

    def ids(self) -> list[UUID]:
        ids = self.index.ids
        return [ids[i] for i in self.idx.tolist()]

    def keep(self, mask: np.ndarray) -> Found:
        return Found(self.index, self.idx[mask], self.dist[mask])

    def candidates(self, left: dict[UUID, int], n: int | None = None) -> list[Candidate]:
        """The first n (all) as Candidates, with capacity left from `left`."""
        x = self.index
        idx = self.idx if n is None else self.idx[:n]
        return [
            Candidate(i, x.ids[i], d, x.emergency[i], x.mobility[i], left.get(x.ids[i], 0))
            for i, d in zip(idx.tolist(), self.dist[: idx.size].tolist(), strict=True)
        ]


class RegistryIndex:
    def __init__(self, version: int, rows: Sequence[Any]) -> None:
        self.version = version
        n = len(rows)
        self.ids: list[UUID] = [r["id"] for r in rows]
        self.id_text = np.array([str(i) for i in self.ids], dtype=object)  # the tie-break
        self.rows = rows
        self.lon = np.fromiter((r["lon"] for r in rows), float, n)
        self.lat = np.fromiter((r["lat"] for r in rows), float, n)
        self.categories: list[frozenset[str]] = [frozenset(r["categories"]) for r in rows]
        self.emergency = [bool(r["emergency_24h"]) for r in rows]
        self.mobility = [bool(r["mobility_assist"]) for r in rows]
        self.points = shapely.points(self.lon, self.lat) if n else np.empty(0, dtype=object)
        self.point_tree = STRtree(self.points)
        delivering = [i for i, r in enumerate(rows) if r["home_delivery"] and r["zone"] is not None]
        self.zone_store = np.array(delivering, dtype=np.int64)
        self.zones = np.array([rows[i]["zone"] for i in delivering], dtype=object)
        shapely.prepare(self.zones)
        self.zone_tree = STRtree(self.zones)
        self._encoded: dict[str, list[bytes | None]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    # --- candidates -------------------------------------------------------------------------

    def _filter(self, idx: np.ndarray, categories: Sequence[str] | None) -> np.ndarray:
        if not categories or idx.size == 0:
            return idx
        need = frozenset(categories)
        return idx[[need <= self.categories[i] for i in idx.tolist()]]

    def _distances(self, idx: np.ndarray, point: Point) -> np.ndarray:
        return geodesic_m_array(point.x, point.y, self.lon[idx], self.lat[idx])

    def _candidates(self, idx: np.ndarray, dist: np.ndarray) -> Found:
        order = np.lexsort((self.id_text[idx], dist)) if idx.size > 1 else np.arange(idx.size)
        return Found(self, idx[order], dist[order])

    def serving(self, point: Point, categories: Sequence[str] | None) -> Found:
        """Active delivering stores whose zone covers the point (edge included), nearest first."""
        hit = self.zone_tree.query(point)
        if hit.size:
            hit = hit[shapely.intersects_xy(self.zones[hit], point.x, point.y)]
        idx = self._filter(self.zone_store[hit], categories)
        return self._candidates(idx, self._distances(idx, point))

    def within(self, point: Point, metres: float, categories: Sequence[str] | None
               ) -> Found:
        """Active stores within `metres` (geodesic) of the point, nearest first."""
        idx = self._filter(self.point_tree.query(search_box(point, metres)), categories)
        dist = self._distances(idx, point)
        keep = dist <= metres
        return self._candidates(idx[keep], dist[keep])

    def nearest(self, point: Point, k: int, categories: Sequence[str] | None
                ) -> Found:
        """The 2k + 10 nearest active stores (room for some closed since the index was built)."""
        metres, m = 500.0, 2 * k + 10
        while True:
            found = self.within(point, metres, categories)
            if len(found) >= m or metres > 5_000_000:
                return Found(self, found.idx[:m], found.dist[:m])
            metres *= 4

    # --- encoded answers ---------------------------------------------------------------------

    def encoded_head(self, i: int, crs: str) -> bytes:
        """Store i's unchanging JSON, without the closing brace (distance and capacity follow)."""
        cache = self._encoded.get(crs)
        if cache is None:
            cache = self._encoded[crs] = [None] * len(self.ids)
        head = cache[i]
        if head is None:
            r = self.rows[i]
            x, y = from_wgs84(r["lon"], r["lat"], crs)  # type: ignore[arg-type]
            head = _ENC.encode({
                "id": r["id"], "name": r["name"], "merchant_name": r["merchant_name"],
                "address": r["address"], "categories": list(r["categories"]),
                "lon": round(x, 7), "lat": round(y, 7), "home_delivery": r["home_delivery"],
                "emergency_24h": r["emergency_24h"], "mobility_assist": r["mobility_assist"],
                "daily_capacity": r["daily_capacity"], "opening_hours": r["opening_hours"],
            })[:-1]
            cache[i] = head
        return head

    def encoded(self, c: Candidate, crs: str) -> bytes:
        return b"%s,\"distance_m\":%s,\"capacity_left\":%d}" % (
            self.encoded_head(c.i, crs), _ENC.encode(round(c.distance_m, 1)), c.capacity_left)

    def summary_row(self, c: Candidate) -> dict[str, Any]:
        """The row service/registry/views.store_summary expects (routing answers)."""
        return {**dict(self.rows[c.i]), "distance_m": c.distance_m,
                "capacity_left": c.capacity_left}
