"""Organisations, members, areas and joint rules in PostgreSQL
(queries in service/sql/organisations.sql)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("organisations")
Rows = list[asyncpg.Record]


async def known_communities(conn: asyncpg.Connection, codes: list[str]) -> set[str]:
    return {r["code"] for r in await conn.fetch(SQL.known_communities, codes)}


async def known_streets(conn: asyncpg.Connection, streets: list[str]) -> set[str]:
    return {r["street"] for r in await conn.fetch(SQL.known_streets, streets)}


async def upsert_organisation(
    conn: asyncpg.Connection, code: str, name: str, kind: str, communities: list[str],
    streets: list[str],
) -> asyncpg.Record:
    return await conn.fetchrow(SQL.insert_organisation, code, name, kind, communities, streets)


async def list_organisations(conn: asyncpg.Connection) -> Rows:
    return await conn.fetch(SQL.list_organisations)


async def organisation_by_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.organisation_by_code, code)


async def add_member(conn: asyncpg.Connection, user: str, org_id: int, actor: str) -> int | None:
    return await conn.fetchval(SQL.add_member, user, org_id, actor)


async def remove_member(conn: asyncpg.Connection, user: str, org_id: int) -> None:
    await conn.fetchval(SQL.remove_member, user, org_id)


async def organisation_of_user(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.organisation_of_user, user_id)


async def application_in_area(
    conn: asyncpg.Connection, application_id: UUID, communities: list[str], streets: list[str]
) -> bool:
    return bool(await conn.fetchval(SQL.application_in_area, application_id, communities, streets))


async def joint_rules(conn: asyncpg.Connection, round_code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.get_joint_rules, round_code)


async def put_joint_rules(
    conn: asyncpg.Connection, round_code: str, required: list[dict[str, Any]], quorum: int,
    site_visit_required: bool, actor: str,
) -> None:
    await conn.execute(
        SQL.put_joint_rules, round_code, required, quorum, site_visit_required, actor
    )


async def delete_joint_rules(conn: asyncpg.Connection, round_code: str) -> None:
    await conn.execute(SQL.delete_joint_rules, round_code)


async def round_exists(conn: asyncpg.Connection, round_code: str) -> bool:
    return bool(await conn.fetchval(SQL.round_exists, round_code))


async def counted_reviews(conn: asyncpg.Connection, application_id: UUID) -> Rows:
    return await conn.fetch(SQL.counted_reviews, application_id)


async def org_reviews_in_round(conn: asyncpg.Connection, round_code: str) -> Rows:
    return await conn.fetch(SQL.org_reviews_in_round, round_code)


async def served_pilot_communities(conn: asyncpg.Connection, application_id: UUID) -> Rows:
    return await conn.fetch(SQL.served_pilot_communities, application_id)
