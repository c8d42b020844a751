"""Chains: a store list replaced from a file, per-store marginal coverage, partial approval."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from scoring.scorecard import served_by_store
from service.applications import service as applications
from service.applications.repository import audit
from service.auth.principal import Principal
from service.chains import repository
from service.chains.coverage import marginal_coverage
from service.chains.schemas import StoreDecisionsIn
from service.chains.storefile import Parsed, stores_json
from service.notify import outbox
from service.problems import (
    Conflict,
    FieldError,
    invalid,
)
from service.registry.writer import RegistryStoreIn, add_store
from service.review.facts import merchant_facts
from service.review.panel import require_decider, require_open, require_panel_member
from service.review.scorecards import community_index, round_rubric


async def replace_stores(
    conn: asyncpg.Connection,
    application_id: UUID,
    parsed: Parsed,
    principal: Principal,
    if_match: int | None,
) -> dict[str, Any]:
    """The file's stores replace the application's, through the amendment path (same
    states, same If-Match, same rescoring and audit): all of them or none."""
    result = await applications.amend(
        conn, application_id, {"stores": stores_json(parsed)}, principal, if_match
    )
    return {**result, "stores": len(parsed.stores)}


async def store_coverage(conn: asyncpg.Connection, application_id: UUID) -> dict[str, Any]:
    """Each store's marginal coverage: the pilot communities it alone brings to the
    rubric's target k (with the registry and the chain's other stores counted), and the
    ones it serves that would stay at target without it (duplicates)."""
    app = await repository.application(conn, application_id)
    if app["kind"] != "merchant":
        raise Conflict("Only merchant applications have stores.", "只有商家申请有门店。")
    rubric = await round_rubric(conn, app["round_code"])
    index = await community_index(conn)
    rows = await repository.stores(conn, application_id)
    by_store = served_by_store(merchant_facts(app["payload"], rows), index, rubric)
    adds_of = await marginal_coverage(conn, by_store, rubric, application_id)
    k = rubric.target_stores_per_community
    households = {code: c.households for code, c in index.by_code.items()}
    items = []
    for row in rows:
        served = by_store.get(str(row["id"]), set())
        adds = sorted(adds_of.get(str(row["id"]), set()))
        duplicates = sorted(set(served) - set(adds))
        items.append({
            "id": str(row["id"]),
            "ordinal": row["ordinal"],
            "name": row["name"],
            "address": row["address"],
            "lon": round(row["location"].x, 7),
            "lat": round(row["location"].y, 7),
            "home_delivery": row["home_delivery"],
            "daily_capacity": row["daily_capacity"],
            "served": sorted(served),
            "adds": adds,
            "adds_households": sum(households.get(c, 0) for c in adds),
            "duplicates": duplicates,
            "verdict": "adds" if adds else ("duplicates" if served else "no_pilot"),
        })
    return {"target_per_community": k, "stores": items}


def _check_groups(decisions: StoreDecisionsIn, store_ids: set[UUID]) -> dict[UUID, int]:
    errors: list[FieldError] = []
    group_of: dict[UUID, int] = {}
    for g, group in enumerate(decisions.groups):
        for s, store_id in enumerate(group.stores):
            pointer = f"/groups/{g}/stores/{s}"
            if store_id not in store_ids:
                errors.append(FieldError(
                    pointer, "unknown_store", "Not a store of this application", "不是本申请的门店"
                ))
            elif store_id in group_of:
                errors.append(FieldError(pointer, "duplicate", "This store is already in a group",
                                         "该门店已在另一组中"))
            else:
                group_of[store_id] = g
    undecided = len(store_ids - group_of.keys())
    if undecided and not errors:
        errors.append(FieldError(
            "/groups", "undecided",
            f"{undecided} store(s) are in no group: decide every store",
            f"还有 {undecided} 家门店未作决定：每家门店都须归入一组",
        ))
    if errors:
        raise invalid(errors)
    return group_of


async def decide_stores(
    conn: asyncpg.Connection,
    principal: Principal,
    application_id: UUID,
    decisions: StoreDecisionsIn,
    if_match: int | None,
) -> dict[str, Any]:
    """Approve some stores and reject others, a reason per group. The application becomes
    approved when any store is (only those enter the registry), rejected when none is."""
    require_decider(principal, if_match)
    app = await applications.fetch(conn, application_id, principal)
    await require_panel_member(conn, principal, app["round_code"], application_id)
    require_open(app["status"])
    if app["kind"] != "merchant":
        raise Conflict("Only merchant applications have stores.", "只有商家申请有门店。")
    rows = await repository.store_ids(conn, application_id)
    group_of = _check_groups(decisions, {r["id"] for r in rows})
    approved = [r["id"] for r in rows if decisions.groups[group_of[r["id"]]].decision == "approved"]
    target = "approved" if approved else "rejected"
    summary = [
        {"decision": g.decision, "reason": g.reason, "stores": len(g.stores)}
        for g in decisions.groups
    ]
    verdict_zh = {"approved": "通过", "rejected": "不通过"}
    reason = "；".join(
        f"{s['stores']} 家{verdict_zh[s['decision']]}：{s['reason']}" for s in summary
    )[:4000]
    async with conn.transaction():
        version = await applications.transition(
            conn, application_id, target, principal.name, reason, expected_version=if_match
        )
        await repository.insert_decisions(
            conn, application_id, principal.name,
            [(r["id"], decisions.groups[group_of[r["id"]]]) for r in rows],
        )
        await audit(conn, application_id, "store_decisions", principal.name, None, None,
                    details={"groups": [{**s, "store_ids": [str(i) for i in g.stores]}
                                        for s, g in zip(summary, decisions.groups, strict=True)]})
        await outbox.record(conn, application_id, "decision", {
            "status": target, "decision": target, "reason": reason,
            "approved_stores": len(approved), "rejected_stores": len(rows) - len(approved),
        })
        registry = await enter_registry(conn, app) if approved else []
    return {
        "id": str(application_id),
        "status": target,
        "version": version,
        "approved_stores": len(approved),
        "rejected_stores": len(rows) - len(approved),
        "registry_stores": registry,
    }


async def enter_registry(conn: asyncpg.Connection, app: asyncpg.Record) -> list[str]:
    """Only the stores decided 'approved' become registry stores."""
    ids = []
    for s in await repository.approved_stores(conn, app["id"]):
        ids.append(str(await add_store(conn, RegistryStoreIn(
            name=s["name"], merchant_name=app["legal_name"], address=s["address"],
            lon=s["location"].x, lat=s["location"].y, categories=list(s["categories"]),
            home_delivery=s["home_delivery"], radius_m=s["radius_m"], zone=s["zone"],
            daily_capacity=s["daily_capacity"], emergency_24h=s["emergency_24h"],
            mobility_assist=s["mobility_assist"], application_id=app["id"],
            application_store_id=s["id"], opening_hours=s["opening_hours"],
        ))))
    return ids


async def store_decisions(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    rows = await repository.decisions(conn, application_id)
    return [
        {
            "store_id": str(r["store_id"]), "ordinal": r["ordinal"], "name": r["name"],
            "decision": r["decision"], "reason": r["reason"], "decided_by": r["decided_by"],
            "decided_at": r["decided_at"].isoformat(),
            "registry_store_id": str(r["registry_store_id"]) if r["registry_store_id"] else None,
        }
        for r in rows
    ]
