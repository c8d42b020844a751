"""Point-in-zone tests that skip GEOS for all but the points near a zone's edge.

A delivery zone is mostly a disc-like polygon around its store. In coordinates whose longitude
is scaled to the length of a degree of latitude at the store (so a disc in metres stays nearly
round there), two discs
around the store point bound the zone: the inner one, out to the nearest boundary segment (holes
included), lies inside it when the store does; the outer one, out to the farthest vertex, holds
the whole zone. A point inside the inner disc is inside the zone, a point outside the outer one
is not: exact consequences, not approximations, since the discs are measured in the same linear
coordinates the point is tested in (and shrunk or grown by a rounding margin). Only points
between the two need the polygon test: for a 100,000-store registry, about one candidate in ten
that a point's box query returns.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo.box_grid import BoxGrid

# The distances are computed in floating point: a point on or near the boundary must be left to
# the polygon test, never decided by a disc.
_INNER_MARGIN = 1.0 - 1e-9
_OUTER_MARGIN = 1.0 + 1e-9
_TINY = np.finfo(np.float64).tiny
_CHUNK = 1_024  # zones measured at a time: bounds the coordinate arrays held at once (4,096: a
# 32 MiB peak for 52,000 zones, 1,024: 10 MiB, and no slower)


class ZoneDiscs:
    """For zones[i] around its store (x[i], y[i]): the squared radii of the inner disc (0 when
    the store is not inside its zone) and of the outer disc, in the scaled coordinates, and the
    zone's bounding box. The zones may be given as WKB: they are decoded a chunk at a time and
    not kept (the registry index keeps them as WKB, decoding only those near a point)."""

    __slots__ = ("bounds", "inner2", "outer2", "sx", "x", "y")

    def __init__(self, zones: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        """zones: geometries or WKB; x, y: float arrays of the stores' points."""
        self.x, self.y = x, y
        self.sx = _metric_x_scale(y)
        n = len(zones)
        self.inner2, self.outer2 = np.empty(n), np.empty(n)  # every one set below
        self.bounds = np.empty((n, 4))
        inside = np.empty(n, dtype=bool)
        for start in range(0, n, _CHUNK):
            part = slice(start, min(start + _CHUNK, n))
            chunk = decoded(zones[part])
            self.inner2[part], self.outer2[part] = _radii(chunk, self.x[part], self.y[part],
                                                          self.sx[part])
            self.bounds[part] = shapely.bounds(chunk)
            inside[part] = shapely.contains_xy(chunk, self.x[part], self.y[part])
        self.inner2 = np.where(inside, self.inner2 * _INNER_MARGIN, 0.0)
        self.outer2 *= _OUTER_MARGIN

    def decide(self, i: np.ndarray, px: float, py: float) -> tuple[np.ndarray, np.ndarray]:
        """(surely inside, undecided) masks over the zones i for the point (px, py)."""
        return _decide(px, py, self.x[i], self.y[i], self.sx[i], self.inner2[i], self.outer2[i])


class ZoneLocator:
    """The zones that surely hold a point and those only their polygon can decide: candidates
    from a grid of the zones' boxes (geo/box_grid.py), decided by their discs, which are kept
    in the grid's entry order so a point reads them as slices (~10 us a point at 100,000
    stores, where an STRtree query and the discs gathered per zone took ~20)."""

    __slots__ = ("_by_entry", "discs", "grid")

    def __init__(self, zones: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        d = self.discs = ZoneDiscs(zones, x, y)
        self.grid = BoxGrid(d.bounds)
        m = self.grid.members
        self._by_entry = np.stack((d.x[m], d.y[m], d.sx[m], d.inner2[m], d.outer2[m]))

    def locate(self, px: float, py: float) -> tuple[np.ndarray, np.ndarray]:
        """(surely inside, undecided) zone positions for the point (px, py)."""
        cell = self.grid.listed(px, py)
        zone = self.grid.members[cell]
        sure, undecided = _decide(px, py, *self._by_entry[:, cell])
        surely, maybe = zone[sure], zone[undecided]
        aside = self.grid.aside
        if aside.size:  # zones too large for the grid: a candidate for every point
            sure, undecided = self.discs.decide(aside, px, py)
            surely = np.concatenate((surely, aside[sure]))
            maybe = np.concatenate((maybe, aside[undecided]))
        return surely, maybe


def _decide(px: float, py: float, x: np.ndarray, y: np.ndarray, sx: np.ndarray,
            inner2: np.ndarray, outer2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dx = (px - x) * sx
    dy = py - y
    d2 = dx * dx + dy * dy
    sure = d2 < inner2
    return sure, ~sure & (d2 <= outer2)


def decoded(zones: np.ndarray) -> np.ndarray:
    """The zones as shapely geometries (a copy; those given as WKB decoded)."""
    out = np.asarray(zones, dtype=object).copy()
    packed = np.fromiter((isinstance(z, bytes) for z in out), dtype=bool, count=len(out))
    if packed.any():
        out[packed] = shapely.from_wkb(out[packed])
    return out


_E2 = 0.00669437999014  # WGS-84 first eccentricity squared


def _metric_x_scale(lat: np.ndarray) -> np.ndarray:
    """A degree of longitude in degrees of latitude's length at `lat`: cos(lat) * N / M (the
    prime-vertical and meridional radii of curvature), so a disc in metres stays round."""
    phi = np.radians(lat)
    return np.cos(phi) * (1.0 - _E2 * np.sin(phi) ** 2) / (1.0 - _E2)


def _radii(zones: np.ndarray, x: np.ndarray, y: np.ndarray, sx: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Squared distances from each centre to its zone's nearest boundary segment and farthest
    vertex, in coordinates scaled by sx. Consecutive coordinates of one zone form its segments;
    where one ring ends and the next begins the pair is no segment, and counting it anyway can
    only shrink the inner disc (still inside), so only pairs across zones are left out."""
    counts = shapely.get_num_coordinates(zones)
    owner = np.repeat(np.arange(len(zones)), counts)
    xy = shapely.get_coordinates(zones)
    px = (xy[:, 0] - x[owner]) * sx[owner]  # relative to each zone's centre
    py = xy[:, 1] - y[owner]
    far = np.zeros(len(zones))
    np.maximum.at(far, owner, px * px + py * py)
    same = owner[1:] == owner[:-1]
    ax, ay, bx, by = px[:-1][same], py[:-1][same], px[1:][same], py[1:][same]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    # a repeated vertex (length 0) has t = 0; real segments are far longer than _TINY
    t = np.clip(-(ax * dx + ay * dy) / np.maximum(length2, _TINY), 0.0, 1.0)
    cx, cy = ax + t * dx, ay + t * dy
    near = np.full(len(zones), np.inf)  # no segment (empty zone): the store is not inside it
    np.minimum.at(near, owner[:-1][same], cx * cx + cy * cy)
    return near, far
