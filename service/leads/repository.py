"""Field leads and their invitations in PostgreSQL (queries in service/sql/leads.sql)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("leads")
Rows = list[asyncpg.Record]


async def round_is_open(conn: asyncpg.Connection, round_code: str) -> bool:
    return bool(await conn.fetchval(SQL.round_is_open, round_code))


async def insert_lead(
    conn: asyncpg.Connection, merchant_name: str, address: str, lon: float, lat: float,
    contact_name: str, contact_mobile: str, notes: str, round_code: str, user_id: int | None,
) -> asyncpg.Record:
    return await conn.fetchrow(
        SQL.insert_lead, merchant_name, address, lon, lat, contact_name, contact_mobile, notes,
        round_code, user_id,
    )


async def organisation_of_user(conn: asyncpg.Connection, user_id: int | None) -> int | None:
    return await conn.fetchval(SQL.organisation_of_user, user_id)


async def leads_for(
    conn: asyncpg.Connection, every: bool, org_id: int | None, user_id: int | None,
    near_m: float, target_stores: int, walk_m: float,
) -> Rows:
    return await conn.fetch(
        SQL.leads_for, every, org_id, user_id, near_m, target_stores, walk_m
    )


async def lead_for_update(conn: asyncpg.Connection, lead_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.lead_for_update, lead_id)


async def insert_invitation(
    conn: asyncpg.Connection, lead_id: UUID, token_hash: bytes, valid_days: int, actor: str
) -> dt.datetime:
    return await conn.fetchval(SQL.insert_invitation, lead_id, token_hash, valid_days, actor)


async def invitation_by_hash(
    conn: asyncpg.Connection, token_hash: bytes
) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.invitation_by_hash, token_hash)


async def use_invitation(conn: asyncpg.Connection, token_hash: bytes) -> UUID | None:
    return await conn.fetchval(SQL.use_invitation, token_hash)


async def link_application(conn: asyncpg.Connection, lead_id: UUID, application_id: UUID) -> None:
    await conn.execute(SQL.link_application, lead_id, application_id)


async def conversion(conn: asyncpg.Connection) -> Rows:
    return await conn.fetch(SQL.conversion)
