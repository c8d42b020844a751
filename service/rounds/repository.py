"""Rounds, rubric versions and panels in PostgreSQL (queries in service/sql/rounds.sql)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("rounds")


async def insert_round(conn: asyncpg.Connection, code: str, name: str, status: str) -> None:
    await conn.execute(SQL.insert_round, code, name, status)


async def insert_rubric(
    conn: asyncpg.Connection, code: str, rubric: dict[str, Any], actor: str
) -> int:
    return await conn.fetchval(SQL.insert_rubric, code, rubric, actor)


async def get_round(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.get_round, code)


async def list_rounds(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.list_rounds)


async def open_rounds(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.open_rounds)


async def rounds_on_panel(conn: asyncpg.Connection, user_id: int | None) -> set[str]:
    return {r["round_code"] for r in await conn.fetch(SQL.rounds_on_panel, user_id)}


async def set_round_status(conn: asyncpg.Connection, code: str, status: str) -> bool:
    """False when there is no such round."""
    return await conn.fetchval(SQL.set_round_status, code, status) is not None


async def rubric_versions(conn: asyncpg.Connection, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.rubric_versions, code)


async def application_ids(conn: asyncpg.Connection, code: str) -> list[UUID]:
    return [r["id"] for r in await conn.fetch(SQL.round_application_ids, code)]


async def reviewer_user(conn: asyncpg.Connection, name: str) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.reviewer_user, name)


async def assign_reviewer(conn: asyncpg.Connection, code: str, user: str, by: str) -> None:
    await conn.execute(SQL.assign_reviewer, code, user, by)


async def unassign_reviewer(conn: asyncpg.Connection, code: str, user: str) -> None:
    await conn.execute(SQL.unassign_reviewer, code, user)


async def round_reviewers(conn: asyncpg.Connection, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.round_reviewers, code)
