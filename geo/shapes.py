"""GeoJSON (RFC 7946) polygon input: parse, check, convert to WGS-84; refuse or repair.

User errors never raise: `polygon_from_geojson` returns a `ShapeResult` holding either the
geometry plus notes, or a list of `ShapeProblem`s whose `pointer_suffix` is a JSON pointer
relative to the geometry object, for the HTTP layer to turn into RFC 9457 problem details.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
import shapely
import shapely.ops
from shapely.geometry import MultiPolygon as ShapelyMultiPolygon
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.china import geometry_in_china
from geo.crs import CRS, to_wgs84_array
from geo.distance import GEOD, geodesic_area_m2, geodesic_m_array

# RFC 7946 positions may carry a third (altitude) value; we ignore it.
Position = tuple[float, ...]


class Point(msgspec.Struct, tag=True, frozen=True):
    coordinates: Position


class Polygon(msgspec.Struct, tag=True, frozen=True):
    coordinates: list[list[Position]]


class MultiPolygon(msgspec.Struct, tag=True, frozen=True):
    coordinates: list[list[list[Position]]]


Geometry = Point | Polygon | MultiPolygon
Polygonal = Polygon | MultiPolygon

# Problems beyond this many are summarised: one bad import must not produce a 1 MB error body.
_MAX_PROBLEMS = 20


class ShapeProblem(msgspec.Struct, frozen=True):
    """One finding about a submitted shape; also used for non-fatal notes."""

    code: str
    detail_en: str
    detail_zh: str
    pointer_suffix: str = ""


@dataclass(frozen=True, slots=True)
class ShapeResult:
    """Either `geometry` (WGS-84, valid) with `notes`, or `problems` and no geometry."""

    geometry: ShapelyPolygon | ShapelyMultiPolygon | None = None
    notes: list[ShapeProblem] = field(default_factory=list)
    problems: list[ShapeProblem] = field(default_factory=list)
    area_m2: float | None = None

    @property
    def ok(self) -> bool:
        return self.geometry is not None and not self.problems


def _fail(*problems: ShapeProblem) -> ShapeResult:
    return ShapeResult(problems=list(problems))


def _count_positions(coords: Any, depth: int) -> int | None:
    """Count positions in nested rings without touching them; None if not nested lists."""
    if not isinstance(coords, Sequence) or isinstance(coords, str):
        return None
    if depth == 1:
        return len(coords)
    total = 0
    for item in coords:
        n = _count_positions(item, depth - 1)
        if n is None:
            return None
        total += n
    return total


def _pointer_from_msgspec(message: str) -> str:
    """'... - at `$.coordinates[0][2]`' -> '/coordinates/0/2' (empty if no path given)."""
    match = re.search(r"at `\$([^`]*)`", message)
    if not match:
        return ""
    return re.sub(r"\.([^.\[]+)|\[(\d+)\]", lambda m: "/" + (m.group(1) or m.group(2)),
                  match.group(1))


def _parse(obj: Any) -> tuple[Polygonal | None, ShapeProblem | None]:
    if isinstance(obj, Polygon | MultiPolygon):
        return obj, None
    try:
        geom = msgspec.convert(obj, Geometry)
    except msgspec.ValidationError as exc:
        return None, ShapeProblem(
            "invalid_geojson",
            f"Not a GeoJSON Polygon or MultiPolygon: {exc}",
            f"不是有效的 GeoJSON 面（Polygon/MultiPolygon）：{exc}",
            _pointer_from_msgspec(str(exc)),
        )
    if isinstance(geom, Point):
        return None, ShapeProblem(
            "unsupported_geometry_type",
            "A Point was given where an area (Polygon or MultiPolygon) is required.",
            "此处需要一个面（Polygon 或 MultiPolygon），收到的是点（Point）。",
            "/type",
        )
    return geom, None


def _check_rings(polys: list[list[list[Position]]], multi: bool) -> list[ShapeProblem]:
    problems: list[ShapeProblem] = []
    for pi, rings in enumerate(polys):
        base = f"/coordinates/{pi}" if multi else "/coordinates"
        if not rings:
            problems.append(ShapeProblem(
                "empty_polygon", "Polygon has no rings.", "面没有任何环。", base
            ))
        for ri, ring in enumerate(rings):
            ptr = f"{base}/{ri}"
            if len(ring) < 4:
                problems.append(ShapeProblem(
                    "ring_too_short",
                    f"A ring needs at least 4 positions (first = last); this one has {len(ring)}.",
                    f"每个环至少需要 4 个坐标点（首尾相同），此环只有 {len(ring)} 个。",
                    ptr,
                ))
                continue
            bad = False
            for vi, pos in enumerate(ring):
                if len(pos) < 2:
                    problems.append(ShapeProblem(
                        "invalid_position", "A position needs longitude and latitude.",
                        "坐标点需要经度和纬度。", f"{ptr}/{vi}",
                    ))
                    bad = True
                elif not (math.isfinite(pos[0]) and math.isfinite(pos[1])):
                    problems.append(ShapeProblem(
                        "non_finite_coordinate", "Coordinates must be finite numbers.",
                        "坐标必须是有限数值（不能为 NaN 或无穷大）。", f"{ptr}/{vi}",
                    ))
                    bad = True
                elif not (-180.0 <= pos[0] <= 180.0 and -90.0 <= pos[1] <= 90.0):
                    problems.append(ShapeProblem(
                        "coordinate_out_of_range",
                        "Longitude must be within [-180, 180] and latitude within [-90, 90] "
                        "(and in that order).",
                        "经度须在 [-180, 180]、纬度须在 [-90, 90] 范围内（顺序为先经度后纬度）。",
                        f"{ptr}/{vi}",
                    ))
                    bad = True
                if len(problems) >= _MAX_PROBLEMS:
                    return problems
            if not bad and tuple(ring[0][:2]) != tuple(ring[-1][:2]):
                problems.append(ShapeProblem(
                    "ring_not_closed",
                    "A ring's last position must repeat its first.",
                    "环的最后一个坐标点必须与第一个相同（闭合）。",
                    f"{ptr}/{len(ring) - 1}",
                ))
    return problems


def _ring_xy(ring: list[Position]) -> np.ndarray:
    return np.array([p[:2] for p in ring], dtype=np.float64)


_AT = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


def _crossing(reason: str, polys: list[list[list[Position]]], multi: bool) -> ShapeProblem:
    """A refusal naming where the outline crosses itself: the ring, the edge nearest the
    crossing (pointer to its first position) and the crossing point as given."""
    match = _AT.search(reason)
    kind = reason.split("[", 1)[0].strip()
    if match is None:
        return ShapeProblem(
            "invalid_geometry", f"The shape is invalid ({kind}); draw it again.",
            f"图形无效（{kind}），请重新绘制。", "/coordinates",
        )
    x, y = float(match.group(1)), float(match.group(2))
    best: tuple[float, str, int] = (math.inf, "/coordinates", 0)
    for pi, rings in enumerate(polys):
        for ri, ring in enumerate(rings):
            xy = _ring_xy(ring)
            a, b = xy[:-1], xy[1:]
            ab = b - a
            length2 = np.maximum((ab ** 2).sum(axis=1), 1e-30)
            t = np.clip(((np.array([x, y]) - a) * ab).sum(axis=1) / length2, 0.0, 1.0)
            d = np.hypot(*(a + ab * t[:, None] - np.array([x, y])).T)
            i = int(np.argmin(d))
            if d[i] < best[0]:
                base = f"/coordinates/{pi}/{ri}" if multi else f"/coordinates/{ri}"
                best = (float(d[i]), base, i)
    _, ring_ptr, edge = best
    self_x = "self-intersection" in kind.lower()
    if self_x:
        where_en = (f"The outline crosses itself near ({x:.6f}, {y:.6f}), on the edge from "
                    f"position {edge} to {edge + 1} of this ring. Draw it without crossings.")
        where_zh = (f"边界在 ({x:.6f}, {y:.6f}) 附近自相交（本环第 {edge} 至第 {edge + 1} 个坐标点"
                    "之间的边）。请重新绘制，边界不能交叉。")
    else:
        where_en = (f"The shape is invalid ({kind}) near ({x:.6f}, {y:.6f}), at position "
                    f"{edge} of this ring.")
        where_zh = f"图形无效（{kind}），位置在 ({x:.6f}, {y:.6f}) 附近（本环第 {edge} 个坐标点）。"
    return ShapeProblem(
        "self_intersection" if self_x else "invalid_geometry", where_en, where_zh,
        f"{ring_ptr}/{edge}",
    )


def _polygonal_parts(geom: BaseGeometry) -> BaseGeometry | None:
    """Keep only the (multi)polygon parts of what make_valid returned."""
    parts = [
        g for g in shapely.get_parts(geom)
        if isinstance(g, ShapelyPolygon | ShapelyMultiPolygon) and not g.is_empty
    ]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, ShapelyPolygon | ShapelyMultiPolygon) else None


def polygon_from_geojson(
    obj: Mapping[str, Any] | Polygonal,
    crs: CRS = "wgs84",
    *,
    max_vertices: int,
    min_area_m2: float = 0.0,
    max_area_m2: float = math.inf,
    repair: bool = False,
) -> ShapeResult:
    """Parse a GeoJSON Polygon/MultiPolygon in `crs` into a valid WGS-84 shapely geometry.

    An invalid outline (a ring crossing itself, overlapping parts) is refused, naming
    where it crosses; with `repair=True` (imports of boundaries drawn elsewhere, disaster
    areas) it is repaired with `make_valid` and a note says so.
    """
    # Count before any conversion so a huge payload is rejected without building anything.
    if isinstance(obj, Polygon | MultiPolygon):
        kind, raw = type(obj).__name__, obj.coordinates
    elif isinstance(obj, Mapping):
        kind, raw = obj.get("type"), obj.get("coordinates")
    else:
        kind, raw = None, None
    depth = {"Polygon": 3, "MultiPolygon": 4}.get(kind) if isinstance(kind, str) else None
    if depth is not None:
        n = _count_positions(raw, depth - 1)
        if n is not None and n > max_vertices:
            return _fail(ShapeProblem(
                "too_many_vertices",
                f"The shape has {n} positions; at most {max_vertices} are allowed. "
                "Simplify it before uploading.",
                f"该图形有 {n} 个坐标点，最多允许 {max_vertices} 个，请简化后再上传。",
                "/coordinates",
            ))

    parsed, err = _parse(obj)
    if err is not None or parsed is None:
        return _fail(err) if err else _fail()

    multi = isinstance(parsed, MultiPolygon)
    polys = parsed.coordinates if multi else [parsed.coordinates]
    if not polys:
        return _fail(ShapeProblem(
            "empty_geometry", "The MultiPolygon has no polygons.", "多面（MultiPolygon）为空。",
            "/coordinates",
        ))
    problems = _check_rings(polys, multi)
    if problems:
        return _fail(*problems)

    # Built and checked in the coordinates as given, so a crossing is reported where the
    # applicant drew it; converted to WGS-84 afterwards (the conversion keeps topology).
    shells = [
        ShapelyPolygon(_ring_xy(rings[0]), [_ring_xy(r) for r in rings[1:]]) for rings in polys
    ]
    geom: BaseGeometry = shells[0] if len(shells) == 1 else ShapelyMultiPolygon(shells)

    notes: list[ShapeProblem] = []
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        repaired = _polygonal_parts(shapely.make_valid(geom))
        if repaired is None:
            return _fail(ShapeProblem(
                "invalid_geometry",
                f"The shape is invalid ({reason}) and has no area once repaired.",
                f"图形无效（{reason}），修复后没有面积。",
                "/coordinates",
            ))
        if not repair:
            return _fail(_crossing(reason, polys, multi))
        self_x = "self-intersection" in reason.lower()
        notes.append(ShapeProblem(
            "self_intersection_repaired" if self_x else "geometry_repaired",
            f"The shape was invalid ({reason}) and has been repaired; please check the result.",
            f"图形无效（{'自相交' if self_x else reason}），已自动修复，请核对结果。",
            "/coordinates",
        ))
        geom = repaired
    if crs != "wgs84":
        geom = shapely.transform(geom, lambda xy: np.column_stack(to_wgs84_array(
            xy[:, 0], xy[:, 1], crs)))

    if not geometry_in_china(geom):
        return _fail(ShapeProblem(
            "outside_china",
            "The shape must lie within China. Check the coordinate order (longitude first) "
            "and the coordinate system.",
            "图形必须位于中国境内。请检查坐标顺序（先经度后纬度）和坐标系。",
            "/coordinates",
        ))

    area = geodesic_area_m2(geom)
    if area < min_area_m2:
        return _fail(ShapeProblem(
            "area_too_small",
            f"The area is {area:,.0f} m²; at least {min_area_m2:,.0f} m² is required.",
            f"面积为 {area:,.0f} 平方米，至少需要 {min_area_m2:,.0f} 平方米。",
            "/coordinates",
        ))
    if area > max_area_m2:
        return _fail(ShapeProblem(
            "area_too_large",
            f"The area is {area:,.0f} m²; at most {max_area_m2:,.0f} m² is allowed.",
            f"面积为 {area:,.0f} 平方米，最多允许 {max_area_m2:,.0f} 平方米。",
            "/coordinates",
        ))
    assert isinstance(geom, ShapelyPolygon | ShapelyMultiPolygon)
    return ShapeResult(geometry=geom, notes=notes, area_m2=area)


def distance_to_m(lon: float, lat: float, geom: BaseGeometry) -> float:
    """Metres from a WGS-84 point to the nearest point of `geom` (0 inside it).

    The nearest point is found in a local equirectangular frame around the point (good to
    a fraction of a per cent over tens of kilometres), the distance then taken geodesically.
    """
    if geom.covers(shapely.Point(lon, lat)):
        return 0.0
    k = math.cos(math.radians(lat))
    local = shapely.transform(
        geom, lambda xy: np.column_stack([(xy[:, 0] - lon) * k, xy[:, 1] - lat])
    )
    near, _ = shapely.ops.nearest_points(local, shapely.Point(0.0, 0.0))
    _, _, dist = GEOD.inv(lon, lat, lon + near.x / k, lat + near.y)
    return float(dist)


def reach_problems(
    lon: float, lat: float, zone: BaseGeometry, *, max_gap_m: float, max_reach_m: float
) -> list[ShapeProblem]:
    """A delivery zone must belong to its store: the store lies inside it or within
    `max_gap_m` of it, and no part of it lies farther than `max_reach_m` from the store.
    Pointers are relative to the zone object (a far part names its farthest position)."""
    problems: list[ShapeProblem] = []
    gap = distance_to_m(lon, lat, zone)
    if gap > max_gap_m:
        problems.append(ShapeProblem(
            "zone_away_from_store",
            f"The delivery zone is {gap / 1000:,.1f} km from the store; the store must lie "
            f"inside its zone or within {max_gap_m / 1000:g} km of it.",
            f"配送区域距门店 {gap / 1000:,.1f} 公里；门店须位于配送区域内或距其不超过 "
            f"{max_gap_m / 1000:g} 公里。",
        ))
    multi = isinstance(zone, ShapelyMultiPolygon)
    parts = list(zone.geoms) if multi else [zone]
    for pi, part in enumerate(parts):
        ring = np.asarray(part.exterior.coords)
        far = geodesic_m_array(lon, lat, ring[:, 0], ring[:, 1])
        vi = int(np.argmax(far))
        if far[vi] > max_reach_m:
            which_en = f"Part {pi + 1} of the delivery zone" if multi else "The delivery zone"
            which_zh = f"配送区域的第 {pi + 1} 部分" if multi else "配送区域"
            problems.append(ShapeProblem(
                "zone_out_of_reach",
                f"{which_en} reaches {far[vi] / 1000:,.1f} km from the store (position {vi}); "
                f"deliveries reach at most {max_reach_m / 1000:g} km.",
                f"{which_zh}最远处距门店 {far[vi] / 1000:,.1f} 公里（第 {vi} 个坐标点），"
                f"配送距离最多 {max_reach_m / 1000:g} 公里。",
                f"/coordinates/{pi}/0/{vi}" if multi else f"/coordinates/0/{vi}",
            ))
    return problems


def geodesic_circle(lon: float, lat: float, radius_m: float, segments: int = 64) -> ShapelyPolygon:
    """WGS-84 polygon whose vertices lie exactly `radius_m` (geodesic) from the centre."""
    if radius_m <= 0 or segments < 3:
        raise ValueError("radius_m must be positive and segments >= 3")
    # Decreasing azimuths walk counter-clockwise, the RFC 7946 exterior orientation.
    az = -np.arange(segments, dtype=np.float64) * (360.0 / segments)
    lons, lats, _ = GEOD.fwd(
        np.full(segments, lon), np.full(segments, lat), az, np.full(segments, radius_m)
    )
    return ShapelyPolygon(np.column_stack([lons, lats]))


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return value


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """RFC 7946 geometry dict (exteriors counter-clockwise, lists rather than tuples)."""
    if isinstance(geom, ShapelyPolygon | ShapelyMultiPolygon):
        geom = shapely.orient_polygons(geom)
    out = dict(mapping(geom))
    out["coordinates"] = _lists(out["coordinates"])
    return out
