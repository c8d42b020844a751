"""From a submitted store to what is stored: WGS-84 point, delivery zone, till blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from shapely.geometry.base import BaseGeometry

from geo import geodesic_circle, polygon_from_geojson
from scoring.vocabulary import EXCLUDED
from service.applications.limits import LIMITS
from service.applications.schemas import Store


@dataclass(frozen=True, slots=True)
class PreparedStore:
    store: Store
    lon: float
    lat: float
    zone: BaseGeometry | None
    till_must_block: list[str]

    @property
    def location_input(self) -> dict[str, Any]:
        return msgspec.to_builtins(self.store.location)


def zone_of(store: Store, lon: float, lat: float) -> BaseGeometry | None:
    delivery = store.delivery
    if not delivery.home_delivery:
        return None
    if delivery.zone is not None:
        result = polygon_from_geojson(
            delivery.zone,
            store.location.crs,
            max_vertices=LIMITS.max_zone_vertices,
            min_area_m2=LIMITS.min_zone_area_m2,
            max_area_m2=LIMITS.max_zone_area_m2,
        )
        return result.geometry
    if delivery.radius_m is not None:
        return geodesic_circle(lon, lat, delivery.radius_m)
    return None


def prepare(store: Store) -> PreparedStore:
    lon, lat = store.location.wgs84()
    blocked = sorted(set(store.categories) & EXCLUDED)
    return PreparedStore(store, lon, lat, zone_of(store, lon, lat), blocked)
