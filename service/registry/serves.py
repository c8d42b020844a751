"""Readers of "store serves community" (the `store_serves` relation of migration 0020).

The rule is defined once, in SQL; the relation is kept current by triggers on every write to
stores and communities. Coverage and disaster-area coverage loss read it here; scoring's
network counts and the shortlist through service/sql/review.sql `network_counts`. Walking
reach beyond MAX_WALK_M is not kept: readers ask for at most that.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("serves")
MAX_WALK_M = 1000.0  # serving_max_walk_m() in migration 0020
Rows = list[asyncpg.Record]


def reach(walk_m: float) -> float:
    """A reader's walking reach as kept: farther pairs are not stored."""
    return min(float(walk_m), MAX_WALK_M)


async def coverage_part(conn: asyncpg.Connection, walk_m: float, min_stores: int,
                        list_limit: int, with_geometry: bool, part: int, parts: int) -> Rows:
    return await conn.fetch(SQL.coverage, reach(walk_m), min_stores, list_limit, with_geometry,
                            part, parts)


async def coverage_loss(conn: asyncpg.Connection, store_ids: list[UUID], walk_m: float) -> Rows:
    return await conn.fetch(SQL.coverage_loss, store_ids, reach(walk_m))


async def communities_served(conn: asyncpg.Connection, store_id: UUID, walk_m: float
                             ) -> list[str]:
    return [r["code"] for r in await conn.fetch(SQL.serves_of_store, store_id, reach(walk_m))]
