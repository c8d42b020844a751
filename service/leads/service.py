"""Rules of field leads: who sees which, single-use expiring invitations, conversion.

An invitation's token is shown once (in the link); only its SHA-256 is stored. Opening the
link only reads the lead (the merchant may reload the form); the submitted application
redeems it, atomically, once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.auth.principal import Principal
from service.auth.tokens import hash_token, new_token
from service.leads import repository as repo
from service.leads.schemas import LeadIn
from service.problems import Conflict, FieldError, NotFound, invalid

INVITE_PREFIX = "inv_"
GAP_RADIUS_M = 3000  # a lead "near" a community: within this distance of its boundary
WALK_M = 1000  # a store serves a community within this walk (the default rubric's)
TARGET_STORES = 2  # fewer serving stores than this: the community lacks stores (default k)


async def record(conn: asyncpg.Connection, principal: Principal, lead: LeadIn) -> dict[str, Any]:
    if not await repo.round_is_open(conn, lead.round):
        raise invalid([FieldError("/round", "unknown_round", "No open recruitment round",
                                  "没有这个进行中的招募批次")])
    lon, lat = lead.location.wgs84()
    contact = lead.contact
    row = await repo.insert_lead(
        conn, lead.merchant_name, lead.address, lon, lat,
        contact.name if contact else "", contact.mobile if contact else "", lead.notes,
        lead.round, principal.user_id,
    )
    return {"id": str(row["id"]), "merchant_name": lead.merchant_name, "lon": lon, "lat": lat,
            "round": lead.round, "created_at": row["created_at"].isoformat()}


async def leads_for(
    conn: asyncpg.Connection, principal: Principal, near_gaps: bool
) -> list[dict[str, Any]]:
    org_id = await repo.organisation_of_user(conn, principal.user_id)
    rows = await repo.leads_for(
        conn, principal.role == "admin", org_id, principal.user_id,
        GAP_RADIUS_M, TARGET_STORES, WALK_M,
    )
    items = [msgspec.to_builtins(dict(r)) for r in rows]
    return [i for i in items if i["gaps"]] if near_gaps else items


async def _lead(conn: asyncpg.Connection, principal: Principal, lead_id: UUID) -> asyncpg.Record:
    lead = await repo.lead_for_update(conn, lead_id)
    if lead is None:
        raise NotFound("No such lead.", "线索不存在。")
    if principal.role != "admin" and lead["recorded_by"] != principal.user_id:
        org = await repo.organisation_of_user(conn, principal.user_id)
        if org is None or org != lead["organisation_id"]:
            raise NotFound("No such lead.", "线索不存在。")
    return lead


async def invite(
    conn: asyncpg.Connection, principal: Principal, lead_id: UUID, valid_days: int
) -> dict[str, Any]:
    async with conn.transaction():
        lead = await _lead(conn, principal, lead_id)
        if lead["application_id"] is not None:
            raise Conflict("This merchant has applied already.", "该商家已经提交过申请。")
        token = new_token(INVITE_PREFIX)
        expires = await repo.insert_invitation(
            conn, lead_id, hash_token(token), valid_days, principal.name
        )
    return {"lead_id": str(lead_id), "token": token, "url": f"/apply#invite={token}",
            "expires_at": expires.isoformat(),
            "note": "The link is shown once and works for one application."}


def _refusal(row: asyncpg.Record | None) -> Exception:
    if row is None:
        return NotFound("No such invitation.", "邀请链接无效。")
    if row["used_at"] is not None or row["application_id"] is not None:
        return Conflict("This invitation has been used.", "该邀请链接已被使用。", reason="used")
    return Conflict("This invitation has expired; ask for a new one.",
                    "该邀请链接已过期，请联系工作人员重新发送。", reason="expired")


async def open_invitation(conn: asyncpg.Connection, token: str) -> dict[str, Any]:
    """What the lead knows, to prefill /apply: does not use the invitation up."""
    row = await repo.invitation_by_hash(conn, hash_token(token))
    if row is None or row["used_at"] is not None or row["expired"] or row["application_id"]:
        raise _refusal(row)
    return {
        "round": row["round_code"],
        "legal_name": row["merchant_name"],
        "address": row["address"],
        "location": {"lon": row["lon"], "lat": row["lat"], "crs": "wgs84"},
        "contact": {"name": row["contact_name"], "mobile": row["contact_mobile"]}
        if row["contact_name"] or row["contact_mobile"] else None,
        "expires_at": row["expires_at"].isoformat(),
    }


async def redeem(conn: asyncpg.Connection, token: str, application_id: UUID) -> dict[str, Any]:
    """The application came from this invitation: use it up and link the lead, once."""
    digest = hash_token(token)
    async with conn.transaction():
        lead_id = await repo.use_invitation(conn, digest)
        if lead_id is None:
            raise _refusal(await repo.invitation_by_hash(conn, digest))
        await repo.link_application(conn, lead_id, application_id)
    return {"lead_id": str(lead_id), "application_id": str(application_id)}


async def conversion(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await repo.conversion(conn)]

