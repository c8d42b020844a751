"""Changes after approval: an approved merchant asks to add branches, close one, or change a
store's capacity, delivery radius or opening hours. Each request has its own small review by
the round's panel (with If-Match: two reviewers cannot both decide it), or at once by the
round's rules when one fires (service/chains/autorules.py; decided by 'system', the rule
recorded); the registry changes only when it is approved, in the same transaction as the
decision and its audit rows. Closing a branch lists today's open reservations there, the
households a dispatcher must re-route."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from geo import geodesic_circle
from service.applications import service as applications
from service.applications.limits import limits
from service.applications.repository import audit, insert_stores
from service.applications.stores import prepare
from service.auth.principal import Principal
from service.chains import autorules, repository
from service.chains.schemas import ChangeDecisionIn, ChangeRequestIn, StoreUpdate
from service.chains.service import enter_registry
from service.problems import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    invalid,
)
from service.registry import repository as registry
from service.registry.places import service_day
from service.review.panel import require_decider, require_panel_member

SQL = repository.SQL


def view(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "application_id": str(row["application_id"]),
        "kind": row["kind"],
        "store_id": str(row["store_id"]) if row["store_id"] else None,
        "payload": row["payload"],
        "reason": row["reason"],
        "status": row["status"],
        "requested_by": row["requested_by"],
        "decided_by": row["decided_by"],
        "decision_reason": row["decision_reason"],
        "created_at": row["created_at"].isoformat(),
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "decided_rule": row["decided_rule"],
        "version": row["version"],
    }


def pending_view(row: asyncpg.Record) -> dict[str, Any]:
    """A request as the panel weighs it: the merchant, and the store as it is now."""
    now = None if row["store_id"] is None else {
        "name": row["store_name"], "daily_capacity": row["store_daily_capacity"],
        "radius_m": row["store_radius_m"], "opening_hours": row["store_opening_hours"],
    }
    return {**view(row), "legal_name": row["legal_name"], "round_code": row["round_code"],
            "store_name": row["store_name"], "store_now": now}


async def _reservations_today(conn: asyncpg.Connection, store_id: UUID) -> list[dict[str, Any]]:
    rows = await registry.open_reservations_at(conn, [store_id], service_day())
    return [
        {"id": str(r["id"]), "household_ref": r["household_ref"], "day": r["day"].isoformat(),
         "store_name": r["store_name"]}
        for r in rows
    ]


async def _check(
    conn: asyncpg.Connection, application_id: UUID, change: ChangeRequestIn
) -> asyncpg.Record | None:
    """Refuses what cannot be asked (422, every problem at once); the store it names."""
    errors: list[FieldError] = []
    store = None
    if change.kind == "add_stores":
        existing = len(await repository.store_ids(conn, application_id))
        if not change.stores:
            errors.append(FieldError("/stores", "too_few", "Name at least one store",
                                     "请至少填写一家新门店"))
        elif existing + len(change.stores) > limits().max_stores:
            errors.append(FieldError(
                "/stores", "too_many", f"At most {limits().max_stores} stores per application",
                f"每份申请最多 {limits().max_stores} 家门店（已有 {existing} 家）"))
    else:
        if change.store_id is None:
            errors.append(FieldError("/store_id", "required", "This field is required",
                                     "请选择门店"))
        else:
            store = await conn.fetchrow(
                SQL.registry_store_of_application, change.store_id, application_id
            )
            if store is None or store["status"] == "closed":
                errors.append(FieldError(
                    "/store_id", "unknown_store", "Not an open registry store of this merchant",
                    "不是该商家在门店库中营业的门店"))
        if change.kind == "update_store":
            c = change.changes
            if c is None or (c.daily_capacity is None and c.radius_m is None
                             and c.opening_hours is None):
                errors.append(FieldError(
                    "/changes", "required", "Name what changes (capacity, radius, opening hours)",
                    "请填写要变更的内容：每日配送能力、配送半径或营业时间"))
            elif c.radius_m is not None and c.radius_m > limits().max_delivery_reach_m:
                errors.append(FieldError(
                    "/changes/radius_m", "radius_out_of_reach",
                    f"Deliveries reach at most {limits().max_delivery_reach_m:,.0f} m",
                    f"配送半径最多 {limits().max_delivery_reach_m:,.0f} 米"))
    if errors:
        raise invalid(errors)
    return store


async def request_change(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, change: ChangeRequestIn
) -> dict[str, Any]:
    app = await applications.fetch(conn, application_id, principal)
    if app["kind"] != "merchant" or app["status"] != "approved":
        raise Conflict(
            "Only an approved merchant asks for changes to its stores.",
            "只有已通过的商家可以申请门店变更。",
        )
    store = await _check(conn, application_id, change)
    actor = principal.name if principal.is_staff else applications.APPLICANT_ACTOR
    applied: dict[str, Any] = {}
    async with conn.transaction():
        row = await conn.fetchrow(
            SQL.insert_change_request, application_id, change.kind, change.store_id,
            msgspec.to_builtins(change), change.reason, actor,
        )
        await audit(conn, application_id, "change_requested", actor, None, None, change.reason,
                    details={"change_request_id": str(row["id"]), "kind": change.kind})
        rule = await autorules.fired(conn, app, change, store)
        if rule is not None:
            applied = await _decide(conn, app, row, "approved", autorules.SYSTEM, rule.reason,
                                    rule.rule)
            row = await conn.fetchrow(SQL.lock_change_request, row["id"])
    result = {**view(row), **applied}
    if change.kind == "close_store" and change.store_id is not None:
        result["reservations_today"] = await _reservations_today(conn, change.store_id)
    return result


async def list_changes(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    return [view(r) for r in await conn.fetch(SQL.change_requests, application_id)]


async def _apply(
    conn: asyncpg.Connection, app: asyncpg.Record, row: asyncpg.Record, actor: str, reason: str
) -> dict[str, Any]:
    change = msgspec.convert(row["payload"], ChangeRequestIn)
    if change.kind == "add_stores":
        first = await conn.fetchval(SQL.next_ordinal, app["id"])
        ids = await insert_stores(conn, app["id"], [prepare(s) for s in change.stores], first)
        await conn.execute(SQL.insert_store_decisions, app["id"], ids,
                           ["approved"] * len(ids), [reason] * len(ids), actor)
        return {"registry_stores": await enter_registry(conn, app)}
    store = (await conn.fetchrow(SQL.registry_store_of_application, change.store_id, app["id"])
             if change.store_id is not None else None)
    if change.store_id is None or store is None or store["status"] == "closed":
        # Checked when requested; the store may have been closed since.
        raise Conflict("The store is no longer open.", "该门店已不在营业，无法执行此变更。")
    if change.kind == "close_store":
        await registry.change_status(conn, change.store_id, "closed", reason, actor)
        return {"reservations_today": await _reservations_today(conn, change.store_id)}
    c = change.changes or StoreUpdate()
    zone = geodesic_circle(store["geom"].x, store["geom"].y, c.radius_m) if c.radius_m else None
    await conn.execute(SQL.update_registry_store, change.store_id, c.daily_capacity, c.radius_m,
                       zone, c.opening_hours)
    changed = {k: v for k, v in msgspec.to_builtins(c).items() if v is not None}  # asked for
    await conn.execute(SQL.insert_store_audit, str(change.store_id), "store_changed", actor,
                       reason, {"change_request_id": str(row["id"]),
                                "before": {k: store[k] for k in changed},
                                "after": changed})
    return {}


async def _decide(
    conn: asyncpg.Connection, app: asyncpg.Record, row: asyncpg.Record, decision: str,
    actor: str, reason: str, rule: str | None = None,
) -> dict[str, Any]:
    """Record the decision, change the registry when approved, and audit both (in the
    caller's transaction, the request row locked)."""
    await conn.execute(SQL.decide_change_request, row["id"], decision, actor, reason, rule)
    applied = (await _apply(conn, app, row, actor, reason) if decision == "approved" else {})
    details = {"change_request_id": str(row["id"]), "kind": row["kind"], "decision": decision}
    if rule is not None:
        details["rule"] = rule
    await audit(conn, app["id"], "change_decided", actor, None, None, reason, details=details)
    return applied


async def decide_change(
    conn: asyncpg.Connection, principal: Principal, request_id: UUID, decision: ChangeDecisionIn,
    if_match: int | None,
) -> dict[str, Any]:
    require_decider(principal, if_match)
    async with conn.transaction():
        row = await conn.fetchrow(SQL.lock_change_request, request_id)
        if row is None:
            raise NotFound("No such change request.", "变更申请不存在。")
        app = await applications.fetch(conn, row["application_id"], principal)
        await require_panel_member(conn, principal, app["round_code"], app["id"])
        if row["status"] != "pending":
            raise Conflict(f"The change request is already {row['status']}.",
                           "该变更申请已有结论。")
        if row["version"] != if_match:
            raise PreconditionFailed(
                "The change request changed since you read it; reload it.",
                "该变更申请已有更新，请刷新后再决定。",
            )
        applied = await _decide(conn, app, row, decision.decision, principal.name,
                                decision.reason)
        row = await conn.fetchrow(SQL.lock_change_request, request_id)
    return {**view(row), **applied}


async def pending(
    conn: asyncpg.Connection, principal: Principal, limit: int = 200
) -> list[dict[str, Any]]:
    """Change requests waiting for a decision, of the applications the reader may see."""
    out = []
    for row in await conn.fetch(SQL.pending_change_requests, limit):
        try:
            await applications.fetch(conn, row["application_id"], principal)
        except NotFound:  # outside the reader's area: as if it did not exist
            continue
        item = pending_view(row)
        if row["kind"] == "close_store" and row["store_id"] is not None:
            item["reservations_today"] = await _reservations_today(conn, row["store_id"])
        out.append(item)
    return out
