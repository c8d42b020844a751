"""Geodesic distances and areas on the WGS-84 ellipsoid (pyproj's Karney algorithms)."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

# One shared instance: Geod is immutable and cheap to call, expensive-ish to build.
GEOD = Geod(ellps="WGS84")


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two WGS-84 points."""
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def geodesic_m_array(
    lons1: ArrayLike, lats1: ArrayLike, lons2: ArrayLike, lats2: ArrayLike
) -> NDArray[np.float64]:
    """Element-wise distances in metres (inputs broadcast against each other)."""
    a, b, c, d = np.broadcast_arrays(
        np.asarray(lons1, dtype=np.float64),
        np.asarray(lats1, dtype=np.float64),
        np.asarray(lons2, dtype=np.float64),
        np.asarray(lats2, dtype=np.float64),
    )
    _, _, dist = GEOD.inv(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    return np.asarray(dist, dtype=np.float64).reshape(a.shape)


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Unsigned ellipsoidal area in m² of a WGS-84 (multi)polygon; holes are subtracted."""
    # pyproj signs each ring's area by its orientation, so a CCW hole inside a CCW shell would
    # be added, not subtracted: normalise to shells CCW / holes CW first.
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))
