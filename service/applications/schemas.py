"""The intake contract: merchant and NGO applications, tagged by `kind`."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from geo import CRS, ShapeResult, in_china, polygon_from_geojson, reach_problems, to_wgs84
from service.applications.fields import (
    CapabilityCode,
    CategoryCode,
    CommunityCode,
    CreditCode,
    Mobile,
    RoundCode,
    WechatMchId,
)
from service.applications.limits import limits
from service.validation import Coordinate, Invalid, Strict

Name = Annotated[str, Meta(min_length=1, max_length=100)]
LegalName = Annotated[str, Meta(min_length=2, max_length=200)]
GeoJsonObject = Annotated[dict[str, Any], Meta(description="GeoJSON Polygon or MultiPolygon")]


class Contact(Strict):
    name: Name
    mobile: Mobile


class Location(Strict):
    lon: Coordinate
    lat: Coordinate
    crs: CRS

    def wgs84(self) -> tuple[float, float]:
        return to_wgs84(self.lon, self.lat, self.crs)

    def problems(self) -> Iterator[Invalid]:
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            yield Invalid(
                "out_of_range",
                "Longitude or latitude out of range (lon first)",
                "经纬度超出范围（经度在前）",
            )
        elif not in_china(*self.wgs84()):
            yield Invalid(
                "outside_china",
                "The location is not inside China",
                "该位置不在中国境内（请检查经纬度顺序与坐标系）",
            )


def parse_zone(zone: dict[str, Any], crs: CRS) -> ShapeResult:
    """A submitted area under the configured limits; a self-crossing outline is refused.

    A submitted zone is parsed when the body is validated and again when its store is stored;
    the second time is answered from a small cache keyed by the zone's JSON (the result is
    only read, never changed)."""
    lim = limits()
    return _parse_zone(msgspec.json.encode(zone), crs, lim.max_zone_vertices,
                       lim.min_zone_area_m2, lim.max_zone_area_m2)


@lru_cache(maxsize=32)
def _parse_zone(zone_json: bytes, crs: CRS, max_vertices: int, min_area_m2: float,
                max_area_m2: float) -> ShapeResult:
    return polygon_from_geojson(msgspec.json.decode(zone_json), crs, max_vertices=max_vertices,
                                min_area_m2=min_area_m2, max_area_m2=max_area_m2)


def shape_problems(
    zone: dict[str, Any], crs: CRS, suffix: str, store_at: tuple[float, float] | None = None
) -> Iterator[Invalid]:
    """Problems of a submitted area; for a delivery zone (`store_at`: the store, WGS-84)
    also whether it belongs to its store (see geo.reach_problems)."""
    result = parse_zone(zone, crs)
    problems = result.problems
    if result.ok and store_at is not None and result.geometry is not None:
        problems = reach_problems(
            *store_at, result.geometry,
            max_gap_m=limits().max_zone_gap_m, max_reach_m=limits().max_delivery_reach_m,
        )
    for problem in problems:
        yield Invalid(
            problem.code, problem.detail_en, problem.detail_zh, suffix + problem.pointer_suffix
        )


class Delivery(Strict):
    home_delivery: bool
    radius_m: Annotated[int, Meta(ge=50, le=50_000)] | None = None
    zone: GeoJsonObject | None = None
    daily_capacity: Annotated[int, Meta(ge=0, le=100_000)] = 0
    emergency_24h: bool = False
    mobility_assist: bool = False


class Store(Strict):
    name: Name
    address: Annotated[str, Meta(min_length=2, max_length=200)]
    location: Location
    categories: Annotated[list[CategoryCode], Meta(min_length=1, max_length=40)]
    opening_hours: Annotated[str, Meta(min_length=1, max_length=100)]
    delivery: Delivery

    def problems(self) -> Iterator[Invalid]:
        d = self.delivery
        if d.radius_m is not None and d.zone is not None:
            yield Invalid(
                "radius_or_zone",
                "Give a delivery radius or a zone, not both",
                "配送范围请填写半径或绘制区域，二选一",
                "/delivery/zone",
            )
        if d.home_delivery and d.radius_m is None and d.zone is None:
            yield Invalid(
                "zone_required",
                "Home delivery needs a radius or a zone",
                "提供送货上门需填写配送半径或绘制配送区域",
                "/delivery/radius_m",
            )
        if d.home_delivery and d.daily_capacity == 0:
            yield Invalid(
                "capacity_required",
                "Home delivery needs a daily capacity above 0",
                "提供送货上门需填写每日配送能力（大于 0）",
                "/delivery/daily_capacity",
            )
        if d.radius_m is not None and d.radius_m > limits().max_delivery_reach_m:
            reach = limits().max_delivery_reach_m
            yield Invalid(
                "radius_out_of_reach",
                f"Deliveries reach at most {reach:,.0f} m from the store",
                f"配送半径最多 {reach:,.0f} 米",
                "/delivery/radius_m",
            )
        if d.zone is not None:
            yield from shape_problems(
                d.zone, self.location.crs, "/delivery/zone", store_at=self.location.wgs84()
            )
        if len(set(self.categories)) != len(self.categories):
            yield Invalid("duplicate", "A category is listed twice", "商品品类重复", "/categories")


class MerchantApplication(Strict, tag="merchant", tag_field="kind"):
    round: RoundCode
    legal_name: LegalName
    credit_code: CreditCode
    wechat_pay_mch_id: WechatMchId | None = None
    settlement_contact: Contact | None = None
    data_feedback: bool | None = None
    trained_staff: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    # A static ceiling; the configured limit (limits().max_stores) is checked in problems().
    stores: Annotated[list[Store], Meta(max_length=100_000)] = []

    def problems(self) -> Iterator[Invalid]:
        if len(self.stores) > limits().max_stores:
            yield Invalid(
                "too_many",
                f"At most {limits().max_stores} stores per application",
                f"每份申请最多 {limits().max_stores} 家门店",
                "/stores",
            )


class NgoApplication(Strict, tag="ngo", tag_field="kind"):
    round: RoundCode
    legal_name: LegalName
    credit_code: CreditCode
    contact: Contact | None = None
    communities_served: Annotated[list[CommunityCode], Meta(max_length=500)] = []
    service_area: GeoJsonObject | None = None
    service_area_crs: CRS = "wgs84"
    disaster_experience_years: Annotated[int, Meta(ge=0, le=100)] | None = None
    staff: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    volunteers: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    capabilities: Annotated[list[CapabilityCode], Meta(max_length=50)] = []

    def problems(self) -> Iterator[Invalid]:
        if self.service_area is not None:
            yield from shape_problems(self.service_area, self.service_area_crs, "/service_area")


Application = MerchantApplication | NgoApplication


class Withdrawal(Strict):
    reason: Annotated[str, Meta(max_length=1000)] = ""
