"""Scorecards, panel reviews, conflicts and information requests in PostgreSQL
(queries in service/sql/review.sql)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("review")
Rows = list[asyncpg.Record]


async def communities_version(conn: asyncpg.Connection) -> asyncpg.Record:
    return await conn.fetchrow(SQL.communities_version)


async def pilot_communities(conn: asyncpg.Connection) -> Rows:
    return await conn.fetch(SQL.pilot_communities)


async def latest_rubric(conn: asyncpg.Connection, round_code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.latest_rubric, round_code)


async def network_counts(
    conn: asyncpg.Connection, codes: list[str], walking_m: float,
    exclude_application: UUID | None, up_to: int,
) -> Rows:
    return await conn.fetch(SQL.network_counts, codes, walking_m, exclude_application, up_to)


async def upsert_scorecard(
    conn: asyncpg.Connection, application_id: UUID, round_code: str, rubric_version: int,
    card: dict[str, Any], total: float, eligible: bool,
) -> None:
    await conn.execute(
        SQL.upsert_scorecard, application_id, round_code, rubric_version, card, total, eligible
    )


async def get_scorecard(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.get_scorecard, application_id)


async def is_assigned(conn: asyncpg.Connection, round_code: str, user_id: int) -> bool:
    return await conn.fetchval(SQL.is_assigned, round_code, user_id)


async def is_conflicted(conn: asyncpg.Connection, application_id: UUID, user_id: int) -> bool:
    return await conn.fetchval(SQL.is_conflicted, application_id, user_id)


async def upsert_review(
    conn: asyncpg.Connection, application_id: UUID, user_id: int | None,
    scores: dict[str, float], comment: str,
) -> bool:
    """True when the review was created (not amended)."""
    return await conn.fetchval(SQL.upsert_review, application_id, user_id, scores, comment)


async def declare_conflict(
    conn: asyncpg.Connection, application_id: UUID, user_id: int | None, reason: str
) -> None:
    await conn.execute(SQL.declare_conflict, application_id, user_id, reason)


async def set_requirements(conn: asyncpg.Connection, application_id: UUID, reqs: Any) -> None:
    await conn.execute(SQL.set_requirements, application_id, reqs)


async def insert_info_request(
    conn: asyncpg.Connection, application_id: UUID, question: str, by: str, documents: list[str]
) -> int:
    return await conn.fetchval(SQL.insert_info_request, application_id, question, by, documents)


async def reviews_of(conn: asyncpg.Connection, application_id: UUID) -> Rows:
    return await conn.fetch(SQL.reviews_of, application_id)


async def conflicts_of(conn: asyncpg.Connection, application_id: UUID) -> Rows:
    return await conn.fetch(SQL.conflicts_of, application_id)


async def reviews_in_round(conn: asyncpg.Connection, round_code: str) -> Rows:
    return await conn.fetch(SQL.reviews_in_round, round_code)


async def conflicts_in_round(conn: asyncpg.Connection, round_code: str) -> Rows:
    return await conn.fetch(SQL.conflicts_in_round, round_code)


async def ranking_rows(conn: asyncpg.Connection, round_code: str) -> Rows:
    return await conn.fetch(SQL.ranking_rows, round_code)


async def merchant_track_record(conn: asyncpg.Connection, credit_code: str,
                                application_id: UUID, deadline_h: float) -> asyncpg.Record:
    return await conn.fetchrow(SQL.merchant_track_record, credit_code, application_id,
                               deadline_h)
