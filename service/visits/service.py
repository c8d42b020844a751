"""Rules of site visits and training sessions, and the evidence they add to a scorecard."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.applications.repository import audit
from service.auth.principal import Principal
from service.documents.content import Checked
from service.problems import (
    Conflict,
    FieldError,
    NotFound,
    UnsupportedMediaType,
    invalid,
)
from service.visits import repository as repo
from service.visits.schemas import SiteVisitIn, TrainingIn


async def _application(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record:
    row = await repo.application_kind_status(conn, application_id)
    if row is None:
        raise NotFound("No such application.", "申请不存在。")
    return row


async def record_visit(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, visit: SiteVisitIn
) -> dict[str, Any]:
    app = await _application(conn, application_id)
    if app["kind"] != "merchant":
        raise Conflict("Only a merchant's stores are visited.", "只有商家的门店需要实地核查。")
    errors: list[FieldError] = []
    if visit.store_id is not None and not await repo.store_of_application(
        conn, application_id, visit.store_id
    ):
        errors.append(FieldError("/store_id", "unknown_store", "Not a store of this application",
                                 "不是该申请的门店"))
    photos = list(dict.fromkeys(visit.photo_ids))
    found = await repo.image_documents(conn, application_id, photos)
    errors.extend(
        FieldError(f"/photo_ids/{i}", "unknown_photo",
                   "Not a photo uploaded to this application's documents",
                   "不是该申请材料中已上传的照片")
        for i, p in enumerate(visit.photo_ids) if p not in found
    )
    if errors:
        raise invalid(errors)
    async with conn.transaction():
        row = await repo.insert_site_visit(
            conn, application_id, visit.store_id, visit.visited_on,
            principal.user_id, visit.essentials_stocked, visit.till_ready,
            visit.delivery_means, visit.trained_staff, visit.notes, photos,
        )
        await audit(conn, application_id, "site_visit", principal.name, None, None,
                    details={"visit_id": str(row["id"]), "visited_on": str(visit.visited_on)})
    return {"id": str(row["id"]), "application_id": str(application_id),
            **msgspec.to_builtins(visit), "photo_ids": [str(p) for p in photos],
            "visitor": principal.name, "recorded_at": row["recorded_at"].isoformat()}


MAX_SITE_PHOTOS = 30


async def store_photo(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, checked: Checked,
    data: bytes,
) -> dict[str, Any]:
    """A photo of a site visit, stored as a document of the application (kind
    `site_visit_photo`), to be named in a visit's `photo_ids`. Images only."""
    if not checked.media_type.startswith("image/"):
        raise UnsupportedMediaType("A site-visit photo is a JPEG or PNG image.",
                                   "实地核查照片须为 JPG 或 PNG 图片。")
    async with conn.transaction():
        await _application(conn, application_id)
        if await repo.count_site_photos(conn, application_id) >= MAX_SITE_PHOTOS:
            raise Conflict(f"At most {MAX_SITE_PHOTOS} site-visit photos per application.",
                           f"每份申请最多 {MAX_SITE_PHOTOS} 张实地核查照片。")
        row = await repo.insert_site_photo(
            conn, application_id, checked.filename, checked.media_type,
            checked.size, checked.sha256, data, principal.name,
        )
        await audit(conn, application_id, "document_uploaded", principal.name, None, None,
                    details={"document_id": str(row["id"]), "kind": "site_visit_photo",
                             "sha256": checked.sha256.hex(), "size_bytes": checked.size})
    return {"id": str(row["id"]), "kind": "site_visit_photo", "filename": checked.filename,
            "media_type": checked.media_type, "size_bytes": checked.size,
            "download_url": f"/api/v1/applications/{application_id}/documents/{row['id']}"}


async def record_training(
    conn: asyncpg.Connection, principal: Principal, application_id: UUID, session: TrainingIn
) -> dict[str, Any]:
    app = await _application(conn, application_id)
    if app["kind"] != "merchant" or app["status"] != "approved":
        raise Conflict("Training is recorded for approved merchants' staff.",
                       "只能为已批准商家的员工登记培训。")
    attendees = list(dict.fromkeys(a.strip() for a in session.attendees if a.strip()))
    if not attendees:
        raise invalid([FieldError("/attendees", "empty", "Name at least one attendee",
                                  "请至少填写一名参训人员")])
    async with conn.transaction():
        row = await repo.insert_training(conn, application_id, session.held_on,
                                         session.trainer, attendees, principal.name)
        await audit(conn, application_id, "training", principal.name, None, None,
                    details={"training_id": str(row["id"]), "attendees": len(attendees)})
    return {"id": str(row["id"]), "held_on": str(session.held_on), "trainer": session.trainer,
            "attendees": attendees, "recorded_at": row["recorded_at"].isoformat()}


async def visits_of(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(dict(r)) for r in await repo.site_visits_of(conn, application_id)]


async def trainings_of(conn: asyncpg.Connection, application_id: UUID) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(dict(r)) for r in await repo.trainings_of(conn, application_id)]


async def visit_count(conn: asyncpg.Connection, application_id: UUID) -> int:
    return await repo.site_visit_count(conn, application_id)


async def evidence(conn: asyncpg.Connection, application_id: UUID) -> dict[str, Any]:
    """What the field saw, next to what the applicant declared: site visits, and whether
    the declared "trained staff" is borne out by the training sessions' attendees."""
    app = await _application(conn, application_id)
    visits = await visits_of(conn, application_id)
    sessions = await trainings_of(conn, application_id)
    attended = len({a for s in sessions for a in s["attendees"]})
    declared = int((app["payload"] or {}).get("trained_staff") or 0)
    return {
        "site_visits": visits,
        "trained_staff": {
            "declared": declared,
            "attended_training": attended,
            "sessions": len(sessions),
            "seen_on_last_visit": visits[-1]["trained_staff"] if visits else None,
            "confirmed": attended >= declared if sessions else None,
        },
    }
