"""The two recruitment rounds of the fixtures, loaded through the intake's own code path."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.applications import service as applications
from service.applications.schemas import Application
from service.review.scorecards import SQL as REVIEW
from service.review.service import enter_registry
from service.rounds.service import create_round
from service.validation import collect

ACTOR = "fixtures"


def _validated(raw: dict[str, Any]) -> Application:
    app, errors = collect(Application, raw)
    if errors or app is None:
        raise ValueError(f"fixture {raw.get('legal_name')} is invalid: {errors}")
    return app


async def _ensure_round(conn: asyncpg.Connection, code: str, name: str) -> bool:
    """True when the round was created now."""
    if await conn.fetchrow(REVIEW.get_round, code) is not None:
        return False
    await create_round(conn, code, name, "open", None, ACTOR)
    return True


async def load_network(conn: asyncpg.Connection, items: list[dict[str, Any]]) -> int:
    """beijing-1: submit, approve into the registry, then close the round."""
    if not await _ensure_round(conn, "beijing-1", "北京第一批爱心商家（已结束）"):
        return 0
    async with conn.transaction():
        for raw in items:
            created = await applications.create(conn, _validated(raw))
            app_id = UUID(created["id"])
            await applications.transition(
                conn, app_id, "approved", ACTOR, "第一批联合评估通过（fixtures）"
            )
            row = await conn.fetchrow(applications.SQL.get_application, app_id)
            await enter_registry(conn, row)
        await conn.execute(REVIEW.set_round_status, "beijing-1", "closed")
    return len(items)


async def load_applications(conn: asyncpg.Connection, items: list[dict[str, Any]]) -> int:
    """beijing-2: submit every fixture application not yet in the round."""
    await _ensure_round(conn, "beijing-2", "北京第二批爱心商家与社会组织招募")
    loaded = 0
    for raw in items:
        exists = await conn.fetchval(
            "SELECT 1 FROM applications WHERE round_code = $1 AND credit_code = $2",
            raw["round"],
            raw["credit_code"],
        )
        if exists:
            continue
        await applications.create(conn, _validated(raw))
        loaded += 1
    return loaded
