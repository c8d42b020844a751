"""The limits validation reads, taken from the serving app's own Settings.

Validation runs where no request is at hand (msgspec structs' `problems()`, called by the
validation walker; the registry writer), so the limits travel in a context variable that
`use_app_limits` sets, before each request's body is read, from `app.state.limits`
(built once by create_app). Two apps in one process keep their own limits; outside a
request (fixtures, scripts) the defaults of Settings apply.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from litestar import Request

from service.config import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    max_stores: int
    max_zone_vertices: int
    max_zone_area_m2: float
    min_zone_area_m2: float
    max_zone_gap_m: float
    max_delivery_reach_m: float
    max_disaster_area_vertices: int
    max_disaster_area_m2: float
    min_disaster_area_m2: float

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            max_stores=settings.max_stores_per_application,
            max_zone_vertices=settings.max_zone_vertices,
            max_zone_area_m2=settings.max_zone_area_km2 * 1e6,
            min_zone_area_m2=settings.min_zone_area_m2,
            max_zone_gap_m=settings.max_zone_gap_m,
            max_delivery_reach_m=settings.max_delivery_reach_m,
            max_disaster_area_vertices=settings.max_disaster_area_vertices,
            max_disaster_area_m2=settings.max_disaster_area_km2 * 1e6,
            min_disaster_area_m2=settings.min_disaster_area_m2,
        )


_DEFAULT = Limits.of(Settings())
_LIMITS: ContextVar[Limits | None] = ContextVar("boai_limits", default=None)


def limits() -> Limits:
    """The limits of the request being served (Settings' defaults outside a request)."""
    return _LIMITS.get() or _DEFAULT


def use_app_limits(request: Request) -> None:
    # Set in the request's own task: the handler and what it calls see it, nothing else.
    _LIMITS.set(request.app.state.limits)
