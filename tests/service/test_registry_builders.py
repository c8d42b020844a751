"""Builders shared by the registry and dispatch tests (no tests here)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import asyncpg
from shapely.geometry.base import BaseGeometry

from service.registry.writer import RegistryStoreIn, add_store

ZHONGLUBEI = "110105013029"  # 中路北社区, Tuanjiehu street
ZHONGLUNAN = "110105013030"  # 中路南社区, its south-western neighbour
TAOTIAOGOU = "110119203214"  # 桃条沟村, the flooded village served online


async def store(conn: asyncpg.Connection, lon: float, lat: float, **kw: Any) -> UUID:
    """Register a store with sensible defaults (walk-in only unless told otherwise)."""
    fields: dict[str, Any] = {
        "name": kw.pop("name", f"store {lon:.4f},{lat:.4f}"),
        "merchant_name": kw.pop("merchant_name", "测试超市"),
        "address": kw.pop("address", "北京市朝阳区"),
        "lon": lon,
        "lat": lat,
        "categories": kw.pop("categories", ["grain_oil", "daily_goods"]),
        "home_delivery": kw.pop("home_delivery", False),
        "radius_m": kw.pop("radius_m", None),
        "zone": kw.pop("zone", None),
        "daily_capacity": kw.pop("daily_capacity", 20),
        "emergency_24h": kw.pop("emergency_24h", False),
        "mobility_assist": kw.pop("mobility_assist", False),
    }
    fields.update(kw)
    return await add_store(conn, RegistryStoreIn(**fields))


async def application_store(conn: asyncpg.Connection) -> tuple[UUID, UUID]:
    """A minimal approved application with one store (the registry's foreign keys)."""
    app_id, store_id = uuid.uuid4(), uuid.uuid4()
    await conn.execute("INSERT INTO rounds (code, name) VALUES ('r-test', 'test') "
                       "ON CONFLICT DO NOTHING")
    await conn.execute(
        "INSERT INTO applications (id, kind, round_code, credit_code, legal_name, status, "
        "payload, requirements) VALUES ($1, 'merchant', 'r-test', $2, '测试超市有限公司', "
        "'approved', '{}', '{}')", app_id, str(app_id)[:18])
    await conn.execute(
        "INSERT INTO application_stores (id, application_id, ordinal, name, address, categories,"
        " location, location_input, home_delivery) VALUES ($1, $2, 0, 's', 'a', '{}', "
        "ST_SetSRID(ST_MakePoint(116.46, 39.92), 4326), '{}', false)", store_id, app_id)
    return app_id, store_id


async def community_geom(conn: asyncpg.Connection, code: str) -> BaseGeometry:
    return await conn.fetchval("SELECT geom FROM communities WHERE code = $1", code)


def query(lon: float, lat: float, **extra: Any) -> dict[str, Any]:
    return {"lon": lon, "lat": lat, **extra}
