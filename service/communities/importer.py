"""Importing community boundaries: validate every feature, then upsert all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
import shapely
from shapely.geometry.base import BaseGeometry

from geo import CRS, polygon_from_geojson
from service.communities.repository import upsert_community
from service.communities.schemas import (
    MAX_AREA_M2,
    MAX_TOTAL_VERTICES,
    MAX_VERTICES_PER_FEATURE,
    MIN_AREA_M2,
    CommunityProps,
    FeatureCollectionIn,
    ImportNote,
    ImportResult,
)
from service.problems import FieldError, invalid
from service.validation import collect


@dataclass(frozen=True, slots=True)
class _Checked:
    props: dict[str, Any]
    geom: BaseGeometry
    is_pilot: bool


def _props(raw: dict[str, Any] | None, base: str,
           errors: list[FieldError]) -> tuple[CommunityProps, dict[str, Any]] | None:
    if raw is None:
        errors.append(FieldError(base, "required", "Properties are required.", "缺少属性。"))
        return None
    value, problems = collect(CommunityProps, raw)
    errors.extend(FieldError(base + e.pointer.rstrip("/"), e.code, e.detail_en, e.detail_zh)
                  for e in problems)
    if value is None:
        return None
    known = {f.name for f in msgspec.structs.fields(CommunityProps)}
    extra = {k: v for k, v in raw.items() if k not in known}
    return value, extra


def _geometry(raw: dict[str, Any] | None, crs: CRS, base: str, errors: list[FieldError],
              notes: list[ImportNote]) -> BaseGeometry | None:
    if raw is None:
        errors.append(FieldError(base, "required", "A boundary is required.", "缺少边界。"))
        return None
    result = polygon_from_geojson(raw, crs, max_vertices=MAX_VERTICES_PER_FEATURE,
                                  min_area_m2=MIN_AREA_M2, max_area_m2=MAX_AREA_M2, repair=True)
    errors.extend(FieldError(base + p.pointer_suffix, p.code, p.detail_en, p.detail_zh)
                  for p in result.problems)
    notes.extend(ImportNote(base + n.pointer_suffix, n.code, n.detail_en, n.detail_zh)
                 for n in result.notes)
    return result.geometry if result.ok else None


def check(collection: FeatureCollectionIn, crs: CRS) -> tuple[list[_Checked], list[ImportNote]]:
    """Every feature checked; a 422 naming each bad one (e.g. /features/3/geometry/...)."""
    errors: list[FieldError] = []
    notes: list[ImportNote] = []
    checked: list[_Checked] = []
    seen: dict[str, int] = {}
    vertices = 0
    for i, feature in enumerate(collection.features):
        base = f"/features/{i}"
        props = _props(feature.properties, f"{base}/properties", errors)
        geom = _geometry(feature.geometry, crs, f"{base}/geometry", errors, notes)
        if props is not None:
            code = props[0].code
            if code in seen:
                errors.append(FieldError(
                    f"{base}/properties/code", "duplicate_code",
                    f"Code {code} already appears in feature {seen[code]}.",
                    f"编码 {code} 与第 {seen[code]} 个要素重复。"))
            seen.setdefault(code, i)
        if geom is not None:
            vertices += shapely.get_num_coordinates(geom)
        if props is not None and geom is not None:
            value, extra = props
            known = msgspec.to_builtins(value)
            is_pilot = known.pop("is_pilot")
            checked.append(_Checked({**extra, **known}, geom, is_pilot))
    if vertices > MAX_TOTAL_VERTICES:
        errors.append(FieldError(
            "/features", "too_many_vertices",
            f"The import has {vertices} positions; at most {MAX_TOTAL_VERTICES} per request.",
            f"本次导入共有 {vertices} 个坐标点，每次最多 {MAX_TOTAL_VERTICES} 个，请分批导入。"))
    if errors:
        raise invalid(errors[:100])
    return checked, notes


async def import_communities(conn: asyncpg.Connection, collection: FeatureCollectionIn,
                             crs: CRS) -> ImportResult:
    checked, notes = check(collection, crs)
    inserted = 0
    async with conn.transaction():
        for c in checked:
            inserted += bool(await upsert_community(conn, c.props, c.geom, is_pilot=c.is_pilot))
    return ImportResult(
        imported=len(checked), inserted=inserted, updated=len(checked) - inserted,
        codes=[c.props["code"] for c in checked], notes=notes,
    )
