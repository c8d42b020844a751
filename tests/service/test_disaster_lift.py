"""The dispatch console's disaster-area life cycle: a what-if is not stored, a declared area
lists the reservations to re-route, areas are listed, and lifting one returns each store to
the status it had before (not blindly to active), audited; a household is found by its ref."""

from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient
from shapely.geometry import Point, box

from geo import to_geojson
from service.dispatch import repository as dispatch_repo
from service.registry.places import service_day
from tests.service.test_registry_builders import store
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # in 中路北


def square(half: float, lon: float = LON, lat: float = LAT) -> dict:
    return to_geojson(box(lon - half, lat - half, lon + half, lat + half))


async def status(conn: asyncpg.Connection, store_id) -> str:
    return await conn.fetchval("SELECT status FROM stores WHERE id = $1", store_id)


async def test_what_if_is_not_stored_and_lists_reservations_to_reroute(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["dispatcher"])
    shop = await store(conn, LON, LAT, name="团结湖店", home_delivery=True, radius_m=800)
    day = service_day()
    booked, _ = await dispatch_repo.reserve(conn, shop, day, "ZLB-0007", "dispatcher-1",
                                            point=Point(LON + 0.001, LAT))
    released, _ = await dispatch_repo.reserve(conn, shop, day, "ZLB-0008", "dispatcher-1")
    await dispatch_repo.release(conn, released["id"])

    what_if = await client.post("/api/v1/disaster-areas", headers=headers, json={
        "name": "演练", "area": square(0.003), "mark_affected": False})
    assert what_if.status_code == 201, what_if.text
    plan = what_if.json()
    assert plan["id"] is None and plan["created_at"] is None
    assert [r["household_ref"] for r in plan["reservations_to_reroute"]] == ["ZLB-0007"]
    assert await conn.fetchval("SELECT count(*) FROM disaster_areas") == 0
    listed = await client.get("/api/v1/disaster-areas", headers=headers)
    assert listed.status_code == 200 and listed.json()["areas"] == []
    assert await status(conn, shop) == "active"

    declared = await client.post("/api/v1/disaster-areas", headers=headers, json={
        "name": "朝阳内涝", "area": square(0.003), "mark_affected": True})
    body = declared.json()
    assert body["id"] is not None
    [rebook] = body["reservations_to_reroute"]
    assert rebook["id"] == str(booked["id"]) and rebook["store_name"] == "团结湖店"
    assert rebook["store_status"] == "affected"
    assert abs(rebook["household_lon"] - (LON + 0.001)) < 1e-6
    audit = await conn.fetchrow(
        "SELECT * FROM audit_log WHERE entity = 'disaster_area' AND entity_id = $1", body["id"])
    assert audit["action"] == "declared" and audit["actor"] == "dispatcher-1"

    # the household is found by its ref, with its point and its store, in the asked CRS
    found = await client.get("/api/v1/dispatch/reservations", headers=headers,
                             params={"household_ref": "ZLB-0007", "crs": "gcj02"})
    assert found.status_code == 200, found.text
    [mine] = found.json()["reservations"]
    assert mine["store_id"] == str(shop) and mine["store_status"] == "affected"
    assert 0.004 < mine["household_lon"] - (LON + 0.001) < 0.008  # GCJ-02 is shifted east
    none = await client.get("/api/v1/dispatch/reservations", headers=headers,
                            params={"household_ref": "nobody"})
    assert none.json()["reservations"] == []
    reviewer = await client.get("/api/v1/dispatch/reservations",
                                headers=bearer(tokens["reviewer"]),
                                params={"household_ref": "ZLB-0007"})
    assert reviewer.status_code == 403


async def test_lifting_restores_previous_status_not_blindly_active(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["dispatcher"])
    kept_open = await store(conn, LON, LAT, name="甲店")
    closed_since = await store(conn, LON + 0.001, LAT, name="乙店")
    suspended = await store(conn, LON - 0.001, LAT, name="丙店")
    await client.patch(f"/api/v1/stores/{suspended}/status", headers=headers,
                       json={"status": "suspended", "reason": "整改"})

    first = (await client.post("/api/v1/disaster-areas", headers=headers, json={
        "name": "大区", "area": square(0.003), "mark_affected": True})).json()
    assert {s["name"] for s in first["stores_in_area"]} == {"甲店", "乙店"}
    # 乙店 closes for another reason while the area stands
    await client.patch(f"/api/v1/stores/{closed_since}/status", headers=headers,
                       json={"status": "closed", "reason": "停业"})
    # a second, smaller area around 甲店 only (already affected: nothing new to mark)
    second = (await client.post("/api/v1/disaster-areas", headers=headers, json={
        "name": "小区", "area": square(0.0004), "mark_affected": True})).json()
    assert second["stores_in_area"] == []

    listed = (await client.get("/api/v1/disaster-areas", headers=bearer(tokens["reviewer"]),
                               params={"crs": "gcj02"})).json()
    assert [a["name"] for a in listed["areas"]] == ["小区", "大区"]
    assert {a["name"]: a["stores_held"] for a in listed["areas"]} == {"小区": 0, "大区": 1}
    assert listed["areas"][1]["area"]["type"] == "MultiPolygon"

    lifted = await client.post(f"/api/v1/disaster-areas/{first['id']}/lift", headers=headers,
                               json={"reason": "积水退去"})
    assert lifted.status_code == 200, lifted.text
    outcome = {s["name"]: (s["outcome"], s["status"]) for s in lifted.json()["stores"]}
    assert outcome == {"甲店": ("still_affected", "affected"), "乙店": ("changed_since", "closed")}
    assert await status(conn, kept_open) == "affected"
    assert await status(conn, closed_since) == "closed"
    assert await status(conn, suspended) == "suspended"
    again = await client.post(f"/api/v1/disaster-areas/{first['id']}/lift", headers=headers,
                              json={})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    done = await client.post(f"/api/v1/disaster-areas/{second['id']}/lift", headers=headers,
                             json={})
    assert [(s["name"], s["outcome"], s["status"]) for s in done.json()["stores"]] == [
        ("甲店", "restored", "active")]
    assert await status(conn, kept_open) == "active"
    history = await conn.fetch(
        "SELECT from_status, to_status, disaster_area_id::text AS area FROM store_status_history"
        " WHERE store_id = $1 AND from_status IS NOT NULL ORDER BY id", kept_open)
    assert [(h["from_status"], h["to_status"], h["area"]) for h in history] == [
        ("active", "affected", first["id"]),
        ("affected", "affected", second["id"]),
        ("affected", "active", second["id"]),
    ]
    actions = await conn.fetch(
        "SELECT entity_id, action, reason FROM audit_log WHERE entity = 'disaster_area' "
        "AND action = 'lifted' ORDER BY id")
    assert [(a["entity_id"], a["reason"]) for a in actions] == [
        (first["id"], "积水退去"), (second["id"], "")]
    assert (await client.get("/api/v1/disaster-areas", headers=headers)).json()["areas"] == []
    everything = await client.get("/api/v1/disaster-areas", headers=headers,
                                  params={"include_lifted": "true"})
    assert all(a["lifted_by"] == "dispatcher-1" for a in everything.json()["areas"])

    unknown = await client.post(
        "/api/v1/disaster-areas/00000000-0000-0000-0000-000000000000/lift", headers=headers,
        json={})
    assert unknown.status_code == 404
    assert (await client.post(f"/api/v1/disaster-areas/{first['id']}/lift",
                              headers=bearer(tokens["reviewer"]), json={})).status_code == 403
