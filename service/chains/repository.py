"""SQL of the chain routes (service/sql/chains.sql); writes in the caller's transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.applications.repository import SQL as APPLICATIONS
from service.db.queries import load
from service.problems import NotFound

SQL = load("chains")


async def application(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record:
    row = await conn.fetchrow(APPLICATIONS.get_application, application_id)
    if row is None:
        raise NotFound("No such application.", "申请不存在。")
    return row


async def stores(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(APPLICATIONS.get_stores, application_id)


async def store_ids(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.application_store_ids, application_id)


async def insert_decisions(
    conn: asyncpg.Connection, application_id: UUID, actor: str, decided: list[tuple[UUID, Any]]
) -> None:
    await conn.execute(
        SQL.insert_store_decisions,
        application_id,
        [store_id for store_id, _ in decided],
        [group.decision for _, group in decided],
        [group.reason for _, group in decided],
        actor,
    )


async def approved_stores(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.approved_stores_for_registry, application_id)


async def decisions(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.store_decisions, application_id)
