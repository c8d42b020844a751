"""Registry: adding stores, detail and status, serving and nearest queries, CRS, exports."""

from __future__ import annotations

import uuid

import asyncpg
import shapely
from litestar.testing import AsyncTestClient
from shapely import affinity

from geo import from_wgs84, geodesic_area_m2, geodesic_m
from tests.service.test_registry_builders import (
    ZHONGLUBEI,
    ZHONGLUNAN,
    application_store,
    community_geom,
    query,
    store,
)
from tests.support import bearer

# Tuanjiehu, Chaoyang: the middle of 中路北社区 (WGS-84).
LON, LAT = 116.4640, 39.9268


async def test_add_store_builds_geodesic_zone_and_is_idempotent(conn: asyncpg.Connection) -> None:
    app_id, app_store = await application_store(conn)
    first = await store(conn, LON, LAT, home_delivery=True, radius_m=1500,
                        application_id=app_id, application_store_id=app_store)
    again = await store(conn, LON, LAT, home_delivery=True, radius_m=1500,
                        application_store_id=app_store)
    assert again == first
    assert await conn.fetchval("SELECT count(*) FROM stores") == 1
    zone = await conn.fetchval("SELECT zone FROM stores WHERE id = $1", first)
    assert zone.geom_type == "MultiPolygon"
    assert abs(geodesic_area_m2(zone) / (3.141592653589793 * 1500**2) - 1) < 0.01
    history = await conn.fetch("SELECT * FROM store_status_history WHERE store_id = $1", first)
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "active")]


async def test_detail_and_status_change_are_recorded(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    sid = await store(conn, LON, LAT, daily_capacity=7)
    detail = await client.get(f"/api/v1/stores/{sid}", headers=bearer(tokens["reviewer"]))
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["status"] == "active"
    assert body["capacity_today"]["capacity"] == 7 and body["capacity_today"]["left"] == 7

    changed = await client.patch(
        f"/api/v1/stores/{sid}/status", json={"status": "closed", "reason": "停业装修"},
        headers=bearer(tokens["dispatcher"]),
    )
    assert changed.status_code == 200, changed.text
    out = changed.json()
    assert out["status"] == "closed" and out["status_reason"] == "停业装修"
    assert out["status_changed_by"] == "dispatcher-1"
    latest = out["history"][0]
    assert (latest["from_status"], latest["to_status"], latest["reason"]) == (
        "active", "closed", "停业装修")
    assert latest["changed_by"] == "dispatcher-1" and latest["changed_at"]

    bad = await client.patch(f"/api/v1/stores/{sid}/status", json={"status": "gone"},
                             headers=bearer(tokens["dispatcher"]))
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {"/status", "/reason"}
    missing = await client.get(f"/api/v1/stores/{uuid.uuid4()}", headers=bearer(tokens["admin"]))
    assert missing.status_code == 404
    # the history is append-only, whoever connects
    try:
        await conn.execute("DELETE FROM store_status_history")
        raise AssertionError("history rows must not be deletable")
    except asyncpg.InsufficientPrivilegeError:
        pass


async def test_serving_sorted_by_distance_closed_and_suspended_excluded(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    near = await store(conn, LON + 0.003, LAT, home_delivery=True, radius_m=2000, name="near")
    far = await store(conn, LON + 0.012, LAT, home_delivery=True, radius_m=3000, name="far")
    closed = await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=2000)
    await store(conn, LON + 0.0005, LAT, home_delivery=False)  # walk-in only: never "serving"
    await store(conn, LON + 0.05, LAT, home_delivery=True, radius_m=1000)  # zone out of reach
    only_water = await store(conn, LON + 0.002, LAT, home_delivery=True, radius_m=2000,
                             categories=["drinking_water"])
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", closed)

    response = await client.get("/api/v1/stores/serving", params=query(LON, LAT),
                                headers=bearer(tokens["dispatcher"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["id"] for s in body["stores"]] == [str(only_water), str(near), str(far)]
    assert body["point"]["community"]["code"] == ZHONGLUBEI
    first = body["stores"][1]
    assert abs(first["distance_m"] - geodesic_m(LON, LAT, LON + 0.003, LAT)) < 0.5

    filtered = await client.get(
        "/api/v1/stores/serving", params=[("lon", LON), ("lat", LAT), ("category", "grain_oil")],
        headers=bearer(tokens["dispatcher"]))
    assert [s["id"] for s in filtered.json()["stores"]] == [str(near), str(far)]
    unknown = await client.get("/api/v1/stores/serving",
                               params=query(LON, LAT, category="tobacco"),
                               headers=bearer(tokens["dispatcher"]))
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["pointer"] == "/category/0"
    abroad = await client.get("/api/v1/stores/serving", params=query(139.69, 35.68),
                              headers=bearer(tokens["dispatcher"]))
    assert abroad.status_code == 400


async def test_nearest_k_exact_geodesic_order(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    offsets = [(0.004, 0.0), (0.0, 0.003), (-0.006, 0.0), (0.0, -0.0075), (0.01, 0.01)]
    ids = [await store(conn, LON + dx, LAT + dy) for dx, dy in offsets]
    closest = await store(conn, LON + 0.0002, LAT)
    await conn.execute("UPDATE stores SET status = 'suspended' WHERE id = $1", closest)

    response = await client.get("/api/v1/stores/nearest", params=query(LON, LAT, k=3),
                                headers=bearer(tokens["dispatcher"]))
    assert response.status_code == 200, response.text
    stores = response.json()["stores"]
    expected = sorted(
        zip(ids, [geodesic_m(LON, LAT, LON + dx, LAT + dy) for dx, dy in offsets], strict=True),
        key=lambda p: p[1],
    )[:3]
    assert [s["id"] for s in stores] == [str(i) for i, _ in expected]
    for got, (_, metres) in zip(stores, expected, strict=True):
        assert abs(got["distance_m"] - metres) < 0.5
    # 0.003 deg of latitude (~333 m) is nearer than 0.004 deg of longitude (~341 m at 40 N):
    # degrees would have ranked them the other way round
    assert stores[0]["id"] == str(ids[1])


async def test_gcj02_household_near_a_community_boundary(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    """A household in 中路南 whose GCJ-02 numbers, misread as WGS-84, land in 中路北."""
    south = await community_geom(conn, ZHONGLUNAN)
    north = await community_geom(conn, ZHONGLUBEI)
    gx, gy = from_wgs84(LON, LAT, "gcj02")
    dx, dy = gx - LON, gy - LAT  # the GCJ-02 shift here: ~520 m east, ~150 m north
    overlap = south.intersection(affinity.translate(north, -dx, -dy)).buffer(-0.00001)
    assert not overlap.is_empty, "fixture communities no longer neighbour each other"
    w = shapely.Point(overlap.representative_point())
    g_lon, g_lat = from_wgs84(w.x, w.y, "gcj02")
    # Stores delivering exactly within one community each.
    in_south = await store(conn, *south.representative_point().coords[0], home_delivery=True,
                           zone=south, name="south")
    in_north = await store(conn, *north.representative_point().coords[0], home_delivery=True,
                           zone=north, name="north")

    right = await client.get("/api/v1/stores/serving",
                             params=query(g_lon, g_lat, crs="gcj02"),
                             headers=bearer(tokens["dispatcher"]))
    body = right.json()
    assert body["point"]["community"]["code"] == ZHONGLUNAN
    assert [s["id"] for s in body["stores"]] == [str(in_south)]
    assert abs(body["point"]["lon_wgs84"] - w.x) < 1e-6
    # answers come back in the CRS asked for
    s_lon, s_lat = south.representative_point().coords[0]
    assert abs(body["stores"][0]["lon"] - from_wgs84(s_lon, s_lat, "gcj02")[0]) < 1e-6

    wrong = await client.get("/api/v1/stores/serving", params=query(g_lon, g_lat, crs="wgs84"),
                             headers=bearer(tokens["dispatcher"]))
    assert wrong.json()["point"]["community"]["code"] == ZHONGLUBEI
    assert [s["id"] for s in wrong.json()["stores"]] == [str(in_north)]


async def test_geojson_exports_for_qgis(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    sid = await store(conn, LON, LAT, home_delivery=True, radius_m=800)
    await store(conn, LON + 0.01, LAT)
    response = await client.get("/api/v1/stores.geojson", headers=bearer(tokens["dispatcher"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    kinds = sorted((f["properties"]["feature_kind"], f["geometry"]["type"]) for f in features)
    assert kinds == [("delivery_zone", "MultiPolygon"), ("store", "Point"), ("store", "Point")]
    zone = next(f for f in features if f["properties"]["feature_kind"] == "delivery_zone")
    assert zone["properties"]["store_id"] == str(sid)
    assert zone["properties"]["categories"] == "grain_oil,daily_goods"

    points = await client.get("/api/v1/stores.geojson", params={"layer": "points", "crs": "bd09"},
                              headers=bearer(tokens["dispatcher"]))
    body = points.json()
    assert body["crs_name"] == "bd09" and len(body["features"]) == 2
    point = next(f for f in body["features"] if f["id"] == str(sid))
    bx, by = from_wgs84(LON, LAT, "bd09")
    assert abs(point["geometry"]["coordinates"][0] - bx) < 1e-6
    assert abs(point["geometry"]["coordinates"][1] - by) < 1e-6

    communities = await client.get("/api/v1/communities.geojson", params={"crs": "gcj02"})
    assert communities.status_code == 200
    assert communities.headers["content-type"].startswith("application/geo+json")
    assert len(communities.json()["features"]) == 9


async def test_access_control(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    reads = ["/api/v1/stores/serving?lon=116.464&lat=39.9268",
             "/api/v1/stores/nearest?lon=116.464&lat=39.9268",
             "/api/v1/coverage", "/api/v1/stores.geojson", f"/api/v1/stores/{uuid.uuid4()}"]
    for url in reads:
        assert (await client.get(url)).status_code == 401, url
        ok = 404 if "stores/" in url and "?" not in url and "geojson" not in url else 200
        for role in ("dispatcher", "reviewer", "admin"):
            got = await client.get(url, headers=bearer(tokens[role]))
            assert got.status_code == ok, (url, role, got.text)
    change = {"status": "closed", "reason": "x"}
    url = f"/api/v1/stores/{uuid.uuid4()}/status"
    assert (await client.patch(url, json=change)).status_code == 401
    assert (await client.patch(url, json=change,
                               headers=bearer(tokens["reviewer"]))).status_code == 403
    assert (await client.patch(url, json=change,
                               headers=bearer(tokens["dispatcher"]))).status_code == 404
    # the community boundaries are public, like GET /communities
    assert (await client.get("/api/v1/communities.geojson")).status_code == 200
