"""Organisations, their members and areas; the area scope of street and community reviewers;
a round's joint rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.auth.principal import Principal
from service.organisations import repository as repo
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
    known = await repo.known_communities(conn, communities)
    known_streets = await repo.known_streets(conn, streets)
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
    row = await repo.upsert_organisation(
        conn, org.code, org.name, org.kind, communities, streets
    )
    return {
        "code": org.code, "name": org.name, "kind": org.kind,
        "communities": communities, "streets": streets, "created": row["created"],
    }


async def list_organisations(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await repo.list_organisations(conn)]


async def _organisation(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await repo.organisation_by_code(conn, code)
    if row is None:
        raise NotFound(f"No organisation {code!r}.", f"组织 {code} 不存在。")
    return row


async def add_member(conn: asyncpg.Connection, code: str, user: str, actor: str) -> None:
    """A staff user joins the organisation (leaving any other: one organisation each)."""
    org = await _organisation(conn, code)
    if await repo.add_member(conn, user, org["id"], actor) is None:
        raise NotFound(f"No user {user!r}.", f"用户 {user} 不存在。")


async def remove_member(conn: asyncpg.Connection, code: str, user: str) -> None:
    org = await _organisation(conn, code)
    await repo.remove_member(conn, user, org["id"])


async def organisation_of(conn: asyncpg.Connection, user_id: int | None) -> asyncpg.Record | None:
    if user_id is None:
        return None
    return await repo.organisation_of_user(conn, user_id)


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
    if not await repo.application_in_area(
        conn, application_id, list(area.communities), list(area.streets)
    ):
        raise NotFound("No such application.", "申请不存在。")


async def joint_rules(conn: asyncpg.Connection, round_code: str) -> dict[str, Any] | None:
    row = await repo.joint_rules(conn, round_code)
    return None if row is None else msgspec.to_builtins(dict(row))


async def _require_round(conn: asyncpg.Connection, round_code: str) -> None:
    if not await repo.round_exists(conn, round_code):
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
    await repo.put_joint_rules(
        conn, round_code, required, rules.quorum, rules.site_visit_required, actor
    )
    return await get_rules(conn, round_code)


async def delete_rules(conn: asyncpg.Connection, round_code: str) -> None:
    await _require_round(conn, round_code)
    await repo.delete_joint_rules(conn, round_code)


async def counted_reviews(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    """The reviews that count (no conflict declared), each with its reviewer's organisation."""
    return await repo.counted_reviews(conn, application_id)


async def org_reviews_in_round(conn: asyncpg.Connection, round_code: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await repo.org_reviews_in_round(conn, round_code)]


async def served_pilot_communities(
    conn: asyncpg.Connection, application_id: UUID
) -> list[asyncpg.Record]:
    return await repo.served_pilot_communities(conn, application_id)
