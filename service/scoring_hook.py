"""Recompute an application's scorecard after it changes (filled in by the review area)."""

from __future__ import annotations

from uuid import UUID

import asyncpg


async def rescore_application(conn: asyncpg.Connection, application_id: UUID) -> None:
    del conn, application_id  # scorecards arrive with rounds and rubrics
