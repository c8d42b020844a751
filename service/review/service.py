"""Panel review: reviews, conflicts, information requests and decisions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from scoring.vocabulary import MERCHANT_CRITERIA, NGO_CRITERIA
from service.applications import repository as application_store
from service.applications import service as applications
from service.applications.repository import audit, info_requests, store_fields
from service.applications.requirements import requirements
from service.applications.schemas import Application
from service.auth.principal import Principal
from service.notify import outbox
from service.problems import FieldError, invalid
from service.registry.writer import RegistryStoreIn, add_store
from service.review import repository as repo
from service.review.panel import require_decider, require_open, require_panel_member
from service.review.quorum import require_joint
from service.review.schemas import DecisionIn, InfoRequestIn, ReviewIn
from service.validation import collect


async def _application(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID
) -> asyncpg.Record:
    return await applications.fetch(conn, application_id, principal)


async def submit_review(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, review: ReviewIn
) -> dict[str, Any]:
    app = await _application(conn, principal, application_id)
    await require_panel_member(conn, principal, app["round_code"], application_id)
    require_open(app["status"])
    allowed = MERCHANT_CRITERIA if app["kind"] == "merchant" else NGO_CRITERIA
    wrong = [c for c in review.scores if c not in allowed]
    if wrong:
        raise invalid(
            [
                FieldError(
                    f"/scores/{c}",
                    "criterion",
                    f"Not a {app['kind']} criterion",
                    "该类申请没有此评分项",
                )
                for c in wrong
            ]
        )
    async with conn.transaction():
        created = await repo.upsert_review(
            conn, application_id, principal.user_id, review.scores, review.comment
        )
        await audit(
            conn,
            application_id,
            "review" if created else "review_amended",
            principal.name,
            None,
            None,
            details={"scores": review.scores},
        )
    return {
        "reviewer": principal.name,
        "created": created,
        "scores": review.scores,
        "comment": review.comment,
    }


async def declare_conflict(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, reason: str
) -> None:
    await _application(conn, principal, application_id)
    async with conn.transaction():
        # The application's row lock orders this against a decision counting the reviews:
        # either the decision sees the conflict, or the conflict comes after the decision.
        await application_store.lock_application(conn, application_id)
        await repo.declare_conflict(conn, application_id, principal.user_id, reason)
        await audit(conn, application_id, "conflict_declared", principal.name, None, None, reason)


async def refresh_requirements(
    conn: asyncpg.Connection, application_id: UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    app, _ = collect(Application, payload)
    if app is None:  # stored payloads were validated on the way in
        raise RuntimeError(f"the stored application {application_id} no longer validates")
    reqs = requirements(app, await info_requests(conn, application_id))
    await repo.set_requirements(conn, application_id, reqs)
    return reqs


async def request_info(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, ask: InfoRequestIn
) -> dict[str, Any]:
    app = await _application(conn, principal, application_id)
    await require_panel_member(conn, principal, app["round_code"], application_id)
    documents = list(dict.fromkeys(ask.requested_documents))  # once each, in the given order
    async with conn.transaction():
        await applications.transition(
            conn, application_id, "info_requested", principal.name, ask.question
        )
        request_id = await repo.insert_info_request(
            conn, application_id, ask.question, principal.name, documents
        )
        reqs = await refresh_requirements(conn, application_id, app["payload"])
        await outbox.record(
            conn,
            application_id,
            "info_requested",
            {"status": "info_requested", "request_id": request_id, "question": ask.question,
             "requested_documents": documents},
        )
    return {
        "id": request_id,
        "status": "info_requested",
        "question": ask.question,
        "requested_documents": documents,
        "requirements": reqs,
    }


async def enter_registry(conn: asyncpg.Connection, application: asyncpg.Record) -> list[str]:
    """Approval puts the merchant's stores into the registry as active stores."""
    ids = []
    for s in await application_store.get_stores(conn, application["id"]):
        store = RegistryStoreIn(
            merchant_name=application["legal_name"],
            address=s["address"],
            categories=list(s["categories"]),
            radius_m=s["radius_m"],
            application_id=application["id"],
            application_store_id=s["id"],
            opening_hours=s["opening_hours"],
            **store_fields(s),
        )
        ids.append(str(await add_store(conn, store)))
    return ids


async def decide(
    conn: asyncpg.Connection,
    principal: Principal,
    application_id: UUID,
    decision: DecisionIn,
    if_match: int | None,
) -> dict[str, Any]:
    require_decider(principal, if_match)
    app = await _application(conn, principal, application_id)
    await require_panel_member(conn, principal, app["round_code"], application_id)
    stores: list[str] = []
    async with conn.transaction():
        # Locked before the joint rules count the reviews, so a conflict declared meanwhile
        # (which takes the same lock) cannot slip between the count and the decision.
        await application_store.lock_application(conn, application_id)
        await require_joint(conn, app, decision.decision)  # no-op for rounds without rules
        version = await applications.transition(
            conn,
            application_id,
            decision.decision,
            principal.name,
            decision.reason,
            expected_version=if_match,
        )
        await outbox.record(
            conn,
            application_id,
            "decision",
            {"status": decision.decision, "decision": decision.decision, "reason": decision.reason},
        )
        if decision.decision == "approved" and app["kind"] == "merchant":
            stores = await enter_registry(conn, app)
    return {
        "id": str(application_id),
        "status": decision.decision,
        "version": version,
        "registry_stores": stores,
    }


async def reviews_of(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    rows = await repo.reviews_of(conn, application_id)
    return [msgspec.to_builtins(dict(r)) for r in rows]


async def conflicts_of(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    rows = await repo.conflicts_of(conn, application_id)
    return [msgspec.to_builtins(dict(r)) for r in rows]

