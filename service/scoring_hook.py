"""Recompute an application's scorecard after it is submitted or amended."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.review.scorecards import rescore


async def rescore_application(conn: asyncpg.Connection, application_id: UUID) -> None:
    await rescore(conn, application_id)
