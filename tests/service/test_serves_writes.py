"""The store -> community relation and the per-community counts follow every write path:
approval (add_store), a status change through the API, a disaster area marking stores affected
and lifting it, and a community boundary import. After each step the kept relation equals one
computed from scratch with the same SQL rule, and the kept counts equal a recount."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from litestar.testing import AsyncTestClient
from shapely.geometry import box, mapping

from scoring import rubric_from_dict
from service.registry import serves
from service.review.scorecards import network_counts
from tests.service.test_registry_builders import ZHONGLUBEI, community_geom, store
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # 中路北


async def assert_consistent(conn: asyncpg.Connection) -> None:
    kept = await conn.fetch("SELECT store_id, code, delivers, walk_m FROM store_serves "
                            "ORDER BY code, store_id")
    fresh = await conn.fetch(
        "SELECT store_id, code, delivers, walk_m FROM store_serves_pairs(NULL, NULL) "
        "WHERE delivers OR walk_m <= serving_max_walk_m() ORDER BY code, store_id")
    assert [tuple(r) for r in kept] == [tuple(r) for r in fresh]
    counts = dict(await conn.fetch("SELECT code, n FROM community_store_counts WHERE n <> 0"))
    recount = dict(await conn.fetch(
        "SELECT code, count(*) FROM store_serves "
        "WHERE store_serves_at(delivers, walk_m, serving_walk_m()) GROUP BY code"))
    assert counts == recount


async def served(conn: asyncpg.Connection, store_id: UUID) -> bool:
    return ZHONGLUBEI in await serves.communities_served(conn, store_id, 1000.0)


async def zhonglubei_count(conn: asyncpg.Connection) -> int:
    rubric = rubric_from_dict({"walking_distance_m": 1000.0, "target_stores_per_community": 100})
    return (await network_counts(conn, [ZHONGLUBEI], rubric, None))[ZHONGLUBEI]


async def test_relation_follows_every_write_path(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["dispatcher"])
    a = await store(conn, LON, LAT, home_delivery=True, radius_m=1500, name="a")
    b = await store(conn, LON + 0.001, LAT, name="b")
    await assert_consistent(conn)
    assert await served(conn, a) and await served(conn, b)
    assert await zhonglubei_count(conn) == 2

    closed = await client.patch(f"/api/v1/stores/{b}/status", headers=headers,
                                json={"status": "closed", "reason": "歇业"})
    assert closed.status_code == 200, closed.text
    assert not await served(conn, b) and await zhonglubei_count(conn) == 1
    await assert_consistent(conn)
    reopened = await client.patch(f"/api/v1/stores/{b}/status", headers=headers,
                                  json={"status": "active", "reason": "复业"})
    assert reopened.status_code == 200
    assert await served(conn, b) and await zhonglubei_count(conn) == 2

    area = mapping(box(LON - 0.0005, LAT - 0.0005, LON + 0.0005, LAT + 0.0005))
    declared = await client.post("/api/v1/disaster-areas", headers=headers, json={
        "name": "内涝", "area": area, "mark_affected": True})
    assert declared.status_code == 201, declared.text
    assert not await served(conn, a) and await served(conn, b)
    assert await zhonglubei_count(conn) == 1
    await assert_consistent(conn)
    lifted = await client.post(f"/api/v1/disaster-areas/{declared.json()['id']}/lift",
                               headers=headers, json={"reason": "积水已退"})
    assert lifted.status_code == 200, lifted.text
    assert await served(conn, a) and await zhonglubei_count(conn) == 2
    await assert_consistent(conn)

    # The community's boundary re-imported far away: neither store serves it any more.
    far = mapping(box(116.2, 40.2, 116.21, 40.21))
    geom = await community_geom(conn, ZHONGLUBEI)
    assert geom is not None
    imported = await client.post("/api/v1/communities/import", headers=bearer(tokens["admin"]),
                                 json={"type": "FeatureCollection", "features": [{
                                     "type": "Feature", "geometry": far,
                                     "properties": {"code": ZHONGLUBEI, "name": "中路北社区",
                                                    "households": 2710, "is_pilot": True}}]})
    assert imported.status_code == 200, imported.text
    assert not await served(conn, a) and not await served(conn, b)
    assert await zhonglubei_count(conn) == 0
    await assert_consistent(conn)
