"""The two recruitment rounds of the fixtures, loaded through the intake's own code path."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from service.applications import repository as application_store
from service.applications import service as applications
from service.applications.schemas import Application
from service.review.service import enter_registry
from service.rounds.service import create_round, round_exists, set_status
from service.validation import collect
from service.wiring import wire

ACTOR = "fixtures"


def _validated(raw: dict[str, Any]) -> Application:
    app, errors = collect(Application, raw)
    if errors or app is None:
        raise ValueError(f"fixture {raw.get('legal_name')} is invalid: {errors}")
    return app


async def _ensure_round(conn: asyncpg.Connection, code: str, name: str) -> bool:
    """True when the round was created now."""
    if await round_exists(conn, code):
        return False
    await create_round(conn, code, name, "open", None, ACTOR)
    return True


async def load_network(conn: asyncpg.Connection, items: list[dict[str, Any]]) -> int:
    """beijing-1: submit, approve into the registry, then close the round."""
    wire()  # submissions are rescored as through the API
    if not await _ensure_round(conn, "beijing-1", "北京第一批爱心商家（已结束）"):
        return 0
    async with conn.transaction():
        for raw in items:
            created = await applications.create(conn, _validated(raw))
            app_id = UUID(created["id"])
            await applications.transition(
                conn, app_id, "approved", ACTOR, "第一批联合评估通过（fixtures）"
            )
            row = await application_store.get_application(conn, app_id)
            await enter_registry(conn, row)
        await set_status(conn, "beijing-1", "closed")
    return len(items)


async def load_applications(conn: asyncpg.Connection, items: list[dict[str, Any]]) -> int:
    """beijing-2: submit every fixture application not yet in the round."""
    wire()
    await _ensure_round(conn, "beijing-2", "北京第二批爱心商家与社会组织招募")
    loaded = 0
    for raw in items:
        if await application_store.application_in_round(conn, raw["round"], raw["credit_code"]):
            continue
        await applications.create(conn, _validated(raw))
        loaded += 1
    return loaded
