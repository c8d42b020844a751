"""Application persistence: every write inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import asyncpg
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from service.applications.stores import PreparedStore
from service.db.queries import load

SQL = load("applications")
_STORE_COLUMNS = (
    "id", "application_id", "ordinal", "name", "address", "categories", "till_must_block",
    "location", "location_input", "home_delivery", "radius_m", "zone", "daily_capacity",
    "emergency_24h", "mobility_assist",
)


def _srid(geom: object) -> object:
    # COPY writes the columns' binary form directly: EWKB with SRID 4326, zones as
    # MultiPolygon (what insert_store's ST_SetSRID/ST_Multi did in SQL).
    if geom is None:
        return None
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    return shapely.set_srid(geom, 4326)


async def insert_stores(
    conn: asyncpg.Connection, application_id: UUID, stores: list[PreparedStore],
    first_ordinal: int = 0,
) -> list[UUID]:
    """The stores' new ids, in order; ordinals from `first_ordinal` (branches added later)."""
    rows = []
    for ordinal, p in enumerate(stores, start=first_ordinal):
        d = p.store.delivery
        rows.append(
            (
                uuid.uuid4(),
                application_id,
                ordinal,
                p.store.name,
                p.store.address,
                list(p.store.categories),
                p.till_must_block,
                _srid(Point(p.lon, p.lat)),
                p.location_input,
                d.home_delivery,
                d.radius_m,
                _srid(p.zone),
                d.daily_capacity,
                d.emergency_24h,
                d.mobility_assist,
            )
        )
    if rows:
        # One COPY for a chain's hundreds of stores (bench/chains.py: ~10x executemany).
        await conn.copy_records_to_table("application_stores", records=rows, columns=_STORE_COLUMNS)
    return [r[0] for r in rows]


async def audit(
    conn: asyncpg.Connection,
    application_id: UUID,
    action: str,
    actor: str,
    from_status: str | None,
    to_status: str | None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        SQL.insert_audit,
        str(application_id),
        action,
        actor,
        from_status,
        to_status,
        reason,
        details or {},
    )


async def info_requests(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(SQL.info_requests, application_id)
    return [
        {
            **dict(r),
            "requested_at": r["requested_at"].isoformat(),
            "answered_at": r["answered_at"].isoformat() if r["answered_at"] else None,
        }
        for r in rows
    ]
