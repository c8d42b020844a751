"""Intake: submit, read, amend, withdraw and list applications."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service import events
from service.applications import lifecycle
from service.applications import repository as repo
from service.applications.repository import audit, info_requests, insert_stores
from service.applications.requirements import nothing_due, requirements
from service.applications.schemas import Application, MerchantApplication, NgoApplication
from service.applications.stores import prepare
from service.auth.principal import Principal
from service.auth.tokens import APPLICANT_PREFIX, hash_token, new_token
from service.notify import outbox
from service.organisations.service import area_of, require_in_area
from service.problems import Conflict, FieldError, NotFound, PreconditionFailed, invalid
from service.validation import collect

APPLICANT_ACTOR = "applicant"
# The partial unique index: one open application per credit code and round.
OPEN_CREDIT_CODE = "applications_open_credit_code"


async def check_references(conn: asyncpg.Connection, app: Application) -> None:
    """Rules that need the database: an open round, known communities."""
    errors: list[FieldError] = []
    round_status = await repo.round_status(conn, app.round)
    if round_status is None:
        errors.append(
            FieldError("/round", "unknown_round", "No such recruitment round", "招募批次不存在")
        )
    elif round_status != "open":
        errors.append(
            FieldError(
                "/round", "round_closed", "This recruitment round is closed", "该招募批次已结束"
            )
        )
    if isinstance(app, NgoApplication) and app.communities_served:
        known = await repo.existing_communities(conn, app.communities_served)
        errors.extend(
            FieldError(
                f"/communities_served/{i}",
                "unknown_community",
                "Not a pilot community code",
                "不是试点社区的编码",
            )
            for i, code in enumerate(app.communities_served)
            if code not in known
        )
    if errors:
        raise invalid(errors)


def _duplicate(existing: UUID | None, reveal: bool) -> Conflict:
    # Only staff learn which application holds the code: to anyone else (an anonymous
    # caller who knows a credit code, another applicant) the id would name a stranger's file.
    extra = {"existing_application_id": str(existing)} if reveal and existing else {}
    return Conflict(
        "An open application for this credit code already exists in this round.",
        "该统一社会信用代码在本批次已有一份进行中的申请。",
        **extra,
    )


async def create(
    conn: asyncpg.Connection, app: Application, *, reveal_existing: bool = False
) -> dict[str, Any]:
    """Store a new application with its stores, token and audit rows, in one transaction.

    `reveal_existing`: a duplicate's 409 names the open application (staff callers only)."""
    await check_references(conn, app)
    prepared = [prepare(s) for s in app.stores] if isinstance(app, MerchantApplication) else []
    reqs = requirements(app)
    status = "under_review" if nothing_due(reqs) else "submitted"
    application_id = uuid.uuid4()
    token = new_token(APPLICANT_PREFIX)
    kind = "merchant" if isinstance(app, MerchantApplication) else "ngo"
    try:
        async with conn.transaction():
            # with its token and its audit rows (`submitted`; under review: the transition)
            await repo.insert_submission(
                conn, application_id, kind, app.round, app.credit_code, app.legal_name, status,
                msgspec.to_builtins(app), reqs, hash_token(token), APPLICANT_ACTOR,
            )
            await insert_stores(conn, application_id, prepared)
            await events.publish(conn, events.ApplicationChanged(application_id))
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name != OPEN_CREDIT_CODE:
            raise
        existing = await repo.open_application_for_credit_code(
            conn, app.round, app.credit_code
        )
        raise _duplicate(existing, reveal_existing) from None
    return {
        "id": str(application_id),
        "kind": kind,
        "round": app.round,
        "status": status,
        "applicant_token": token,
        "requirements": reqs,
        "status_url": f"/api/v1/applications/{application_id}",
    }


async def reissue_applicant_token(conn: asyncpg.Connection, application_id: UUID) -> str:
    """A fresh applicant token for a replayed submission; earlier ones stop working.

    The stored answer of an idempotent submission holds no token (nothing usable is kept
    in plain text), so a replay cannot repeat it: the replaying caller gets a new one and
    whoever held the old one loses it, visibly. See README, "Reliability and security"."""
    token = new_token(APPLICANT_PREFIX)
    async with conn.transaction():
        # Serialises concurrent replays, so exactly one token stays valid.
        if await repo.lock_application(conn, application_id) is None:
            raise NotFound("No such application.", "申请不存在。")
        await repo.revoke_applicant_tokens(conn, application_id)
        await repo.insert_applicant_token(conn, hash_token(token), application_id)
        await audit(conn, application_id, "applicant_token_reissued", APPLICANT_ACTOR, None, None,
                    "idempotent replay of the submission")
    return token


async def fetch(
    conn: asyncpg.Connection, application_id: UUID, principal: Principal | None
) -> asyncpg.Record:
    row = await repo.get_application(conn, application_id)
    # Another applicant's application answers 404, as if it did not exist.
    if row is None or principal is None or not principal.may_see_application(application_id):
        raise NotFound("No such application.", "申请不存在。")
    await require_in_area(conn, principal, application_id)
    return row


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


async def amend(
    conn: asyncpg.Connection,
    application_id: UUID,
    patch: dict[str, Any],
    principal: Principal,
    if_match: int | None,
) -> dict[str, Any]:
    await fetch(conn, application_id, principal)
    async with conn.transaction():
        row = await repo.lock_application(conn, application_id)
        if if_match is not None and row["version"] != if_match:
            raise PreconditionFailed(
                f"The application is at version {row['version']}, not {if_match}.",
                "申请已被修改，请刷新后重试。",
                current_version=row["version"],
            )
        if row["status"] not in lifecycle.AMENDABLE:
            raise Conflict(
                f"An application in state {row['status']!r} cannot be amended.",
                f"当前状态（{lifecycle.STATUS_ZH[row['status']]}）下不能修改申请。",
            )
        errors = [
            FieldError(f"/{key}", "immutable", "This field cannot be changed", "此字段不可修改")
            for key in ("kind", "round")
            if key in patch and patch[key] != row["payload"].get(key)
        ]
        answer = patch.pop("answer", None)
        if answer is not None and not isinstance(answer, str):
            errors.append(FieldError("/answer", "type", "Expected `str`", "类型错误：应为字符串"))
        merged = merge_patch(row["payload"], patch)
        merged["kind"] = row["kind"]
        app, more = collect(Application, merged)
        if errors or more or app is None:
            raise invalid(errors + more)
        await check_references(conn, app)
        open_requests = await info_requests(conn, application_id)
        if row["status"] == "info_requested":
            await repo.answer_open_info_requests(
                conn, application_id, (answer or "amended")[:4000]
            )
            open_requests = await info_requests(conn, application_id)
        reqs = requirements(app, open_requests)
        status = lifecycle.after_amendment(row["status"], nothing_due(reqs))
        try:
            # A savepoint: after a unique violation the transaction is still usable to
            # look up the application that holds the credit code.
            async with conn.transaction():
                version = await repo.update_application(
                    conn,
                    application_id,
                    app.legal_name,
                    app.credit_code,
                    status,
                    msgspec.to_builtins(app),
                    reqs,
                )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != OPEN_CREDIT_CODE:
                raise
            existing = await repo.open_application_for_credit_code(
                conn, app.round, app.credit_code
            )
            raise _duplicate(existing, principal.is_staff) from None
        await repo.delete_stores(conn, application_id)
        if isinstance(app, MerchantApplication):
            await insert_stores(conn, application_id, [prepare(s) for s in app.stores])
        actor = principal.name if principal.is_staff else APPLICANT_ACTOR
        await audit(
            conn,
            application_id,
            "amended",
            actor,
            row["status"],
            status,
            details={"fields": sorted(patch)},
        )
        if row["status"] == "info_requested":
            # The open requests were answered with this amendment: tell the applicant
            # where it stands now (the answer itself stays out of the payload).
            await outbox.record(conn, application_id, "info_answered", {"status": status})
        await events.publish(conn, events.ApplicationChanged(application_id))
    return {"status": status, "version": version, "requirements": reqs}


async def transition(
    conn: asyncpg.Connection,
    application_id: UUID,
    target: str,
    actor: str,
    reason: str,
    *,
    expected_version: int | None = None,
) -> int:
    """Move an application to `target` (409 when illegal, 412 on a stale version)."""
    async with conn.transaction():
        row = await repo.lock_application(conn, application_id)
        if row is None:
            raise NotFound("No such application.", "申请不存在。")
        if expected_version is not None and row["version"] != expected_version:
            raise PreconditionFailed(
                f"The application is at version {row['version']}, not {expected_version}.",
                "申请已被他人修改，请刷新后重试。",
                current_version=row["version"],
            )
        lifecycle.check_transition(row["status"], target)
        version = await repo.set_status(conn, application_id, target, row["requirements"])
        await audit(conn, application_id, "transition", actor, row["status"], target, reason)
    return version


async def listing(
    conn: asyncpg.Connection,
    round_code: str | None,
    status: str | None,
    kind: str | None,
    page: int,
    per_page: int,
    principal: Principal | None = None,
) -> list[asyncpg.Record]:
    # Street and community reviewers list only their area's candidates (as fetch answers 404).
    area = await area_of(conn, principal)
    return await repo.list_applications(
        conn, round_code, status, kind, per_page, (page - 1) * per_page,
        area=None if area is None else (sorted(area.communities), sorted(area.streets)),
    )


async def stores_of(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await repo.get_stores(conn, application_id)


async def audit_trail(
    conn: asyncpg.Connection, application_id: UUID, principal: Principal | None
) -> list[dict[str, Any]]:
    await fetch(conn, application_id, principal)
    rows = await repo.audit_trail(conn, application_id)
    return [{**dict(r), "at": r["at"].isoformat()} for r in rows]
