"""From a submitted store to what is stored: WGS-84 point, delivery zone, till blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from shapely.geometry.base import BaseGeometry

from geo import geodesic_circle
from scoring.vocabulary import EXCLUDED
from service.applications.schemas import Store, parse_zone


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
        return parse_zone(delivery.zone, store.location.crs).geometry
    if delivery.radius_m is not None:
        return geodesic_circle(lon, lat, delivery.radius_m)
    return None


def prepare(store: Store) -> PreparedStore:
    lon, lat = store.location.wgs84()
    blocked = sorted(set(store.categories) & EXCLUDED)
    return PreparedStore(store, lon, lat, zone_of(store, lon, lat), blocked)
