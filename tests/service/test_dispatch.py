"""Routing a household: options, the atomic reservation, release, the online fallback."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from geo import from_wgs84
from service.db.pool import register_codecs
from service.dispatch import repository as repo
from service.registry.places import service_day
from tests.service.test_registry_builders import TAOTIAOGOU, community_geom, store
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # 中路北


def route(lon: float = LON, lat: float = LAT, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"household": {"lon": lon, "lat": lat, "ref": "HH-1"},
                            "categories": ["grain_oil"], "home_delivery": True,
                            "phase": "preparedness"}
    body.update(extra)
    return body


async def test_route_ranks_reserves_and_releases(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    near = await store(conn, LON + 0.002, LAT, home_delivery=True, radius_m=2000,
                       daily_capacity=3, name="near")
    far = await store(conn, LON + 0.02, LAT, home_delivery=True, radius_m=3000, name="far")
    await store(conn, LON + 0.001, LAT, home_delivery=True, radius_m=2000,
                categories=["drinking_water"])  # lacks grain_oil
    closed = await store(conn, LON + 0.0005, LAT, home_delivery=True, radius_m=2000)
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", closed)

    response = await client.post("/api/v1/dispatch/route", json=route(),
                                 headers=bearer(tokens["dispatcher"]))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [o["id"] for o in answer["options"]] == [str(near), str(far)]
    assert answer["reserved"]["store_id"] == str(near) and answer["reserved"]["name"] == "near"
    assert answer["options"][0]["capacity_left"] == 2 and answer["fallback"] is None
    assert answer["household"]["community"]["code"] == "110105013029"
    reservation = answer["reserved"]["reservation_id"]
    assert await conn.fetchval("SELECT household_ref FROM reservations WHERE id = $1",
                               uuid.UUID(reservation)) == "HH-1"

    release = f"/api/v1/dispatch/reservations/{reservation}/release"
    first = await client.post(release, headers=bearer(tokens["dispatcher"]))
    second = await client.post(release, headers=bearer(tokens["dispatcher"]))
    assert first.status_code == 200 and first.json()["released_now"] is True
    assert second.status_code == 200 and second.json()["released_now"] is False
    assert await conn.fetchval("SELECT reserved FROM store_capacity WHERE store_id = $1",
                               near) == 0
    unknown = await client.post(f"/api/v1/dispatch/reservations/{uuid.uuid4()}/release",
                                headers=bearer(tokens["dispatcher"]))
    assert unknown.status_code == 404

    peek = await client.post("/api/v1/dispatch/route", json=route(reserve=False),
                             headers=bearer(tokens["dispatcher"]))
    assert peek.json()["reserved"] is None and peek.json()["fallback"] is None


async def test_walk_in_and_gcj02_household(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    walk = await store(conn, LON + 0.005, LAT)  # ~430 m, no delivery
    await store(conn, LON + 0.03, LAT)  # ~2.6 km: beyond walking distance
    g_lon, g_lat = from_wgs84(LON, LAT, "gcj02")
    body = route(home_delivery=False, reserve=False)
    body["household"] = {"lon": g_lon, "lat": g_lat, "crs": "gcj02"}
    answer = (await client.post("/api/v1/dispatch/route", json=body,
                                headers=bearer(tokens["dispatcher"]))).json()
    assert [o["id"] for o in answer["options"]] == [str(walk)]
    assert abs(answer["options"][0]["distance_m"] - 426) < 5
    # answered in the household's CRS unless ?crs= says otherwise
    assert abs(answer["options"][0]["lon"] - from_wgs84(LON + 0.005, LAT, "gcj02")[0]) < 1e-6
    # read as WGS-84 the same numbers are ~540 m further east: a different answer
    body["household"]["crs"] = "wgs84"
    wrong = (await client.post("/api/v1/dispatch/route", json=body,
                               headers=bearer(tokens["dispatcher"]))).json()
    assert abs(wrong["options"][0]["distance_m"] - 426) > 100


async def test_tie_breaks_warning_phase_and_mobility(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    # ~111, ~145 and ~179 m away: all in the same 100 m band
    plain = await store(conn, LON + 0.0013, LAT, home_delivery=True, radius_m=2000)
    h24 = await store(conn, LON + 0.0017, LAT, home_delivery=True, radius_m=2000,
                      emergency_24h=True)
    helper = await store(conn, LON + 0.0021, LAT, home_delivery=True, radius_m=2000,
                         mobility_assist=True)
    far = await store(conn, LON + 0.0040, LAT, home_delivery=True, radius_m=2000,
                      emergency_24h=True, mobility_assist=True)  # ~340 m: a later band

    async def order(**extra: Any) -> list[str]:
        answer = await client.post("/api/v1/dispatch/route", json=route(reserve=False, **extra),
                                   headers=bearer(tokens["dispatcher"]))
        return [o["id"] for o in answer.json()["options"]]
    assert await order() == [str(plain), str(h24), str(helper), str(far)]
    assert await order(phase="warning") == [str(h24), str(plain), str(helper), str(far)]
    assert await order(mobility_assist=True) == [str(helper), str(plain), str(h24), str(far)]


async def test_no_local_store_offers_the_online_platform(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    village = (await community_geom(conn, TAOTIAOGOU)).representative_point()
    response = await client.post("/api/v1/dispatch/route", json=route(village.x, village.y),
                                 headers=bearer(tokens["dispatcher"]))
    answer = response.json()
    assert answer["options"] == [] and answer["reserved"] is None
    assert answer["fallback"]["reason"] == "no_local_store"
    assert answer["fallback"]["url"] == client.app.state.settings.online_fallback_url
    assert answer["household"]["community"]["code"] == TAOTIAOGOU

    full = await store(conn, village.x, village.y, home_delivery=True, radius_m=1000,
                       daily_capacity=1)
    first = await client.post("/api/v1/dispatch/route", json=route(village.x, village.y),
                              headers=bearer(tokens["dispatcher"]))
    assert first.json()["reserved"]["store_id"] == str(full)
    second = (await client.post("/api/v1/dispatch/route", json=route(village.x, village.y),
                                headers=bearer(tokens["dispatcher"]))).json()
    assert second["reserved"] is None and second["fallback"]["reason"] == "capacity_exhausted"


async def test_capacity_race_never_overbooks(
    client: AsyncTestClient, conn: asyncpg.Connection, dsn: str, tokens: dict[str, str]
) -> None:
    only = await store(conn, LON, LAT, home_delivery=True, radius_m=1000, daily_capacity=5)
    # Over HTTP: 20 concurrent route requests against a store with capacity 5.
    answers = await asyncio.gather(*(
        client.post("/api/v1/dispatch/route", json=route(household={"lon": LON, "lat": LAT,
                                                                    "ref": f"HH-{i}"}),
                    headers=bearer(tokens["dispatcher"]))
        for i in range(20)
    ))
    assert all(a.status_code == 200 for a in answers)
    reserved = [a.json()["reserved"] for a in answers if a.json()["reserved"]]
    assert len(reserved) == 5 and {r["store_id"] for r in reserved} == {str(only)}
    assert await conn.fetchval("SELECT reserved FROM store_capacity WHERE store_id = $1",
                               only) == 5
    assert await conn.fetchval("SELECT count(*) FROM reservations") == 5

    # Directly, on 20 separate connections racing for one store's 5 units.
    second = await store(conn, LON, LAT, daily_capacity=5)
    conns = [await asyncpg.connect(dsn) for _ in range(20)]
    try:
        for c in conns:
            await register_codecs(c)
        got = await asyncio.gather(*(
            repo.reserve(c, second, service_day(), f"R-{i}", "race") for i, c in enumerate(conns)
        ))
    finally:
        for c in conns:
            await c.close()
    assert sum(g is not None for g in got) == 5
    assert await conn.fetchval("SELECT reserved FROM store_capacity WHERE store_id = $1",
                               second) == 5


async def test_route_validation_and_roles(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    bad = await client.post(
        "/api/v1/dispatch/route",
        json={"household": {"lon": 139.69, "lat": 35.68}, "categories": ["alcohol"],
              "phase": "later"},
        headers=bearer(tokens["dispatcher"]))
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {
        "/household", "/categories/0", "/phase", "/home_delivery"}
    assert (await client.post("/api/v1/dispatch/route", json=route())).status_code == 401
    reviewer = await client.post("/api/v1/dispatch/route", json=route(),
                                 headers=bearer(tokens["reviewer"]))
    assert reviewer.status_code == 403
    admin = await client.post("/api/v1/dispatch/route", json=route(),
                              headers=bearer(tokens["admin"]))
    assert admin.status_code == 200
