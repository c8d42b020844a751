"""What each caller sees of an application."""

from __future__ import annotations

from typing import Any

import asyncpg

from geo import from_wgs84, to_geojson, transform_geometry
from service.applications.privacy import mask_contacts
from service.auth.principal import Principal


def store_view(row: asyncpg.Record, crs: str) -> dict[str, Any]:
    point = row["location"]
    lon, lat = from_wgs84(point.x, point.y, crs) if crs != "wgs84" else (point.x, point.y)
    zone = row["zone"]
    if zone is not None and crs != "wgs84":
        zone = transform_geometry(zone, "wgs84", crs)
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "address": row["address"],
        "categories": list(row["categories"]),
        "till_must_block": list(row["till_must_block"]),
        "location": {"lon": round(lon, 7), "lat": round(lat, 7), "crs": crs},
        "location_input": row["location_input"],
        "home_delivery": row["home_delivery"],
        "radius_m": row["radius_m"],
        "zone": to_geojson(zone) if zone is not None else None,
        "daily_capacity": row["daily_capacity"],
        "emergency_24h": row["emergency_24h"],
        "mobility_assist": row["mobility_assist"],
    }


def application_view(
    row: asyncpg.Record, principal: Principal, *, full: bool = True
) -> dict[str, Any]:
    payload = row["payload"]
    if not (principal.sees_personal_data and full) and principal.role != "applicant":
        payload = mask_contacts(payload)
    return {
        "id": str(row["id"]),
        "kind": row["kind"],
        "round": row["round_code"],
        "status": row["status"],
        "version": row["version"],
        "legal_name": row["legal_name"],
        "credit_code": row["credit_code"],
        "requirements": row["requirements"],
        "application": payload,
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }
