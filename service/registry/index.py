"""The active registry held in each worker: store points and prepared delivery zones behind
STRtrees, with each store's unchanging JSON encoded once per snapshot (or overlay) and CRS.

Built from one snapshot of the active stores (service/sql/registry_index.sql); when the
registry version moves, only the stores changed since are fetched and laid over that snapshot
(`overlaid`; service/registry/index_listener.py rebuilds whole when the overlay grows). It
answers which stores *could* serve a point; status and today's capacity are re-read from
PostgreSQL for those candidates, so a stale index can miss a store just activated but never
offers a closed one.
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
from geo.distance import (
    PLANE_ERROR_M,
    geodesic_m_array,
    near_geodesic_m_array,
    search_box,
)
from geo.inner_disk import ZoneDiscs

_ENC = msgspec.json.Encoder()

# One bit per category name, shared by every index of the process (a base and its overlays
# compare the same bits); names are the voucher vocabulary, a dozen or so.
_BITS: dict[str, int] = {}


def category_bits(categories: Sequence[str]) -> int:
    """The categories as a bit set, giving a name not seen before the next free bit."""
    bits = 0
    for name in categories:
        bit = _BITS.get(name)
        if bit is None:
            if len(_BITS) >= 63:
                raise ValueError("more than 63 distinct store categories")
            bit = _BITS[name] = 1 << len(_BITS)
        bits |= bit
    return bits


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

    def ids(self, n: int | None = None) -> list[UUID]:
        """The first n (all) stores' ids."""
        ids = self.index.ids
        return [ids[i] for i in (self.idx if n is None else self.idx[:n]).tolist()]

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


class _Layer:
    """STRtrees over a run of the index's stores (positions start .. start + len(rows) - 1) and
    their encoded JSON. Never changed once built: a refreshed index shares its base layer."""

    __slots__ = ("discs", "encoded", "point_tree", "rows", "start", "zone_store", "zone_tree",
                 "zones")

    def __init__(self, rows: Sequence[Any], start: int, lon: np.ndarray, lat: np.ndarray
                 ) -> None:
        self.start, self.rows = start, rows
        points = shapely.points(lon, lat) if len(rows) else np.empty(0, dtype=object)
        self.point_tree = STRtree(points)
        delivering = [i for i, r in enumerate(rows) if r["home_delivery"] and r["zone"] is not None]
        self.zone_store = np.array(delivering, dtype=np.int64) + start
        self.zones = np.array([rows[i]["zone"] for i in delivering], dtype=object)
        shapely.prepare(self.zones)
        self.zone_tree = STRtree(self.zones)
        self.discs = ZoneDiscs(self.zones, lon[self.zone_store - start],
                               lat[self.zone_store - start])
        self.encoded: dict[str, list[bytes | None]] = {}

    def covering(self, point: Point) -> np.ndarray:
        hit = self.zone_tree.query(point)
        if hit.size:
            sure, undecided = self.discs.decide(hit, point.x, point.y)
            rest = hit[undecided]
            if rest.size:  # near a zone's edge: the polygon decides
                rest = rest[shapely.intersects_xy(self.zones[rest], point.x, point.y)]
            hit = np.concatenate((hit[sure], rest))
        return self.zone_store[hit]

    def near(self, box: Any) -> np.ndarray:
        return self.point_tree.query(box) + self.start


class RegistryIndex:
    """A whole snapshot (the base), or the base with the stores changed since (the overlay,
    made by `overlaid`): changed stores masked out of the base's trees, the active ones among
    them in a small layer of their own. Answers are the same either way."""

    def __init__(self, version: int, rows: Sequence[Any]) -> None:
        self.version = version
        self._base: RegistryIndex | None = None  # None: this is the base snapshot
        self.changed: dict[UUID, Any] = {}  # since the base: id -> its row, None when inactive
        self._columns(rows)
        self.position = {sid: i for i, sid in enumerate(self.ids)}
        self.layers = [_Layer(rows, 0, self.lon, self.lat)]
        self.current: np.ndarray | None = None  # positions still as stored; None: all

    def _columns(self, rows: Sequence[Any]) -> None:
        n = len(rows)
        self.rows = rows
        self.ids: list[UUID] = [r["id"] for r in rows]
        self.id_text = np.array([str(i) for i in self.ids], dtype=object)  # the tie-break
        self.lon = np.fromiter((r["lon"] for r in rows), float, n)
        self.lat = np.fromiter((r["lat"] for r in rows), float, n)
        self.category_bits = np.fromiter((category_bits(r["categories"]) for r in rows),
                                         np.int64, n)
        self.emergency = [bool(r["emergency_24h"]) for r in rows]
        self.mobility = [bool(r["mobility_assist"]) for r in rows]

    def overlaid(self, version: int, changes: Sequence[Any]) -> RegistryIndex:
        """This index at `version`: `changes` are the rows changed since this index's version
        (index_changes: `active` says whether each is). The base's trees are shared; only the
        stores changed since the base are indexed anew."""
        root = self.root
        changed = dict(self.changed)
        for r in changes:
            changed[r["id"]] = r if r["active"] else None
        added = [r for r in changed.values() if r is not None]
        x = object.__new__(RegistryIndex)
        x._columns(added)
        extra = _Layer(added, len(root.ids), x.lon, x.lat)
        x.version, x._base, x.changed, x.position = version, root, changed, root.position
        x.rows = [*root.rows, *added]
        x.ids = root.ids + x.ids
        x.id_text = np.concatenate((root.id_text, x.id_text))
        x.lon, x.lat = np.concatenate((root.lon, x.lon)), np.concatenate((root.lat, x.lat))
        x.category_bits = np.concatenate((root.category_bits, x.category_bits))
        x.emergency, x.mobility = root.emergency + x.emergency, root.mobility + x.mobility
        x.layers = [root.layers[0], extra]
        x.current = np.ones(len(x.ids), dtype=bool)
        gone = [p for p in map(root.position.get, changed) if p is not None]
        x.current[gone] = False
        return x

    @property
    def root(self) -> RegistryIndex:
        """The base snapshot (itself, for a whole one: kept as None, not as a reference to
        itself, so a replaced index is freed by reference counting, frozen or not)."""
        return self if self._base is None else self._base

    def __len__(self) -> int:
        return len(self.ids)

    # --- candidates -------------------------------------------------------------------------

    def _current(self, parts: list[np.ndarray]) -> np.ndarray:
        idx = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return idx if self.current is None else idx[self.current[idx]]

    def _filter(self, idx: np.ndarray, categories: Sequence[str] | None) -> np.ndarray:
        """The stores that carry every one of `categories`."""
        if not categories or idx.size == 0:
            return idx
        if any(c not in _BITS for c in categories):
            return idx[:0]  # a category no store in any index carries
        need = category_bits(categories)
        return idx[(self.category_bits[idx] & need) == need]

    def _distances(self, idx: np.ndarray, point: Point) -> np.ndarray:
        return near_geodesic_m_array(point.x, point.y, self.lon[idx], self.lat[idx])

    def _candidates(self, idx: np.ndarray, dist: np.ndarray) -> Found:
        """Nearest first; equal distances by store id (the text order SQL's ORDER BY uses)."""
        order = np.argsort(dist, kind="stable")
        d = dist[order]
        if idx.size > 1 and (d[1:] == d[:-1]).any():  # rare: only then compare the ids
            order = np.lexsort((self.id_text[idx], dist))
        return Found(self, idx[order], dist[order])

    def serving(self, point: Point, categories: Sequence[str] | None) -> Found:
        """Active delivering stores whose zone covers the point (edge included), nearest first."""
        idx = self._filter(self._current([layer.covering(point) for layer in self.layers]),
                           categories)
        return self._candidates(idx, self._distances(idx, point))

    def within(self, point: Point, metres: float, categories: Sequence[str] | None
               ) -> Found:
        """Active stores within `metres` (geodesic) of the point, nearest first."""
        box = search_box(point, metres)
        idx = self._filter(self._current([layer.near(box) for layer in self.layers]), categories)
        dist = self._distances(idx, point)
        edge = np.abs(dist - metres) <= PLANE_ERROR_M
        if edge.any():  # within millimetres of the reach: the geodesic distance decides
            dist[edge] = geodesic_m_array(point.x, point.y, self.lon[idx[edge]],
                                          self.lat[idx[edge]])
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

    def _heads(self, layer: _Layer, crs: str) -> list[bytes | None]:
        cache = layer.encoded.get(crs)
        if cache is None:
            cache = layer.encoded[crs] = [None] * len(layer.rows)
        return cache

    def encoded_head(self, i: int, crs: str) -> bytes:
        """Store i's unchanging JSON, without the closing brace (distance and capacity follow)."""
        layer = self.layers[0] if i < len(self.root.ids) else self.layers[1]
        cache = self._heads(layer, crs)
        head = cache[i - layer.start]
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
            cache[i - layer.start] = head
        return head

    def encoded(self, stores: Sequence[Candidate], crs: str) -> bytes:
        """The stores as a JSON array: each one's unchanging part as encoded once, then its
        distance (to 0.1 m: '%.1f' writes what encoding round(d, 1) would) and capacity."""
        base = self._heads(self.layers[0], crs)
        n = len(base)
        out = []
        for c in stores:
            head = base[c.i] if c.i < n else None
            if head is None:
                head = self.encoded_head(c.i, crs)
            out.append(b'%s,"distance_m":%.1f,"capacity_left":%d}'
                       % (head, c.distance_m, c.capacity_left))
        return b"[" + b",".join(out) + b"]"

    def summary_row(self, c: Candidate) -> dict[str, Any]:
        """The row service/registry/views.store_summary expects (routing answers)."""
        return {**dict(self.rows[c.i]), "distance_m": c.distance_m,
                "capacity_left": c.capacity_left}
