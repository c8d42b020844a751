"""Application persistence: every write inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import asyncpg
from shapely.geometry import Point

from service.applications.stores import PreparedStore
from service.db.queries import load

SQL = load("applications")


async def insert_stores(
    conn: asyncpg.Connection, application_id: UUID, stores: list[PreparedStore]
) -> None:
    rows = []
    for ordinal, p in enumerate(stores):
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
                Point(p.lon, p.lat),
                p.location_input,
                d.home_delivery,
                d.radius_m,
                p.zone,
                d.daily_capacity,
                d.emergency_24h,
                d.mobility_assist,
            )
        )
    if rows:
        await conn.executemany(SQL.insert_store, rows)


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
