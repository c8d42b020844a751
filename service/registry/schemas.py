"""Registry request and response shapes (msgspec), and the approval flow's write contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta
from shapely.geometry.base import BaseGeometry

from geo import CRS
from service.validation import Invalid

CrsName = CRS  # the one definition is geo.CRS
StoreStatus = Literal["active", "suspended", "closed", "affected"]
Phase = Literal["preparedness", "warning", "recovery"]
STORE_STATUSES: tuple[str, ...] = ("active", "suspended", "closed", "affected")


class RegistryStoreIn(msgspec.Struct):
    """An approved store as the approval flow hands it over (WGS-84, already validated).

    Built in code, never decoded from a request: `zone` is a shapely (Multi)Polygon. When only
    `radius_m` is given the delivery zone is the geodesic circle of that radius.
    """

    name: str
    merchant_name: str
    address: str
    lon: float
    lat: float
    categories: list[str]
    home_delivery: bool
    radius_m: int | None
    zone: BaseGeometry | None
    daily_capacity: int
    emergency_24h: bool
    mobility_assist: bool
    application_id: UUID | None = None
    application_store_id: UUID | None = None
    status: str = "active"
    opening_hours: str | None = None  # as the application gave them, e.g. "07:00-22:00"


Reason = Annotated[str, Meta(min_length=1, max_length=500)]


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    status: StoreStatus
    reason: Reason


class StoreSummary(msgspec.Struct):
    """A store in a dispatcher's answer; lon/lat in the requested CRS, metres geodesic."""

    id: UUID
    name: str
    merchant_name: str
    address: str
    categories: list[str]
    lon: float
    lat: float
    distance_m: float
    home_delivery: bool
    emergency_24h: bool
    mobility_assist: bool
    daily_capacity: int
    capacity_left: int
    opening_hours: str | None = None


class CommunityRef(msgspec.Struct):
    code: str
    name: str


class PointAnswer(msgspec.Struct):
    """The point asked about, as given and as stored (WGS-84), with its community if any."""

    lon: float
    lat: float
    crs: str
    lon_wgs84: float
    lat_wgs84: float
    community: CommunityRef | None


class StoresNear(msgspec.Struct):
    point: PointAnswer
    crs: str
    stores: list[StoreSummary]


class StoresServing(msgspec.Struct):
    """The nearest `limit` stores serving a point, ranked, and how many serve it in all."""

    point: PointAnswer
    crs: str
    total: int
    limit: int
    stores: list[StoreSummary]


class CapacityToday(msgspec.Struct):
    day: date
    capacity: int
    reserved: int
    left: int


class HistoryEntry(msgspec.Struct):
    from_status: str | None
    to_status: str
    reason: str
    changed_by: str
    changed_at: datetime
    disaster_area_id: UUID | None


class StoreDetail(msgspec.Struct):
    id: UUID
    application_id: UUID | None
    application_store_id: UUID | None
    merchant_name: str
    name: str
    address: str
    categories: list[str]
    crs: str
    lon: float
    lat: float
    zone: dict[str, Any] | None
    radius_m: int | None
    home_delivery: bool
    emergency_24h: bool
    mobility_assist: bool
    daily_capacity: int
    opening_hours: str | None
    status: str
    status_reason: str
    status_changed_by: str | None
    status_changed_at: datetime | None
    created_at: datetime
    capacity_today: CapacityToday
    history: list[HistoryEntry]


class Population(msgspec.Struct):
    communities: int = 0
    households: int = 0
    residents: int = 0
    elderly: int = 0
    elderly_alone: int = 0
    disabled: int = 0
    mothers_infants: int = 0
    children: int = 0


class CommunityCoverage(msgspec.Struct):
    code: str
    name: str
    street: str
    district: str
    store_count: int
    # True when a list was cut at list_limit (store_count stays exact).
    capped: bool
    gap: bool
    delivery_store_ids: list[UUID]
    walkin_store_ids: list[UUID]
    households: int
    residents: int
    elderly: int
    elderly_alone: int
    disabled: int
    mothers_infants: int
    children: int


class CoverageReport(msgspec.Struct):
    min_stores: int
    walk_m: float
    list_limit: int
    served: Population
    gaps: Population
    gap_codes: list[str]
    communities: list[CommunityCoverage]


class CoverageFeatures(msgspec.Struct):
    """`format=geojson` (application/geo+json): communities as polygons, coverage as properties."""

    type: Literal["FeatureCollection"]
    crs_name: CrsName
    min_stores: int
    walk_m: float
    features: list[dict[str, Any]]


GeoJsonArea = Annotated[dict[str, Any], Meta(description="GeoJSON Polygon or MultiPolygon")]


class DisasterAreaIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    area: GeoJsonArea
    crs: CrsName = "wgs84"
    mark_affected: bool = False
    walk_m: Annotated[float, Meta(gt=0, le=1000)] = 1000.0

    def problems(self) -> Iterator[Invalid]:
        if self.area.get("type") not in ("Polygon", "MultiPolygon"):
            yield Invalid(
                "unsupported_geometry_type",
                "The area must be a GeoJSON Polygon or MultiPolygon.",
                "灾区范围必须是 GeoJSON 面（Polygon 或 MultiPolygon）。",
                "/area/type",
            )


class AffectedStore(msgspec.Struct):
    id: UUID
    name: str
    merchant_name: str
    lon: float
    lat: float


class CoverageLoss(msgspec.Struct):
    code: str
    name: str
    stores_before: int
    stores_after: int
    households: int
    elderly: int
    elderly_alone: int
    disabled: int
    mothers_infants: int
    children: int


class ReservationOut(msgspec.Struct):
    """A reservation of a store's capacity, with the store and the household's point (when
    routed with one), coordinates in `crs` of the answer."""

    id: UUID
    store_id: UUID
    store_name: str
    merchant_name: str
    store_status: StoreStatus
    store_lon: float
    store_lat: float
    day: date
    household_ref: str | None
    household_lon: float | None
    household_lat: float | None
    created_by: str
    created_at: datetime
    released_at: datetime | None


class DisasterAreaOut(msgspec.Struct):
    # None for a what-if (mark_affected false): nothing is stored.
    id: UUID | None
    name: str
    created_at: datetime | None
    marked_affected: bool
    crs: str
    # Active stores located in the area (marked affected when asked, else what-if).
    stores_in_area: list[AffectedStore]
    communities_in_area: list[CommunityRef]
    # Served before, served by none after.
    communities_losing_coverage: list[CoverageLoss]
    # Still served, by fewer stores.
    communities_with_reduced_coverage: list[CoverageLoss]
    # Open stores outside the area whose delivery zone reaches into it.
    stores_delivering_into_area: list[StoreSummary]
    notes: list[dict[str, str]]
    # Today's reservations (not released) at the stores in the area: households to re-route.
    reservations_to_reroute: list[ReservationOut]


class DisasterAreaSummary(msgspec.Struct):
    id: UUID
    name: str
    created_by: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str
    # Stores affected because of this area now (their latest status change is its marking).
    stores_held: int
    area: dict[str, Any]


class DisasterAreaList(msgspec.Struct):
    crs: CrsName
    areas: list[DisasterAreaSummary]


class LiftIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=500)] = ""


class LiftedStore(msgspec.Struct):
    id: UUID
    name: str
    merchant_name: str
    # The store's status after the lift.
    status: StoreStatus
    # restored: back to the status it had before the area; still_affected: inside another
    # declared area; changed_since: its status was changed after the area (left as it is).
    outcome: Literal["restored", "still_affected", "changed_since"]
    detail_zh: str
    detail_en: str


class LiftOut(msgspec.Struct):
    id: UUID
    name: str
    lifted_at: datetime
    lifted_by: str
    stores: list[LiftedStore]
