"""Scoring inputs built from stored applications (WGS-84 geometry throughout)."""

from __future__ import annotations

from typing import Any

import asyncpg
from shapely.geometry.base import BaseGeometry

from geo import polygon_from_geojson
from scoring import CommunityFacts, MerchantFacts, NgoFacts, StoreFacts
from service.applications.repository import store_fields


def community_facts(row: asyncpg.Record) -> CommunityFacts:
    return CommunityFacts(
        code=row["code"],
        name=row["name"],
        geometry=row["geom"],
        households=row["households"],
        residents=row["residents"],
        elderly=row["elderly"],
        elderly_alone=row["elderly_alone"],
        disabled=row["disabled"],
        mothers_infants=row["mothers_infants"],
        children=row["children"],
    )


def store_facts(row: asyncpg.Record) -> StoreFacts:
    return StoreFacts(
        key=str(row["id"]), categories=frozenset(row["categories"]), **store_fields(row)
    )


def merchant_facts(payload: dict[str, Any], stores: list[asyncpg.Record]) -> MerchantFacts:
    return MerchantFacts(
        stores=tuple(store_facts(s) for s in stores),
        has_wechat_pay_mch_id=bool(payload.get("wechat_pay_mch_id")),
        has_settlement_contact=bool(payload.get("settlement_contact")),
        data_feedback=bool(payload.get("data_feedback")),
        trained_staff=int(payload.get("trained_staff") or 0),
    )


def _service_area(payload: dict[str, Any]) -> BaseGeometry | None:
    area = payload.get("service_area")
    if area is None:
        return None
    return polygon_from_geojson(
        area, payload.get("service_area_crs", "wgs84"), max_vertices=100_000
    ).geometry


def ngo_facts(payload: dict[str, Any]) -> NgoFacts:
    return NgoFacts(
        communities_served=frozenset(payload.get("communities_served") or ()),
        service_area=_service_area(payload),
        disaster_experience_years=float(payload.get("disaster_experience_years") or 0),
        staff=int(payload.get("staff") or 0),
        volunteers=int(payload.get("volunteers") or 0),
        capabilities=frozenset(payload.get("capabilities") or ()),
    )
