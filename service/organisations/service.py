"""Organisations, their members and areas; the area scope of street and community reviewers;
a round's joint rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.auth.principal import Principal
from service.organisations.repository import SQL
from service.organisations.schemas import AREA_KINDS, JointRulesIn, OrganisationIn
from service.problems import FieldError, NotFound, invalid


class Area(msgspec.Struct, frozen=True):
    """What an area-scoped organisation covers: community codes and 9-digit streets."""

    organisation: str
    communities: frozenset[str]
    streets: frozenset[str]
    name: str = ""

    def covers(self, community_code: str) -> bool:
        return community_code in self.communities or community_code[:9] in self.streets

    def covers_any(self, codes: Iterable[str]) -> bool:
        return any(self.covers(c) for c in codes)


async def save_organisation(
    conn: asyncpg.Connection, org: OrganisationIn
) -> dict[str, Any]:
    """Create or update (by code); every community and street must be known."""
    communities = list(dict.fromkeys(org.communities))
    streets = list(dict.fromkeys(org.streets))
    known = {r["code"] for r in await conn.fetch(SQL.known_communities, communities)}
    known_streets = {r["street"] for r in await conn.fetch(SQL.known_streets, streets)}
    errors = [
        FieldError(f"/communities/{i}", "unknown_community", "Not a known community code",
                   "不是已登记社区的编码")
        for i, c in enumerate(org.communities) if c not in known
    ] + [
        FieldError(f"/streets/{i}", "unknown_street",
                   "No community lies in this street (9-digit code prefix)",
                   "没有社区属于该街道（统计编码前 9 位）")
        for i, s in enumerate(org.streets) if s not in known_streets
    ]
    if errors:
        raise invalid(errors)
    row = await conn.fetchrow(
        SQL.insert_organisation, org.code, org.name, org.kind, communities, streets
    )
    return {
        "code": org.code, "name": org.name, "kind": org.kind,
        "communities": communities, "streets": streets, "created": row["created"],
    }


async def list_organisations(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(SQL.list_organisations)]


async def _organisation(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await conn.fetchrow(SQL.organisation_by_code, code)
    if row is None:
        raise NotFound(f"No organisation {code!r}.", f"组织 {code} 不存在。")
    return row


async def add_member(conn: asyncpg.Connection, code: str, user: str, actor: str) -> None:
    """A staff user joins the organisation (leaving any other: one organisation each)."""
    org = await _organisation(conn, code)
    if await conn.fetchval(SQL.add_member, user, org["id"], actor) is None:
        raise NotFound(f"No user {user!r}.", f"用户 {user} 不存在。")


async def remove_member(conn: asyncpg.Connection, code: str, user: str) -> None:
    org = await _organisation(conn, code)
    await conn.fetchval(SQL.remove_member, user, org["id"])


async def organisation_of(conn: asyncpg.Connection, user_id: int | None) -> asyncpg.Record | None:
    if user_id is None:
        return None
    return await conn.fetchrow(SQL.organisation_of_user, user_id)


async def area_of(conn: asyncpg.Connection, principal: Principal | None) -> Area | None:
    """The area a caller is confined to; None = sees every candidate (admins, foundations,
    staff of no organisation, applicants: their own scope is checked elsewhere)."""
    if principal is None or not principal.is_staff or principal.role == "admin":
        return None
    org = await organisation_of(conn, principal.user_id)
    if org is None or org["kind"] not in AREA_KINDS:
        return None
    return Area(
        org["code"], frozenset(org["communities"]), frozenset(org["streets"]), org["name"]
    )


async def require_in_area(
    conn: asyncpg.Connection, principal: Principal | None, application_id: UUID
) -> None:
    """A street or community reviewer asking for a candidate outside its area: 404, as if
    it did not exist (the same answer as the ranking, which leaves it out)."""
    area = await area_of(conn, principal)
    if area is None:
        return
    if not await conn.fetchval(
        SQL.application_in_area, application_id, list(area.communities), list(area.streets)
    ):
        raise NotFound("No such application.", "申请不存在。")


async def joint_rules(conn: asyncpg.Connection, round_code: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(SQL.get_joint_rules, round_code)
    return None if row is None else msgspec.to_builtins(dict(row))


async def _require_round(conn: asyncpg.Connection, round_code: str) -> None:
    if not await conn.fetchval(SQL.round_exists, round_code):
        raise NotFound(f"No round {round_code!r}.", f"批次 {round_code} 不存在。")


async def get_rules(conn: asyncpg.Connection, round_code: str) -> dict[str, Any]:
    await _require_round(conn, round_code)
    rules = await joint_rules(conn, round_code)
    if rules is None:
        return {"round_code": round_code, "joint": False, "required": [], "quorum": 0,
                "site_visit_required": False}
    return {**rules, "joint": True}


async def put_rules(
    conn: asyncpg.Connection, round_code: str, rules: JointRulesIn, actor: str
) -> dict[str, Any]:
    await _require_round(conn, round_code)
    kinds = [r.kind for r in rules.required]
    if len(set(kinds)) != len(kinds):
        raise invalid([FieldError("/required", "duplicate_kind", "Each kind at most once",
                                  "每类组织只能列出一次")])
    required = msgspec.to_builtins(rules.required)
    await conn.execute(
        SQL.put_joint_rules, round_code, required, rules.quorum, rules.site_visit_required, actor
    )
    return await get_rules(conn, round_code)


async def delete_rules(conn: asyncpg.Connection, round_code: str) -> None:
    await _require_round(conn, round_code)
    await conn.execute(SQL.delete_joint_rules, round_code)
