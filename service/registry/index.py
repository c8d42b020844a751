"""The active registry held in each worker: store points behind an STRtree, delivery zones
as WKB behind a grid of their boxes and two discs each (geo/box_grid.py, geo/inner_disk.py),
with each store's unchanging JSON encoded once per snapshot (or overlay) and CRS.

Built from one snapshot of the active stores (service/sql/registry_index.sql); when the
registry version moves, only the stores changed since are fetched and laid over that snapshot
(`overlaid`; service/registry/index_listener.py rebuilds whole when the overlay grows). It
answers which stores *could* serve a point; status and today's capacity are re-read from
PostgreSQL for those candidates, so a stale index can miss a store just activated but never
offers a closed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast
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
from geo.inner_disk import ZoneLocator, decoded

_ENC = msgspec.json.Encoder()
_DEC = msgspec.json.Decoder()


# A zone whose inner disc reaches this share of its outer one (squared radii) is disc-like: a
# radius zone drawn with 52 segments reaches 0.997; at 100,000 stores 0.7 % of the zones the
# discs left undecided were disc-like ones.
_DISC_LIKE = 0.99


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


class _Columns:
    """What the index keeps of each store, gathered from rows a chunk at a time: the columns the
    queries read, each store's unchanging JSON in WGS-84 (its other fields are read back from
    it), its point and its delivery zone (WKB). No asyncpg Record is kept: at 100,000 stores
    the rows cost more than twice this (service/registry/index_listener.py reads the snapshot
    in chunks).

    A rebuild passes the base it replaces (`like`): the stores unchanged since it come without
    their zone (index_stores, `fresh` false) and share its JSON, point and zone, so the two
    indexes held during a rebuild do not each have their own."""

    def __init__(self, like: RegistryIndex | None = None) -> None:
        self.ids: list[UUID] = []
        self.id_text: list[str] = []
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.category_bits: list[int] = []
        self.emergency: list[bool] = []
        self.mobility: list[bool] = []
        self.heads: list[bytes | None] = []  # WGS-84 JSON without its closing brace
        self.points: list[Any] = []  # None: made from lon/lat with the layer
        self.zone_store: list[int] = []  # positions (within these columns) of the zones
        self.zones: list[Any] = []
        self._like = like
        if like is not None:
            base = like.layers[0]
            self._zone_of = np.full(base.n, -1, dtype=np.int64)
            self._zone_of[base.zone_store] = np.arange(base.zone_store.size)

    def add(self, rows: Sequence[Any]) -> None:
        shared, like = self._shared(rows), self._like
        for r, p in zip(rows, shared.tolist(), strict=True):
            i = len(self.ids)
            if p < 0 or like is None:
                self.ids.append(r["id"])
                self.heads.append(_head(r, r["lon"], r["lat"], "wgs84"))
                self.points.append(None)
                zone = r["zone"] if r["home_delivery"] else None
            else:  # as in the base: its objects
                base = like.layers[0]
                self.ids.append(like.ids[p])
                self.heads.append(base.encoded["wgs84"][p])
                self.points.append(base.point_tree.geometries[p])
                z = int(self._zone_of[p])
                zone = base.zones[z] if z >= 0 else None
                if r["home_delivery"] and zone is None:
                    raise LookupError("a store unchanged since the base has no zone there")
            self.id_text.append(str(r["id"]))
            self.lon.append(r["lon"])
            self.lat.append(r["lat"])
            self.category_bits.append(category_bits(r["categories"]))
            self.emergency.append(bool(r["emergency_24h"]))
            self.mobility.append(bool(r["mobility_assist"]))
            if zone is not None:
                self.zone_store.append(i)
                self.zones.append(zone)

    def _shared(self, rows: Sequence[Any]) -> np.ndarray:
        """Per row, its position in the base when it is unchanged since (else -1)."""
        out = np.full(len(rows), -1, dtype=np.int64)
        if self._like is None:
            return out
        stale = [k for k, r in enumerate(rows) if not r.get("fresh", True)]
        found = self._like.positions([rows[k]["id"] for k in stale])
        if (found < 0).any():
            raise LookupError("a store unchanged since the base is not in it")
        out[stale] = found
        return out


def columns(chunks: Iterable[Sequence[Any]], like: RegistryIndex | None = None) -> _Columns:
    """The index's columns from chunks of index_stores (or index_changes) rows; `like`: the
    base snapshot the rows' `fresh` refers to."""
    cols = _Columns(like)
    for rows in chunks:
        cols.add(rows)
    return cols


def _head(r: Any, lon: float, lat: float, crs: str) -> bytes:
    """A store's unchanging JSON in `crs`, without the closing brace (distance and capacity
    follow). `r` is its row, or its WGS-84 head decoded; lon/lat are the stored WGS-84 ones."""
    x, y = from_wgs84(lon, lat, crs)  # type: ignore[arg-type]
    return _ENC.encode({
        "id": r["id"], "name": r["name"], "merchant_name": r["merchant_name"],
        "address": r["address"], "categories": list(r["categories"]),
        "lon": round(x, 7), "lat": round(y, 7), "home_delivery": r["home_delivery"],
        "emergency_24h": r["emergency_24h"], "mobility_assist": r["mobility_assist"],
        "daily_capacity": r["daily_capacity"], "opening_hours": r["opening_hours"],
    })[:-1]


class _Layer:
    """A run of the index's stores (positions start .. start + n - 1): their points behind an
    STRtree, their zones behind a ZoneLocator, and their encoded JSON. Never changed once
    built: a refreshed index shares its base layer."""

    __slots__ = ("encoded", "locator", "n", "packed", "point_tree", "start", "zone_store",
                 "zones")

    def __init__(self, cols: _Columns, start: int, lon: np.ndarray, lat: np.ndarray) -> None:
        self.start, self.n = start, len(cols.ids)
        points = np.empty(self.n, dtype=object)
        points[:] = cols.points
        new = np.array([i for i, p in enumerate(cols.points) if p is None], dtype=np.int64)
        if new.size:
            points[new] = shapely.points(lon[new], lat[new])
        self.point_tree = STRtree(points)
        self.zone_store = np.array(cols.zone_store, dtype=np.int64) + start
        # Zones as WKB, decoded only for a point near the edge: as GEOS objects behind an
        # STRtree they were ~240 MiB of a worker at 300,000 stores. The disc-like ones (most:
        # drawn as a radius) stay WKB, the discs deciding nearly every point for them; the
        # others, which the discs leave undecided far more often, are kept decoded (GEOS)
        # rather than decoded again for point after point (~0.5 us each). None is prepared: a
        # prepared zone keeps the point locator GEOS builds on its first query, which grew a
        # worker by ~80 MiB over 4,000 distinct points at 100,000 stores.
        self.zones = np.empty(len(cols.zones), dtype=object)
        self.zones[:] = cols.zones
        self.locator = ZoneLocator(self.zones, lon[self.zone_store - start],
                                   lat[self.zone_store - start])
        discs = self.locator.discs
        self.packed = discs.inner2 >= _DISC_LIKE * discs.outer2  # kept as WKB
        self.zones[~self.packed] = decoded(self.zones[~self.packed])  # not prepared (below)
        # per CRS, filled as asked; WGS-84 (the common answer) made with the columns
        self.encoded: dict[str, list[bytes | None]] = {"wgs84": cols.heads}

    def covering(self, point: Point) -> np.ndarray:
        x, y = point.x, point.y
        sure, rest = self.locator.locate(x, y)
        if rest.size:  # near a zone's edge: the polygon decides
            zones = self.zones[rest]
            packed = self.packed[rest]
            if packed.any():
                zones[packed] = shapely.from_wkb(zones[packed])
            rest = rest[shapely.intersects_xy(zones, x, y)]
            return self.zone_store[np.concatenate((sure, rest))]
        return self.zone_store[sure]

    def near(self, box: Any) -> np.ndarray:
        return self.point_tree.query(box) + self.start


class RegistryIndex:
    """A whole snapshot (the base), or the base with the stores changed since (the overlay,
    made by `overlaid`): changed stores masked out of the base's trees, the active ones among
    them in a small layer of their own. Answers are the same either way."""

    def __init__(self, version: int, rows: Sequence[Any] | _Columns) -> None:
        """From the index_stores rows (every one fresh), or from `columns` gathered from
        them."""
        if not isinstance(rows, _Columns):
            rows = columns([rows])
        self.version = version
        self._base: RegistryIndex | None = None  # an overlay's base snapshot
        self.changed: dict[UUID, Any] = {}  # since the base: id -> its row, None when inactive
        self._columns(rows)
        # base positions in id order (the snapshot comes ordered by id: usually as they are)
        text = self.id_text
        self._by_id = (None if text.size < 2 or bool(np.all(text[:-1] < text[1:]))
                       else np.argsort(text, kind="stable"))
        self.layers = [_Layer(rows, 0, self.lon, self.lat)]
        self.current: np.ndarray | None = None  # positions still as stored; None: all

    def _columns(self, cols: _Columns) -> None:
        self.ids: list[UUID] = cols.ids
        self.id_text = np.array(cols.id_text, dtype="S36")  # the tie-break (ASCII: byte order)
        self.lon = np.array(cols.lon, dtype=float)
        self.lat = np.array(cols.lat, dtype=float)
        self.category_bits = np.array(cols.category_bits, dtype=np.int64)
        self.emergency = cols.emergency
        self.mobility = cols.mobility

    def positions(self, ids: Sequence[UUID]) -> np.ndarray:
        """Positions of `ids` in this base snapshot, -1 for those it does not hold."""
        text = self.id_text if self._by_id is None else self.id_text[self._by_id]
        if not ids or not text.size:
            return np.full(len(ids), -1, dtype=np.int64)
        keys = np.array([str(i) for i in ids], dtype="S36")
        at = np.minimum(np.searchsorted(text, keys), text.size - 1)
        if self._by_id is not None:
            at = self._by_id[at]
        return np.where(self.id_text[at] == keys, at, -1)

    def overlaid(self, version: int, changes: Sequence[Any]) -> RegistryIndex:
        """This index at `version`: `changes` are the rows changed since this index's version
        (index_changes: `active` says whether each is). The base's trees are shared; only the
        stores changed since the base are indexed anew."""
        root = self.root
        changed = dict(self.changed)
        for r in changes:
            changed[r["id"]] = r if r["active"] else None
        added = columns([[r for r in changed.values() if r is not None]])
        x = object.__new__(RegistryIndex)
        x._columns(added)
        extra = _Layer(added, len(root.ids), x.lon, x.lat)
        x.version, x._base, x.changed = version, root, changed
        x.ids = root.ids + x.ids
        x.id_text = np.concatenate((root.id_text, x.id_text))
        x.lon, x.lat = np.concatenate((root.lon, x.lon)), np.concatenate((root.lat, x.lat))
        x.category_bits = np.concatenate((root.category_bits, x.category_bits))
        x.emergency, x.mobility = root.emergency + x.emergency, root.mobility + x.mobility
        x.layers = [root.layers[0], extra]
        x.current = np.ones(len(x.ids), dtype=bool)
        gone = root.positions(list(changed))
        x.current[gone[gone >= 0]] = False
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

    def _layer_of(self, i: int) -> _Layer:
        """The layer holding store i: the base's, or the overlay's changed stores after it."""
        return self.layers[0] if i < self.layers[0].n else self.layers[1]

    def _heads(self, layer: _Layer, crs: str) -> list[bytes | None]:
        cache = layer.encoded.get(crs)
        if cache is None:
            cache = layer.encoded[crs] = [None] * layer.n
        return cache

    def encoded_head(self, i: int, crs: str) -> bytes:
        """Store i's unchanging JSON, without the closing brace (distance and capacity follow)."""
        layer = self._layer_of(i)
        cache = self._heads(layer, crs)
        head = cache[i - layer.start]
        if head is None:
            head = _head(self.store(i), self.lon[i], self.lat[i], crs)
            cache[i - layer.start] = head
        return head

    def store(self, i: int) -> dict[str, Any]:
        """Store i's unchanging fields (its WGS-84 JSON read back; id and lon/lat as stored)."""
        layer = self._layer_of(i)
        head = cast(bytes, layer.encoded["wgs84"][i - layer.start])  # made with the layer
        return {**_DEC.decode(head + b"}"), "id": self.ids[i], "lon": float(self.lon[i]),
                "lat": float(self.lat[i])}

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
        return {**self.store(c.i), "distance_m": c.distance_m,
                "capacity_left": c.capacity_left}
