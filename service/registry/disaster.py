"""Declaring a disaster area: which stores it takes out, who loses coverage, who can still
deliver into it."""

from __future__ import annotations

from datetime import date

import asyncpg

from geo import polygon_from_geojson
from service.http.problems import FieldError, invalid
from service.registry import repository as repo
from service.registry.places import lonlat_out
from service.registry.schemas import (
    AffectedStore,
    CommunityRef,
    CoverageLoss,
    CrsName,
    DisasterAreaIn,
    DisasterAreaOut,
)
from service.registry.views import store_summary

# A disaster area may be a whole county; it is still drawn by hand or simplified.
MAX_AREA_VERTICES = 10_000
MAX_AREA_M2 = 50_000 * 1e6
MIN_AREA_M2 = 100.0


def parse_area(data: DisasterAreaIn):  # type: ignore[no-untyped-def]
    result = polygon_from_geojson(
        data.area, data.crs, max_vertices=MAX_AREA_VERTICES, min_area_m2=MIN_AREA_M2,
        max_area_m2=MAX_AREA_M2, repair=True,  # drawn in a hurry: repaired, the note says so
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
    parsed = parse_area(data)
    area = parsed.geometry
    async with conn.transaction():
        created = await repo.insert_disaster_area(conn, data.name, area, data.mark_affected, by)
        hit = await repo.stores_in_area(conn, area)
        hit_ids = [r["id"] for r in hit]
        # Before any status changes: coverage is compared with and without these stores.
        losses = await repo.coverage_loss(conn, hit_ids, data.walk_m) if hit_ids else []
        if data.mark_affected and hit_ids:
            await repo.mark_affected(
                conn, hit_ids, f"disaster area: {data.name}", by, created["id"]
            )
        delivering = await repo.delivering_into(conn, area, day)
        communities = await repo.communities_in(conn, area)
    return DisasterAreaOut(
        id=created["id"], name=data.name, created_at=created["created_at"],
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
    )
