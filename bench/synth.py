"""A synthetic Beijing-region network: stores with delivery zones, communities with people.

Deterministic for a seed. Positions mix the urban core, district towns and the countryside
(lon 115.7-117.4, lat 39.4-41.0); zones are geodesic radius circles or drawn polygons;
communities are Voronoi cells of their centres, clipped to a small disc, so they never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.distance import GEOD
from scoring.vocabulary import ELIGIBLE

LON0, LON1, LAT0, LAT1 = 115.7, 117.4, 39.4, 41.0
CORE = (116.397, 39.909)
# District towns and new towns (WGS-84), each a smaller cluster.
TOWNS = (
    (116.656, 39.909), (116.654, 40.130), (116.231, 40.221), (116.341, 39.727),
    (116.143, 39.749), (116.102, 39.940), (116.632, 40.316), (117.121, 40.141),
    (116.843, 40.376), (115.975, 40.457), (116.300, 40.050), (116.510, 39.790),
)
CATEGORIES = sorted(ELIGIBLE)
Arr = NDArray[np.float64]


def _offset(lon: Arr, lat: Arr, dx_km: Arr, dy_km: Arr) -> tuple[Arr, Arr]:
    return lon + dx_km / (111.32 * np.cos(np.radians(lat))), lat + dy_km / 110.57


def positions(rng: np.random.Generator, n: int, shares: tuple[float, float, float],
              core_sigma_km: float = 7.0, town_sigma_km: float = 3.0) -> tuple[Arr, Arr]:
    """n points: shares of (urban core, district towns, uniform countryside), in the region."""
    kind = rng.choice(3, size=n, p=shares)
    lon = np.empty(n)
    lat = np.empty(n)
    core = kind == 0
    lon[core], lat[core] = _offset(np.full(core.sum(), CORE[0]), np.full(core.sum(), CORE[1]),
                                   *rng.normal(0, core_sigma_km, (2, core.sum())))
    town = kind == 1
    centres = np.array(TOWNS)[rng.integers(len(TOWNS), size=town.sum())]
    lon[town], lat[town] = _offset(centres[:, 0], centres[:, 1],
                                   *rng.normal(0, town_sigma_km, (2, town.sum())))
    rest = kind == 2
    lon[rest] = rng.uniform(LON0, LON1, rest.sum())
    lat[rest] = rng.uniform(LAT0, LAT1, rest.sum())
    return np.clip(lon, LON0, LON1), np.clip(lat, LAT0, LAT1)


def core_km(lon: Arr, lat: Arr) -> Arr:
    return np.asarray(GEOD.inv(lon, lat, np.full_like(lon, CORE[0]),
                               np.full_like(lat, CORE[1]))[2]) / 1000.0


def circles(lon: Arr, lat: Arr, radius_m: Arr, segments: int = 64) -> NDArray[np.object_]:
    """Geodesic circles as geo.geodesic_circle draws them, vectorised over all centres."""
    n = len(lon)
    az = np.tile(-np.arange(segments) * (360.0 / segments), n)
    x, y, _ = GEOD.fwd(np.repeat(lon, segments), np.repeat(lat, segments), az,
                       np.repeat(radius_m, segments))
    ring = np.stack([x.reshape(n, segments), y.reshape(n, segments)], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return shapely.polygons(shapely.linearrings(ring))


def drawn(rng: np.random.Generator, lon: Arr, lat: Arr, radius_m: Arr) -> NDArray[np.object_]:
    """Hand-drawn-looking zones: star-shaped polygons of 8-16 vertices (always simple)."""
    out = np.empty(len(lon), dtype=object)
    for i in range(len(lon)):
        k = int(rng.integers(8, 17))
        # decreasing azimuths, each within its own sector: a simple, counter-clockwise ring
        az = -(np.arange(k) + rng.uniform(-0.35, 0.35, k)) * (360.0 / k)
        dist = radius_m[i] * rng.uniform(0.6, 1.3, k)
        x, y, _ = GEOD.fwd(np.full(k, lon[i]), np.full(k, lat[i]), az, dist)
        out[i] = shapely.Polygon(np.column_stack([x, y]))
    return out


@dataclass(frozen=True)
class Stores:
    lon: Arr
    lat: Arr
    zone: NDArray[np.object_]  # MultiPolygon or None
    radius_m: NDArray[np.object_]  # int or None (drawn zones and walk-in stores)
    home_delivery: NDArray[np.bool_]
    categories: list[list[str]]
    daily_capacity: NDArray[np.int64]
    emergency_24h: NDArray[np.bool_]
    mobility_assist: NDArray[np.bool_]
    status: NDArray[np.str_]
    drawn: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.lon)


def stores(n: int, seed: int = 1) -> Stores:
    rng = np.random.default_rng(seed)
    lon, lat = positions(rng, n, (0.55, 0.25, 0.20))
    urban = core_km(lon, lat) < 15
    delivers = rng.random(n) < 0.55
    # Urban stores reach 0.3-1.5 km, suburban and rural ones 1-5 km (log-uniform).
    radius = np.where(urban, np.exp(rng.uniform(np.log(300), np.log(1500), n)),
                      np.exp(rng.uniform(np.log(1000), np.log(5000), n))).round()
    is_drawn = delivers & (rng.random(n) < 0.25)
    is_circle = delivers & ~is_drawn
    zone = np.full(n, None, dtype=object)
    zone[is_circle] = circles(lon[is_circle], lat[is_circle], radius[is_circle])
    zone[is_drawn] = drawn(rng, lon[is_drawn], lat[is_drawn], radius[is_drawn])
    zone[delivers] = shapely.multipolygons(zone[delivers][:, None].tolist())
    shapely.set_srid(zone[delivers], 4326)
    radius_m = np.full(n, None, dtype=object)
    radius_m[is_circle] = radius[is_circle].astype(int)
    cats = []
    for _ in range(n):
        extra = rng.choice(CATEGORIES, size=int(rng.integers(1, 5)), replace=False).tolist()
        base = [c for c in ("grain_oil", "daily_goods") if rng.random() < 0.8]
        cats.append(sorted(set(base + extra)))
    status = rng.choice(np.array(["active", "suspended", "closed"]), size=n, p=[0.96, 0.03, 0.01])
    return Stores(
        lon=lon, lat=lat, zone=zone, radius_m=radius_m, home_delivery=delivers,
        categories=cats,
        daily_capacity=np.exp(rng.uniform(np.log(5), np.log(200), n)).astype(np.int64),
        emergency_24h=rng.random(n) < 0.2, mobility_assist=rng.random(n) < 0.3,
        status=status, drawn=is_drawn,
    )


@dataclass(frozen=True)
class Communities:
    code: list[str]
    geom: NDArray[np.object_]  # MultiPolygon, SRID 4326
    households: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.code)


def communities(n: int, seed: int = 2) -> Communities:
    rng = np.random.default_rng(seed)
    lon, lat = positions(rng, n, (0.45, 0.30, 0.25))
    lon += rng.uniform(-1e-6, 1e-6, n)  # no two centres coincide
    urban = core_km(lon, lat) < 15
    cells = shapely.voronoi_polygons(shapely.multipoints(np.column_stack([lon, lat])),
                                     ordered=True)
    cells = np.array(shapely.get_parts(cells))
    reach = np.where(urban, rng.uniform(350, 600, n), rng.uniform(700, 1500, n))
    discs = circles(lon, lat, reach, segments=16)
    geom = shapely.make_valid(shapely.intersection(cells, discs))
    geom = np.array([_largest(g) for g in geom], dtype=object)
    geom = shapely.multipolygons(geom[:, None].tolist())
    shapely.set_srid(geom, 4326)
    households = np.where(urban, rng.integers(800, 4000, n), rng.integers(100, 900, n))
    return Communities([f"11{i:010d}" for i in range(n)], geom, households)


def _largest(geom: shapely.Geometry) -> shapely.Polygon:
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)]
    return max(parts, key=lambda p: p.area)
