"""Configured limits that validation reads (set once from Settings by create_app)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Limits:
    max_stores: int = 2_000
    max_zone_vertices: int = 2_000
    max_zone_area_m2: float = 2_000.0 * 1e6
    min_zone_area_m2: float = 100.0
    max_zone_gap_m: float = 2_000.0
    max_delivery_reach_m: float = 30_000.0


LIMITS = Limits()


def configure(
    max_stores: int,
    max_zone_vertices: int,
    max_zone_area_km2: float,
    min_zone_area_m2: float,
    *,
    max_zone_gap_m: float = 2_000.0,
    max_delivery_reach_m: float = 30_000.0,
) -> None:
    LIMITS.max_zone_gap_m = max_zone_gap_m
    LIMITS.max_delivery_reach_m = max_delivery_reach_m
    LIMITS.max_stores = max_stores
    LIMITS.max_zone_vertices = max_zone_vertices
    LIMITS.max_zone_area_m2 = max_zone_area_km2 * 1e6
    LIMITS.min_zone_area_m2 = min_zone_area_m2
