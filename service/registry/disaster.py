"""Disaster areas: what one would take out of the network (a what-if, not stored), declaring
one (its stores marked affected), listing the declared ones, and lifting one."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from geo import polygon_from_geojson
from service.applications.limits import limits
from service.problems import Conflict, FieldError, NotFound, invalid
from service.registry import repository as repo
from service.registry.places import geometry_out, lonlat_out
from service.registry.schemas import (
    AffectedStore,
    CommunityRef,
    CoverageLoss,
    CrsName,
    DisasterAreaIn,
    DisasterAreaList,
    DisasterAreaOut,
    DisasterAreaSummary,
    LiftedStore,
    LiftIn,
    LiftOut,
)
from service.registry.views import reservation_out, store_summary


def parse_area(data: DisasterAreaIn):  # type: ignore[no-untyped-def]
    limit = limits()  # the configured ones (Settings: max_disaster_area_*)
    result = polygon_from_geojson(
        data.area, data.crs, max_vertices=limit.max_disaster_area_vertices,
        min_area_m2=limit.min_disaster_area_m2, max_area_m2=limit.max_disaster_area_m2,
        repair=True,  # drawn in a hurry: repaired, the note says so
    )
    if not result.ok:
        raise invalid([
            FieldError("/area" + p.pointer_suffix, p.code, p.detail_en, p.detail_zh)
            for p in result.problems
        ])
    return result


def _loss(row: asyncpg.Record) -> CoverageLoss:
    return CoverageLoss(
        code=row["code"], name=row["name"], stores_before=row["before"],
        stores_after=row["after"], households=row["households"], elderly=row["elderly"],
        elderly_alone=row["elderly_alone"], disabled=row["disabled"],
        mothers_infants=row["mothers_infants"], children=row["children"],
    )


async def declare(conn: asyncpg.Connection, data: DisasterAreaIn, by: str, crs: CrsName,
                  day: date) -> DisasterAreaOut:
    """A what-if (`mark_affected` false) only reads: nothing is stored, the answer has no id."""
    parsed = parse_area(data)
    area = parsed.geometry
    created = None
    async with conn.transaction():
        hit = await repo.stores_in_area(conn, area)
        hit_ids = [r["id"] for r in hit]
        # Before any status changes: coverage is compared with and without these stores.
        losses = await repo.coverage_loss(conn, hit_ids, data.walk_m) if hit_ids else []
        if data.mark_affected:
            created = await repo.insert_disaster_area(conn, data.name, area, True, by)
            if hit_ids:
                await repo.mark_affected(
                    conn, hit_ids, f"disaster area: {data.name}", by, created["id"]
                )
            await repo.registry_audit(
                conn, created["id"], "declared", by, data.name,
                {"stores_marked_affected": [str(i) for i in hit_ids]},
            )
        delivering = await repo.delivering_into(conn, area, day)
        communities = await repo.communities_in(conn, area)
        rebook = await repo.open_reservations_at(conn, hit_ids, day) if hit_ids else []
    return DisasterAreaOut(
        id=created["id"] if created else None, name=data.name,
        created_at=created["created_at"] if created else None,
        marked_affected=data.mark_affected, crs=crs,
        stores_in_area=[
            AffectedStore(r["id"], r["name"], r["merchant_name"], *lonlat_out(r["geom"], crs))
            for r in hit
        ],
        communities_in_area=[CommunityRef(r["code"], r["name"]) for r in communities],
        communities_losing_coverage=[_loss(r) for r in losses if r["after"] == 0],
        communities_with_reduced_coverage=[
            _loss(r) for r in losses if 0 < r["after"] < r["before"]
        ],
        stores_delivering_into_area=[store_summary(r, crs) for r in delivering],
        notes=[
            {"code": n.code, "detail_en": n.detail_en, "detail_zh": n.detail_zh}
            for n in parsed.notes
        ],
        reservations_to_reroute=[reservation_out(r, crs) for r in rebook],
    )


async def listing(conn: asyncpg.Connection, crs: CrsName, include_lifted: bool
                  ) -> DisasterAreaList:
    rows = await repo.declared_areas(conn, include_lifted)
    return DisasterAreaList(crs=crs, areas=[
        DisasterAreaSummary(
            id=r["id"], name=r["name"], created_by=r["created_by"], created_at=r["created_at"],
            lifted_at=r["lifted_at"], lifted_by=r["lifted_by"], lift_reason=r["lift_reason"],
            stores_held=r["stores_held"], area=geometry_out(r["geom"], crs),
        )
        for r in rows
    ])


def _outcome(row: asyncpg.Record, area_name: str) -> tuple[str, str, str, str]:
    """(outcome, status after, zh, en) for one store the lifted area had marked affected."""
    if not row["held"]:
        return ("changed_since", row["status"],
                "灾区标记后门店状态已被另行修改，保持不变。",
                "Its status was changed after the area was declared; left as it is.")
    if row["other_area_id"] is not None:
        other = row["other_area_name"]
        return ("still_affected", "affected", f"仍位于灾区“{other}”内，保持受灾。",
                f"Still inside the declared area {other!r}; stays affected.")
    before = row["previous_status"] or "active"
    return ("restored", before, f"灾区“{area_name}”解除，恢复为标记前的状态。",
            f"Area {area_name!r} lifted: back to its status before the area.")


async def lift(conn: asyncpg.Connection, area_id: UUID, data: LiftIn, by: str) -> LiftOut:
    """Lift a declared area: each store it still holds affected goes back to the status it had
    before (a store closed meanwhile stays closed; one inside another declared area stays
    affected, now held by that area), each change in the status history, the lift audited."""
    async with conn.transaction():
        area = await repo.lock_disaster_area(conn, area_id)
        if area is None or not area["marked_affected"]:
            raise NotFound(f"No declared disaster area {area_id}.", f"灾区 {area_id} 不存在。")
        if area["lifted_at"] is not None:
            raise Conflict(f"Disaster area {area_id} was already lifted.",
                           f"灾区“{area['name']}”已解除。", lifted_at=area["lifted_at"].isoformat())
        rows = await repo.stores_marked_by_area(conn, area_id)
        lifted_at = await repo.lift_disaster_area(conn, area_id, by, data.reason)
        stores: list[LiftedStore] = []
        reason = f"disaster area lifted: {area['name']}"
        for row in rows:
            outcome, status, zh, en = _outcome(row, area["name"])
            if outcome == "restored":
                await repo.update_store_status(conn, row["id"], status, reason, by)
                await repo.insert_status_history(conn, row["id"], "affected", status,
                                                 reason, by, area_id)
            elif outcome == "still_affected":
                # The other area now holds it: lifting that one restores the same status.
                await repo.insert_status_history(
                    conn, row["id"], "affected", "affected",
                    f"{reason}; still inside {row['other_area_name']}", by, row["other_area_id"])
            stores.append(LiftedStore(row["id"], row["name"], row["merchant_name"], status,
                                      outcome, zh, en))  # type: ignore[arg-type]
        await repo.registry_audit(conn, area_id, "lifted", by, data.reason, {
            "stores": {str(s.id): s.outcome for s in stores},
        })
    return LiftOut(id=area_id, name=area["name"], lifted_at=lifted_at, lifted_by=by,
                   stores=stores)
