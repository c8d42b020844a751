"""Dispatch request and response shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from geo import in_china, to_wgs84
from service.registry.params import eligible_category
from service.registry.schemas import CrsName, Phase, PointAnswer, ReservationOut, StoreSummary
from service.validation import Check, Code, Coordinate, Invalid

# A batch is planned in one request; the body limit bounds it too (about 60 bytes each).
MAX_BATCH = 10_000


CategoryCode = Annotated[str, Meta(max_length=40), Code(), Check(eligible_category)]
Categories = Annotated[list[CategoryCode], Meta(max_length=20)]
Ref = Annotated[str, Meta(min_length=1, max_length=100)]
WalkM = Annotated[float, Meta(gt=0, le=5000)]


class Household(msgspec.Struct, forbid_unknown_fields=True):
    lon: Coordinate
    lat: Coordinate
    crs: CrsName = "wgs84"
    ref: Ref | None = None

    def wgs84(self) -> tuple[float, float]:
        return to_wgs84(self.lon, self.lat, self.crs)

    def problems(self) -> Iterator[Invalid]:
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            yield Invalid("out_of_range", "Longitude or latitude out of range (lon first).",
                          "经纬度超出范围（经度在前）。")
        elif not in_china(*self.wgs84()):
            yield Invalid("outside_china", "The household is not inside China.",
                          "该住户位置不在中国境内（请检查经纬度顺序与坐标系）。")


class RouteRequest(msgspec.Struct, forbid_unknown_fields=True):
    household: Household
    home_delivery: bool
    phase: Phase
    categories: Categories = msgspec.field(default_factory=list)
    reserve: bool = True
    mobility_assist: bool = False
    # Walk-in reach when no delivery is needed.
    walk_m: WalkM = 1000.0
    limit: Annotated[int, Meta(ge=1, le=50)] = 10


class Reserved(msgspec.Struct):
    reservation_id: UUID
    store_id: UUID
    name: str
    day: date
    capacity_left: int


class Fallback(msgspec.Struct):
    """The configured online platform, offered when no local store can serve."""

    reason: Literal["no_local_store", "capacity_exhausted"]
    name: str
    url: str
    detail_en: str
    detail_zh: str


class Ranking(msgspec.Struct):
    en: str
    zh: str


class RouteAnswer(msgspec.Struct):
    household: PointAnswer
    crs: str
    phase: str
    home_delivery: bool
    categories: list[str]
    day: date
    ranking: Ranking
    options: list[StoreSummary]
    reserved: Reserved | None
    fallback: Fallback | None


class Release(msgspec.Struct):
    reservation_id: UUID
    store_id: UUID
    name: str
    day: date
    released_at: datetime | None
    # False when it had already been released: releasing is idempotent.
    released_now: bool


class BatchHousehold(msgspec.Struct, forbid_unknown_fields=True):
    ref: Ref
    lon: Coordinate
    lat: Coordinate


class AssignRequest(msgspec.Struct, forbid_unknown_fields=True):
    households: Annotated[list[BatchHousehold], Meta(min_length=1, max_length=MAX_BATCH)]
    home_delivery: bool
    crs: CrsName = "wgs84"
    categories: Categories = msgspec.field(default_factory=list)
    walk_m: WalkM = 1000.0
    # Each household considers only its nearest candidate stores: keeps the problem sparse.
    candidates: Annotated[int, Meta(ge=1, le=50)] = 10

    def problems(self) -> Iterator[Invalid]:
        seen: set[str] = set()
        for i, h in enumerate(self.households):
            if h.ref in seen:
                yield Invalid("duplicate_ref", "Household refs must be unique in a batch.",
                              "同一批次内住户编号不能重复。", f"/households/{i}/ref")
            seen.add(h.ref)


class Assigned(msgspec.Struct):
    ref: str
    store_id: UUID
    store_name: str
    distance_m: float


class Unassigned(msgspec.Struct):
    ref: str
    reason: Literal["no_store_in_reach", "capacity_exhausted", "outside_china"]
    detail_en: str
    detail_zh: str


class AssignSummary(msgspec.Struct):
    households: int
    assigned: int
    total_distance_m: float
    greedy_assigned: int
    greedy_total_distance_m: float
    method: str


class AssignAnswer(msgspec.Struct):
    day: date
    summary: AssignSummary
    assignments: list[Assigned]
    unassigned: list[Unassigned]


class HouseholdReservations(msgspec.Struct):
    """A household's reservations on one day, found by the ref quoted on the phone."""

    household_ref: str
    day: date
    crs: CrsName
    reservations: list[ReservationOut]
