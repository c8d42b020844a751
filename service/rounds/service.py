"""Create rounds, version rubrics, assign reviewers, rescore."""

from __future__ import annotations

from typing import Any

import asyncpg

from scoring import default_rubric, rubric_from_dict, rubric_to_dict
from service.problems import Conflict, FieldError, NotFound, invalid
from service.review.scorecards import SQL, rescore


def validated_rubric(raw: dict[str, Any] | None) -> dict[str, Any]:
    """A complete rubric as stored (defaults filled in), or 422 naming what is wrong."""
    try:
        rubric = rubric_from_dict({**(raw or {}), "version": 1}) if raw else default_rubric()
    except ValueError as exc:
        raise invalid([FieldError("/rubric", "rubric", str(exc), f"评分细则无效：{exc}")]) from None
    stored = rubric_to_dict(rubric)
    stored.pop("version", None)  # the version is the row's, not the document's
    return stored


async def create_round(
    conn: asyncpg.Connection,
    code: str,
    name: str,
    status: str,
    rubric: dict[str, Any] | None,
    actor: str,
) -> dict[str, Any]:
    stored = validated_rubric(rubric)
    try:
        async with conn.transaction():
            await conn.execute(SQL.insert_round, code, name, status)
            version = await conn.fetchval(SQL.insert_rubric, code, stored, actor)
    except asyncpg.UniqueViolationError:
        raise Conflict(f"Round {code!r} exists.", f"批次 {code} 已存在。") from None
    return {
        "code": code,
        "name": name,
        "status": status,
        "rubric_version": version,
        "rubric": stored,
    }


async def require_round(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await conn.fetchrow(SQL.get_round, code)
    if row is None:
        raise NotFound(f"No round {code!r}.", f"批次 {code} 不存在。")
    return row


async def new_rubric_version(
    conn: asyncpg.Connection, code: str, rubric: dict[str, Any], actor: str
) -> dict[str, Any]:
    await require_round(conn, code)
    stored = validated_rubric(rubric)
    version = await conn.fetchval(SQL.insert_rubric, code, stored, actor)
    return {
        "round": code,
        "rubric_version": version,
        "rubric": stored,
        "note": "Existing scorecards keep their version until POST .../rescore.",
    }


async def rescore_round(conn: asyncpg.Connection, code: str) -> dict[str, Any]:
    await require_round(conn, code)
    ids = [r["id"] for r in await conn.fetch(SQL.round_application_ids, code)]
    version = None
    async with conn.transaction():
        for application_id in ids:
            version = (await rescore(conn, application_id)).rubric_version
    return {"round": code, "rescored": len(ids), "rubric_version": version}
