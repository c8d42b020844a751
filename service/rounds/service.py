"""Create rounds, version rubrics, assign reviewers, rescore."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from scoring import default_rubric, rubric_from_dict, rubric_to_dict
from service.auth.principal import Principal
from service.problems import Conflict, FieldError, NotFound, invalid
from service.review.scorecards import rescore
from service.rounds import repository as repo


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
            await repo.insert_round(conn, code, name, status)
            version = await repo.insert_rubric(conn, code, stored, actor)
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
    row = await repo.get_round(conn, code)
    if row is None:
        raise NotFound(f"No round {code!r}.", f"批次 {code} 不存在。")
    return row


async def new_rubric_version(
    conn: asyncpg.Connection, code: str, rubric: dict[str, Any], actor: str
) -> dict[str, Any]:
    await require_round(conn, code)
    stored = validated_rubric(rubric)
    version = await repo.insert_rubric(conn, code, stored, actor)
    return {
        "round": code,
        "rubric_version": version,
        "rubric": stored,
        "note": "Existing scorecards keep their version until POST .../rescore.",
    }


async def rescore_round(conn: asyncpg.Connection, code: str) -> dict[str, Any]:
    await require_round(conn, code)
    ids = await repo.application_ids(conn, code)
    version = None
    async with conn.transaction():
        for application_id in ids:
            version = (await rescore(conn, application_id)).rubric_version
    return {"round": code, "rescored": len(ids), "rubric_version": version}


async def round_exists(conn: asyncpg.Connection, code: str) -> bool:
    return await repo.get_round(conn, code) is not None


async def set_status(conn: asyncpg.Connection, code: str, status: str) -> None:
    if not await repo.set_round_status(conn, code, status):
        raise NotFound(f"No round {code!r}.", f"批次 {code} 不存在。")


async def list_rounds(conn: asyncpg.Connection, principal: Principal) -> list[dict[str, Any]]:
    rows = await repo.list_rounds(conn)
    mine = await repo.rounds_on_panel(conn, principal.user_id)
    # Said up front, so a reviewer off the panel learns it before filling in scores.
    return [
        {**msgspec.to_builtins(dict(r)), "on_panel": principal.role == "admin" or r["code"] in mine}
        for r in rows
    ]


async def rubric_versions(conn: asyncpg.Connection, code: str) -> list[dict[str, Any]]:
    await require_round(conn, code)
    return [msgspec.to_builtins(dict(r)) for r in await repo.rubric_versions(conn, code)]


async def assign_reviewer(conn: asyncpg.Connection, code: str, user: str, by: str) -> None:
    await require_round(conn, code)
    found = await repo.reviewer_user(conn, user)
    if found is None or found["role"] not in ("reviewer", "admin"):
        raise NotFound(f"No reviewer {user!r}.", f"评审 {user} 不存在。")
    await repo.assign_reviewer(conn, code, user, by)


async def unassign_reviewer(conn: asyncpg.Connection, code: str, user: str) -> None:
    await repo.unassign_reviewer(conn, code, user)


async def reviewers(conn: asyncpg.Connection, code: str) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(dict(r)) for r in await repo.round_reviewers(conn, code)]


async def open_rounds(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Rounds an applicant may apply to, by code and name."""
    return [dict(r) for r in await repo.open_rounds(conn)]
