"""Guards that planted bugs slipped past (issue 19): each test here fails on one of them.

- a decision that ignores If-Match on a legal transition;
- the "serves" rule counting a zone that only touches a community, in intake's network
  counts and in a disaster area's coverage loss;
- the HTTP half of the capacity race, made truly concurrent: every request has read the
  store's capacity before any of them reserves.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
import shapely
from litestar.testing import AsyncTestClient

from scoring import default_rubric
from service.registry.places import service_day
from service.review.scorecards import network_counts
from service.seed.loader import _items
from service.seed.rounds import load_applications, load_network
from tests.factories import merchant
from tests.service.test_registry_builders import ZHONGLUBEI, community_geom, store
from tests.serving import granian_server
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # 中路北


async def ring_store(conn: asyncpg.Connection) -> Any:
    """A delivering store whose zone surrounds 中路北 and touches its boundary, never inside.

    The store itself stands 2 km out, beyond walking distance, inside its own zone.
    """
    community = await community_geom(conn, ZHONGLUBEI)
    ring = community.buffer(0.03).difference(community)
    assert ring.touches(community) and not ring.overlaps(community)
    east = community.bounds[2] + 0.024  # ~2 km east of the community's east edge
    north = community.centroid.y
    assert ring.contains(shapely.Point(east, north))
    return await store(conn, east, north, home_delivery=True, zone=ring, name="ring")


async def test_a_zone_touching_a_community_does_not_count_in_network_counts(
    conn: asyncpg.Connection,
) -> None:
    rubric = default_rubric()
    await ring_store(conn)
    assert (await network_counts(conn, [ZHONGLUBEI], rubric, None))[ZHONGLUBEI] == 0
    # Control: a zone that enters the community counts.
    await store(conn, LON + 0.03, LAT, home_delivery=True, radius_m=3500)
    assert (await network_counts(conn, [ZHONGLUBEI], rubric, None))[ZHONGLUBEI] == 1


async def test_a_zone_touching_a_community_is_no_coverage_loss(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    ring = await ring_store(conn)
    lon, lat = await conn.fetchrow("SELECT ST_X(geom), ST_Y(geom) FROM stores WHERE id = $1",
                                   ring)
    area = shapely.geometry.mapping(shapely.Point(lon, lat).buffer(0.002))
    response = await client.post(
        "/api/v1/disaster-areas", headers=bearer(tokens["dispatcher"]),
        json={"name": "演练：环形配送区", "area": area, "mark_affected": False},
    )
    assert response.status_code in (200, 201), response.text
    answer = response.json()
    assert [s["id"] for s in answer["stores_in_area"]] == [str(ring)]
    lost = {c["code"] for c in answer["communities_losing_coverage"]}
    reduced = {c["code"] for c in answer["communities_with_reduced_coverage"]}
    assert ZHONGLUBEI not in lost | reduced


@pytest.fixture
async def open_round(conn: asyncpg.Connection, client: AsyncTestClient,
                     tokens: dict[str, str]) -> None:
    await load_network(conn, _items("network_beijing1.json"))
    await load_applications(conn, _items("applications_beijing2.json"))
    put = await client.put("/api/v1/rounds/beijing-2/reviewers/reviewer-1",
                           headers=bearer(tokens["admin"]))
    assert put.status_code == 200, put.text


@pytest.mark.usefixtures("open_round")
async def test_a_stale_etag_on_a_legal_transition_is_refused(
    client: AsyncTestClient, tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    submitted = await client.post("/api/v1/applications", json=merchant(seed=911))
    assert submitted.status_code == 201, submitted.text
    app = submitted.json()
    reviewer = bearer(tokens["reviewer"])
    url = f"/api/v1/applications/{app['id']}/decision"
    etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
    waitlisted = await client.post(url, headers={**reviewer, "If-Match": etag},
                                   json={"decision": "waitlisted", "reason": "候补"})
    assert waitlisted.status_code == 200, waitlisted.text
    # waitlisted -> approved is legal; only the version says the page was stale.
    stale = await client.post(url, headers={**reviewer, "If-Match": etag},
                              json={"decision": "approved", "reason": "批准"})
    assert stale.status_code == 412, stale.text
    assert await conn.fetchval("SELECT status FROM applications WHERE id = $1::uuid",
                               app["id"]) == "waitlisted"


async def test_http_capacity_race_released_together_never_overbooks(
    conn: asyncpg.Connection, dsn: str, tokens: dict[str, str]
) -> None:
    capacity, callers = 3, 8
    only = await store(conn, LON, LAT, home_delivery=True, radius_m=1000,
                       daily_capacity=capacity)
    await conn.execute("INSERT INTO store_capacity (store_id, day, capacity, reserved) "
                       "VALUES ($1, $2, $3, 0)", only, service_day(), capacity)
    body = {"household": {"lon": LON, "lat": LAT, "ref": "HH"}, "categories": ["grain_oil"],
            "home_delivery": True, "phase": "preparedness"}
    # A real server: the in-process test client would not interleave the requests.
    with granian_server(dsn) as (base, _proc):
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            # Hold the day's capacity row: every request reads 3 left, then queues at its
            # reservation; released together, only the SQL's own re-check keeps them apart.
            async with conn.transaction():
                await conn.execute(
                    "SELECT 1 FROM store_capacity WHERE store_id = $1 FOR UPDATE", only)
                sent = [asyncio.ensure_future(client.post(
                    "/api/v1/dispatch/route", headers=bearer(tokens["dispatcher"]),
                    json={**body, "household": {**body["household"], "ref": f"HH-{i}"}}))
                    for i in range(callers)]
                waiting = 0
                for _ in range(400):
                    # Activity is snapshotted per transaction: clear it to see it change.
                    await conn.execute("SELECT pg_stat_clear_snapshot()")
                    waiting = await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()")
                    if waiting == callers:
                        break
                    await asyncio.sleep(0.02)
                assert waiting == callers, f"{waiting} of {callers} requests reached the lock"
            answers = await asyncio.gather(*sent)
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    reserved = [a.json()["reserved"] for a in answers if a.json()["reserved"]]
    assert len(reserved) == capacity
    assert await conn.fetchval("SELECT reserved FROM store_capacity WHERE store_id = $1",
                               only) == capacity
    assert await conn.fetchval("SELECT count(*) FROM reservations") == capacity
