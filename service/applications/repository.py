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
    "emergency_24h", "mobility_assist", "opening_hours",
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
                p.store.opening_hours,
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


async def round_status(conn: asyncpg.Connection, round_code: str) -> str | None:
    return await conn.fetchval(SQL.round_status, round_code)


async def existing_communities(conn: asyncpg.Connection, codes: list[str]) -> set[str]:
    return {r["code"] for r in await conn.fetch(SQL.existing_communities, codes)}


async def update_application(
    conn: asyncpg.Connection,
    application_id: UUID,
    legal_name: str,
    credit_code: str,
    status: str,
    payload: dict[str, Any],
    requirements: Any,
) -> int:
    return await conn.fetchval(
        SQL.update_application, application_id, legal_name, credit_code, status, payload,
        requirements,
    )


async def set_status(
    conn: asyncpg.Connection, application_id: UUID, status: str, requirements: Any
) -> int:
    return await conn.fetchval(SQL.set_status, application_id, status, requirements)


async def insert_submission(
    conn: asyncpg.Connection, application_id: UUID, kind: str, round_code: str,
    credit_code: str, legal_name: str, status: str, payload: dict[str, Any], requirements: Any,
    token_hash: str, actor: str,
) -> None:
    await conn.execute(
        SQL.insert_submission, application_id, kind, round_code, credit_code, legal_name,
        status, payload, requirements, token_hash, actor,
    )


async def insert_applicant_token(
    conn: asyncpg.Connection, token_hash: str, application_id: UUID
) -> None:
    await conn.execute(SQL.insert_applicant_token, token_hash, application_id)


async def revoke_applicant_tokens(conn: asyncpg.Connection, application_id: UUID) -> None:
    await conn.execute(SQL.revoke_applicant_tokens, application_id)


async def open_application_for_credit_code(
    conn: asyncpg.Connection, round_code: str, credit_code: str
) -> UUID | None:
    return await conn.fetchval(SQL.open_application_for_credit_code, round_code, credit_code)


async def application_in_round(conn: asyncpg.Connection, round_code: str, credit_code: str) -> bool:
    return await conn.fetchval(SQL.application_in_round, round_code, credit_code)


async def get_application(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.get_application, application_id)


async def lock_application(
    conn: asyncpg.Connection, application_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.lock_application, application_id)


async def get_stores(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.get_stores, application_id)


async def delete_stores(conn: asyncpg.Connection, application_id: UUID) -> None:
    await conn.execute(SQL.delete_stores, application_id)


async def answer_open_info_requests(
    conn: asyncpg.Connection, application_id: UUID, answer: str
) -> None:
    await conn.execute(SQL.answer_open_info_requests, application_id, answer)


async def list_applications(
    conn: asyncpg.Connection,
    round_code: str | None,
    status: str | None,
    kind: str | None,
    limit: int,
    offset: int,
    area: tuple[list[str], list[str]] | None = None,
) -> list[asyncpg.Record]:
    communities, streets = area or (None, None)
    return await conn.fetch(
        SQL.list_applications, round_code, status, kind, limit, offset, communities, streets
    )


async def audit_trail(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.audit_trail, str(application_id))


async def latest_decision(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.latest_decision, str(application_id))


async def registry_stores(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    """The application's stores as they stand in the registry (after approval)."""
    return await conn.fetch(SQL.registry_stores, application_id)


def store_fields(row: asyncpg.Record) -> dict[str, Any]:
    """An application store row (get_stores) as the fields its readers name alike: the
    one place that maps the columns (scoring's StoreFacts, the registry's RegistryStoreIn)."""
    point = row["location"]
    return {
        "name": row["name"],
        "lon": point.x,
        "lat": point.y,
        "home_delivery": row["home_delivery"],
        "zone": row["zone"],
        "daily_capacity": row["daily_capacity"],
        "emergency_24h": row["emergency_24h"],
        "mobility_assist": row["mobility_assist"],
    }
