"""Which of many small boxes may contain a point, from a uniform grid of cells held in numpy
arrays: the registry index's delivery zones by their bounding boxes without a GEOS geometry
per zone (a shapely STRtree needs the geometries themselves; at 300,000 stores the zones as
GEOS objects were ~240 MiB of a worker, as WKB about half that).

Each box is listed under every cell it overlaps, the entries ordered by cell, so a point's
candidates are one contiguous run of entries (`listed`: a binary search over the occupied
cells' keys) and whatever the caller keeps per entry is read as slices, not gathered. The cell
is the median box's size, so a typical box is listed in up to four cells; a box spanning more
than MAX_CELLS cells (or with coordinates no key can hold) is kept `aside`, a candidate for
every point.
"""

from __future__ import annotations

import math

import numpy as np

MAX_CELLS = 1_024  # cells one box may be listed in; a larger box is a candidate everywhere
_MIN_CELL = 1e-6  # degrees (~0.1 m): zero-size boxes (points) still get a usable cell
_SPAN = 1 << 30  # cell numbers are kept within ±_SPAN, so a key (two of them) fits in int64


class BoxGrid:
    """bounds: float array (n, 4) of xmin, ymin, xmax, ymax (shapely.bounds); a box with a NaN
    bound (an empty geometry's) is listed nowhere."""

    __slots__ = ("aside", "cell", "keys", "members", "starts")

    def __init__(self, bounds: np.ndarray) -> None:
        size = np.fmax(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        size = size[~np.isnan(size)]
        self.cell = max(float(np.median(size)), _MIN_CELL) if size.size else 1.0
        boxes = np.flatnonzero(~np.isnan(bounds).any(axis=1))
        c = np.floor(bounds[boxes] / self.cell)  # cell numbers: x lo, y lo, x hi, y hi
        in_span = (np.abs(c) < _SPAN).all(axis=1)
        nx = np.where(in_span, c[:, 2] - c[:, 0] + 1, np.inf)
        count = nx * (c[:, 3] - c[:, 1] + 1)
        small = count <= MAX_CELLS
        self.aside = boxes[~small]
        box, c = boxes[small], c[small]
        nx, count = nx[small].astype(np.int64), count[small].astype(np.int64)
        owner = np.repeat(box, count)
        k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        ix = np.repeat(c[:, 0].astype(np.int64), count) + k % np.repeat(nx, count)
        iy = np.repeat(c[:, 1].astype(np.int64), count) + k // np.repeat(nx, count)
        keys = (ix + _SPAN) << 31 | (iy + _SPAN)
        order = np.argsort(keys)  # within a cell any order: each box is listed there once
        keys, self.members = keys[order], owner[order]
        first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else keys
        self.keys = keys[first]
        self.starts = np.r_[first, keys.size]

    def listed(self, x: float, y: float) -> slice:
        """The entries (of `members`) listed in the cell holding the finite point (x, y): every
        gridded box that contains the point is among them (edges included), each once."""
        cx, cy = math.floor(x / self.cell), math.floor(y / self.cell)
        if abs(cx) < _SPAN and abs(cy) < _SPAN:
            key = (cx + _SPAN) << 31 | (cy + _SPAN)
            j = int(self.keys.searchsorted(key))
            if j < self.keys.size and int(self.keys[j]) == key:
                return slice(int(self.starts[j]), int(self.starts[j + 1]))
        return slice(0, 0)
