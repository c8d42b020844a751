"""Chinese map coordinate systems: WGS-84, GCJ-02 ("Mars" coordinates) and BD-09 (Baidu).

Map apps in China hand out GCJ-02 (Tencent, Amap) or BD-09 (Baidu); GPS and OpenStreetMap give
WGS-84. Everything we store is WGS-84, so inputs are converted here.

The forward directions (WGS-84 -> GCJ-02 -> BD-09) are the published closed-form offsets. Their
inverses have no closed form: the usual one-step "subtract the offset evaluated at the wrong
point" is off by up to a few metres, so we solve forward(x) = target by fixed-point iteration,
which converges to well under a millimetre in a handful of steps (the offset's Jacobian is
within about 1e-4 of the identity).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

CRS = Literal["wgs84", "gcj02", "bd09"]
CRS_NAMES: tuple[str, ...] = get_args(CRS)

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# The published formula leaves coordinates outside this box unshifted.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

# Stop when an iteration moves the estimate by less than ~1e-6 m (1e-11 degrees).
_TOL_DEG = 1e-11
_MAX_ITER = 30

Arr = NDArray[np.float64]
G = TypeVar("G", bound=BaseGeometry)


def _check_crs(crs: str) -> None:
    if crs not in CRS_NAMES:
        raise ValueError(f"unknown CRS {crs!r}; expected one of {CRS_NAMES}")


def _outside_box(lon: Arr, lat: Arr) -> NDArray[np.bool_]:
    return (lon < _LON_MIN) | (lon > _LON_MAX) | (lat < _LAT_MIN) | (lat > _LAT_MAX)


# The offset formula is written once for numpy arrays and for single floats (`xp` is numpy or
# math): a single point through numpy pays ~40 array calls per step of the inverse, ~0.2 ms a
# point, several points per submitted application. Both evaluate the same IEEE operations.
def _delta_lat(x: Any, y: Any, xp: Any = np) -> Any:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * xp.sqrt(xp.fabs(x))
    ret += (20.0 * xp.sin(6.0 * x * xp.pi) + 20.0 * xp.sin(2.0 * x * xp.pi)) * 2.0 / 3.0
    ret += (20.0 * xp.sin(y * xp.pi) + 40.0 * xp.sin(y / 3.0 * xp.pi)) * 2.0 / 3.0
    ret += (160.0 * xp.sin(y / 12.0 * xp.pi) + 320.0 * xp.sin(y * xp.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lon(x: Any, y: Any, xp: Any = np) -> Any:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * xp.sqrt(xp.fabs(x))
    ret += (20.0 * xp.sin(6.0 * x * xp.pi) + 20.0 * xp.sin(2.0 * x * xp.pi)) * 2.0 / 3.0
    ret += (20.0 * xp.sin(x * xp.pi) + 40.0 * xp.sin(x / 3.0 * xp.pi)) * 2.0 / 3.0
    ret += (150.0 * xp.sin(x / 12.0 * xp.pi) + 300.0 * xp.sin(x / 30.0 * xp.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: Any, lat: Any, xp: Any) -> tuple[Any, Any]:
    """(dlon, dlat) that GCJ-02 adds to a WGS-84 point inside the box."""
    dlat = _delta_lat(lon - 105.0, lat - 35.0, xp)
    dlon = _delta_lon(lon - 105.0, lat - 35.0, xp)
    radlat = lat / 180.0 * xp.pi
    sinlat = xp.sin(radlat)
    magic = 1.0 - _EE * (sinlat * sinlat)
    sqrtmagic = xp.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * xp.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * xp.cos(radlat) * xp.pi)
    return dlon, dlat


def _wgs_to_gcj(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    dlon, dlat = _gcj_offset(lon, lat, np)
    out = _outside_box(lon, lat)
    return np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)


def _wgs_to_gcj_point(lon: float, lat: float) -> tuple[float, float]:
    if not (_LON_MIN <= lon <= _LON_MAX and _LAT_MIN <= lat <= _LAT_MAX):
        return lon, lat
    dlon, dlat = _gcj_offset(lon, lat, math)
    return lon + dlon, lat + dlat


def _gcj_to_bd(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    # The widely copied closed-form "inverse"; only a starting point for the iteration.
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


Forward = Callable[[Arr, Arr], tuple[Arr, Arr]]


def _invert(forward: Forward, lon: Arr, lat: Arr, x0: Arr, y0: Arr) -> tuple[Arr, Arr]:
    """Solve forward(x, y) = (lon, lat) by fixed-point iteration from (x0, y0).

    x <- x - (forward(x) - target) converges because forward is the identity plus a slowly
    varying offset; each step shrinks the error by roughly the offset's derivative (~1e-4).
    """
    x, y = x0.copy(), y0.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        x -= dx
        y -= dy
        if not np.any((np.abs(dx) > _TOL_DEG) | (np.abs(dy) > _TOL_DEG)):
            break
    return x, y


def _gcj_to_wgs(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    # Start from the target itself; outside the box forward() is the identity, so this is exact.
    return _invert(_wgs_to_gcj, lon, lat, lon, lat)


def _gcj_to_wgs_point(lon: float, lat: float) -> tuple[float, float]:
    # _invert for one point, step for step
    x, y = lon, lat
    for _ in range(_MAX_ITER):
        fx, fy = _wgs_to_gcj_point(x, y)
        dx, dy = fx - lon, fy - lat
        x -= dx
        y -= dy
        if not (abs(dx) > _TOL_DEG or abs(dy) > _TOL_DEG):
            break
    return x, y


def _bd_to_gcj(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    x0, y0 = _bd_to_gcj_approx(lon, lat)
    return _invert(_gcj_to_bd, lon, lat, x0, y0)


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[Arr, Arr]:
    lon = np.array(lons, dtype=np.float64, copy=True)
    lat = np.array(lats, dtype=np.float64, copy=True)
    if lon.shape != lat.shape:
        raise ValueError("lons and lats must have the same shape")
    return lon, lat


def from_wgs84_array(lons: ArrayLike, lats: ArrayLike, crs: CRS) -> tuple[Arr, Arr]:
    """Convert WGS-84 lon/lat arrays to `crs` (vectorised)."""
    _check_crs(crs)
    lon, lat = _as_arrays(lons, lats)
    if crs == "wgs84":
        return lon, lat
    glon, glat = _wgs_to_gcj(lon, lat)
    if crs == "gcj02":
        return glon, glat
    return _gcj_to_bd(glon, glat)


def to_wgs84_array(lons: ArrayLike, lats: ArrayLike, crs: CRS) -> tuple[Arr, Arr]:
    """Convert lon/lat arrays in `crs` to WGS-84 (vectorised, iterative inverse)."""
    _check_crs(crs)
    lon, lat = _as_arrays(lons, lats)
    if crs == "wgs84":
        return lon, lat
    if crs == "bd09":
        lon, lat = _bd_to_gcj(lon, lat)
    return _gcj_to_wgs(lon, lat)


def from_wgs84(lon: float, lat: float, crs: CRS) -> tuple[float, float]:
    """Convert one WGS-84 point to `crs`."""
    if crs == "wgs84":  # the common case on hot paths: skip the array machinery
        return float(lon), float(lat)
    if crs == "gcj02":
        return _wgs_to_gcj_point(float(lon), float(lat))
    x, y = from_wgs84_array([lon], [lat], crs)
    return float(x[0]), float(y[0])


def to_wgs84(lon: float, lat: float, crs: CRS) -> tuple[float, float]:
    """Convert one point in `crs` to WGS-84."""
    if crs == "wgs84":
        return float(lon), float(lat)
    if crs == "gcj02":
        return _gcj_to_wgs_point(float(lon), float(lat))
    x, y = to_wgs84_array([lon], [lat], crs)
    return float(x[0]), float(y[0])


def convert_array(lons: ArrayLike, lats: ArrayLike, src: CRS, dst: CRS) -> tuple[Arr, Arr]:
    """Convert between any two of the systems, going through WGS-84 when needed."""
    _check_crs(src)
    _check_crs(dst)
    if src == dst:
        return _as_arrays(lons, lats)
    if src == "gcj02" and dst == "bd09":
        return _gcj_to_bd(*_as_arrays(lons, lats))
    if src == "bd09" and dst == "gcj02":
        return _bd_to_gcj(*_as_arrays(lons, lats))
    lon, lat = to_wgs84_array(lons, lats, src)
    return from_wgs84_array(lon, lat, dst)


def transform_geometry(geom: G, src: CRS, dst: CRS) -> G:
    """Convert a shapely geometry's coordinates between systems (holes and parts preserved)."""
    _check_crs(src)
    _check_crs(dst)
    if src == dst:
        return geom

    def fn(xy: Arr) -> Arr:
        x, y = convert_array(xy[:, 0], xy[:, 1], src, dst)
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)
