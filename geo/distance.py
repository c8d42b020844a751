"""Geodesic distances and areas on the WGS-84 ellipsoid, and metric distances near a point.

Point-to-point distances and areas use pyproj's Karney algorithms. Distances between shapes
(a store's zone and a community) project the few nearby geometries into an azimuthal
equidistant (AEQD) projection centred on the query geometry: from the centre, AEQD distances
are exact geodesic distances; a few kilometres away the error stays well below a metre, which
is all walking distance and the pilot gate need. A single national projection would be wrong
somewhere among 11 provinces.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod, Transformer
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


_A = 6_378_137.0  # WGS-84 semi-major axis, metres
_E2 = 0.00669437999014  # first eccentricity squared
# Up to this distance the tangent-plane distance below is within PLANE_ERROR_M of the geodesic
# one (2.5 mm at 10 km, 0.3 mm at 5 km over China's latitudes; tests/geo/test_geo_shapes.py);
# beyond it, the geodesic distance is computed.
PLANE_MAX_M = 10_000.0
PLANE_ERROR_M = 0.005


def near_geodesic_m_array(lon: float, lat: float, lons: NDArray[np.float64],
                          lats: NDArray[np.float64]) -> NDArray[np.float64]:
    """Distances in metres from (lon, lat): on the plane tangent to the ellipsoid at each pair's
    mean latitude (a few numpy operations; within PLANE_ERROR_M of the geodesic distance up to
    PLANE_MAX_M), geodesic (Karney, half a microsecond each) beyond. For ranking the stores
    around a household, where a dispatcher reads metres to a tenth."""
    phi = np.radians((lats + lat) * 0.5)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    n = _A / np.sqrt(w)  # prime vertical radius of curvature
    m = n * (1.0 - _E2) / w  # meridional radius of curvature
    dist = np.hypot(np.radians(lons - lon) * n * np.cos(phi), np.radians(lats - lat) * m)
    far = dist > PLANE_MAX_M
    if far.any():
        dist[far] = geodesic_m_array(lon, lat, lons[far], lats[far])
    return dist


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Unsigned ellipsoidal area in m² of a WGS-84 (multi)polygon; holes are subtracted."""
    # pyproj signs each ring's area by its orientation, so a CCW hole inside a CCW shell would
    # be added, not subtracted: normalise to shells CCW / holes CW first.
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))


# Shortest degree lengths (metres) on WGS-84: a degree of latitude is never shorter than at the
# equator, a degree of longitude is 111,320 m * cos(lat) at most 0.4 % longer than the sphere.
_M_PER_DEG_LAT_MIN = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0
_SAFETY = 1.02


@lru_cache(maxsize=4096)
def _aeqd(lon: float, lat: float) -> Transformer:
    # A PROJ pipeline string builds in ~0.06 ms, versus ~12 ms through CRS objects.
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +ellps=WGS84"
    )


def to_local(geoms: np.ndarray | BaseGeometry, lon: float, lat: float):
    """Project WGS-84 geometries into metres around (lon, lat)."""
    tr = _aeqd(lon, lat)

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((x, y))

    return shapely.transform(geoms, fwd)


def search_box(geom: BaseGeometry, distance_m: float) -> shapely.Polygon:
    """A lon/lat box sure to contain every point within distance_m of geom."""
    minx, miny, maxx, maxy = geom.bounds
    dlat = distance_m / _M_PER_DEG_LAT_MIN * _SAFETY
    worst_lat = min(max(abs(miny), abs(maxy)) + dlat, 89.0)
    dlon = distance_m / (_M_PER_DEG_LON_EQ * math.cos(math.radians(worst_lat))) * _SAFETY
    return shapely.box(minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)


def distances_m(origin: BaseGeometry, targets: np.ndarray) -> np.ndarray:
    """Metric distance from origin to each target geometry, measured around origin's centre."""
    centre = origin.centroid if origin.geom_type != "Point" else origin
    lon, lat = float(centre.x), float(centre.y)
    local_origin = to_local(origin, lon, lat)
    return shapely.distance(local_origin, to_local(targets, lon, lat))
