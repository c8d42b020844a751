"""Admins import community boundaries: holes and multipolygons kept, bad rings named."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from geo import from_wgs84
from tests.support import bearer


def square(x: float, y: float, d: float) -> list[list[float]]:
    return [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]


def feature(code: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"code": code, "name": f"社区{code[-3:]}", "households": 500, **props}}


WITH_HOLE = {"type": "Polygon", "coordinates": [square(116.30, 39.95, 0.01),
                                                square(116.303, 39.953, 0.003)]}
MULTI = {"type": "MultiPolygon", "coordinates": [[square(116.32, 39.95, 0.005)],
                                                 [square(116.33, 39.95, 0.005)]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[116.34, 39.95], [116.35, 39.96], [116.35, 39.95],
                                              [116.34, 39.96], [116.34, 39.95]]]}


async def test_import_keeps_holes_and_parts_and_repairs_a_bowtie(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    body = {"type": "FeatureCollection", "features": [
        feature("110105999001", WITH_HOLE, elderly=120, street="测试街道", source="survey"),
        feature("110105999002", MULTI),
        feature("110105999003", BOWTIE),
    ]}
    response = await client.post("/api/v1/communities/import", json=body,
                                 headers=bearer(tokens["admin"]))
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["imported"], result["inserted"], result["updated"]) == (3, 3, 0)
    assert [n["pointer"] for n in result["notes"]] == ["/features/2/geometry/coordinates"]
    holes = await conn.fetchval(
        "SELECT ST_NumInteriorRings(ST_GeometryN(geom, 1)) FROM communities WHERE code = $1",
        "110105999001")
    parts = await conn.fetchval("SELECT ST_NumGeometries(geom) FROM communities WHERE code = $1",
                                "110105999002")
    assert holes == 1 and parts == 2
    row = await conn.fetchrow("SELECT * FROM communities WHERE code = '110105999001'")
    assert row["elderly"] == 120 and row["street"] == "测试街道"
    assert row["properties"] == {"source": "survey"}

    again = await client.post("/api/v1/communities/import", json=body,
                              headers=bearer(tokens["admin"]))
    assert (again.json()["inserted"], again.json()["updated"]) == (0, 3)


async def test_import_in_gcj02_is_converted(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    ring = square(116.30, 39.95, 0.01)
    gcj = [list(from_wgs84(x, y, "gcj02")) for x, y in ring]
    body = {"type": "FeatureCollection",
            "features": [feature("110105999004", {"type": "Polygon", "coordinates": [gcj]})]}
    response = await client.post("/api/v1/communities/import", params={"crs": "gcj02"},
                                 json=body, headers=bearer(tokens["admin"]))
    assert response.status_code == 200, response.text
    x, y = await conn.fetchrow(
        "SELECT ST_XMin(geom), ST_YMin(geom) FROM communities WHERE code = '110105999004'")
    assert abs(x - 116.30) < 1e-7 and abs(y - 39.95) < 1e-7


async def test_bad_features_are_named_by_index_and_nothing_is_imported(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    before = await conn.fetchval("SELECT count(*) FROM communities")
    open_ring = {"type": "Polygon", "coordinates": [[[116.3, 39.9], [116.31, 39.9],
                                                     [116.31, 39.91], [116.3, 39.91]]]}
    short_ring = {"type": "Polygon", "coordinates": [[[116.3, 39.9], [116.31, 39.9],
                                                      [116.3, 39.9]]]}
    body = {"type": "FeatureCollection", "features": [
        feature("110105999001", WITH_HOLE),
        feature("110105999002", MULTI),
        feature("110105999005", WITH_HOLE),
        feature("110105999003", open_ring),
        {"type": "Feature", "geometry": short_ring, "properties": {"code": "12", "name": ""}},
        feature("110105999001", MULTI),
        feature("110105999006", {"type": "Point", "coordinates": [116.3, 39.9]}),
    ]}
    response = await client.post("/api/v1/communities/import", json=body,
                                 headers=bearer(tokens["admin"]))
    assert response.status_code == 422, response.text
    pointers = {(e["pointer"], e["code"]) for e in response.json()["errors"]}
    assert pointers == {
        ("/features/3/geometry/coordinates/0/3", "ring_not_closed"),
        ("/features/4/geometry/coordinates/0", "ring_too_short"),
        ("/features/4/properties/code", "pattern"),
        ("/features/4/properties/name", "too_short"),
        ("/features/5/properties/code", "duplicate_code"),
        ("/features/6/geometry/type", "unsupported_geometry_type"),
    }
    assert await conn.fetchval("SELECT count(*) FROM communities") == before


async def test_import_limits_and_roles(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    body = {"type": "FeatureCollection", "features": [feature("110105999001", WITH_HOLE)]}
    for role in ("dispatcher", "reviewer"):
        response = await client.post("/api/v1/communities/import", json=body,
                                     headers=bearer(tokens[role]))
        assert response.status_code == 403
    assert (await client.post("/api/v1/communities/import", json=body)).status_code == 401
    empty = await client.post("/api/v1/communities/import",
                              json={"type": "FeatureCollection", "features": []},
                              headers=bearer(tokens["admin"]))
    assert empty.status_code == 422 and empty.json()["errors"][0]["pointer"] == "/features"
    many = [[116.3 + i * 1e-5, 39.9] for i in range(6000)] + [[116.3, 39.95], [116.3, 39.9]]
    huge = await client.post(
        "/api/v1/communities/import",
        json={"type": "FeatureCollection",
              "features": [feature("110105999001", {"type": "Polygon", "coordinates": [many]})]},
        headers=bearer(tokens["admin"]))
    assert huge.status_code == 422
    assert huge.json()["errors"][0] == {**huge.json()["errors"][0],
                                        "pointer": "/features/0/geometry/coordinates",
                                        "code": "too_many_vertices"}
