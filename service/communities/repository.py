"""Pilot communities: reading and upserting."""

from __future__ import annotations

from typing import Any

import asyncpg
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from service.db.queries import load

SQL = load("communities")
COUNT_FIELDS = (
    "households",
    "residents",
    "elderly",
    "elderly_alone",
    "disabled",
    "mothers_infants",
    "children",
)


async def list_communities(
    conn: asyncpg.Connection, pilot: bool | None = None
) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.list_communities, pilot)


async def upsert_feature(
    conn: asyncpg.Connection, feature: dict[str, Any], *, is_pilot: bool = True
) -> bool:
    """Insert or update one GeoJSON community feature (WGS-84); True when new."""
    return await upsert_community(
        conn, feature["properties"], shape(feature["geometry"]), is_pilot=is_pilot
    )


async def upsert_community(
    conn: asyncpg.Connection, props: dict[str, Any], geom: BaseGeometry, *, is_pilot: bool = True
) -> bool:
    """Insert or update one community from its properties and WGS-84 (multi)polygon."""
    known = {"code", "name", "name_full", "street", "district", "estimated", *COUNT_FIELDS}
    extra = {k: v for k, v in props.items() if k not in known}
    return await conn.fetchval(
        SQL.upsert_community,
        props["code"],
        props["name"],
        props.get("name_full", ""),
        props.get("street", ""),
        props.get("district", ""),
        *(int(props.get(f) or 0) for f in COUNT_FIELDS),
        list(props.get("estimated", [])),
        is_pilot,
        extra,
        geom,
    )
