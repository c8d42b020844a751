"""Coverage of the pilot communities, its gaps, and disaster areas taking stores out."""

from __future__ import annotations

import asyncpg
import msgspec
from litestar.testing import AsyncTestClient

from geo import to_geojson
from service.registry.schemas import CommunityCoverage, CoverageReport, Population
from tests.service.test_registry_builders import (
    TAOTIAOGOU,
    ZHONGLUBEI,
    ZHONGLUNAN,
    community_geom,
    store,
)
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # in 中路北


async def test_coverage_counts_stores_population_and_gaps(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    north = await community_geom(conn, ZHONGLUBEI)
    walk_in = await store(conn, LON, LAT)  # inside 中路北: walk-in serves it and 中路南 nearby
    delivery = await store(conn, 116.40, 39.975, home_delivery=True, radius_m=500)  # 安贞里
    drawn = await store(conn, 116.47, 39.93, home_delivery=True, zone=north)
    closed = await store(conn, 116.33, 40.067)  # 龙博苑, but closed
    await conn.execute("UPDATE stores SET status = 'closed' WHERE id = $1", closed)

    response = await client.get("/api/v1/coverage", params={"min_stores": 2},
                                headers=bearer(tokens["reviewer"]))
    assert response.status_code == 200, response.text
    report = response.json()
    by_code = {c["code"]: c for c in report["communities"]}
    assert len(by_code) == 9
    assert by_code[ZHONGLUBEI]["store_count"] == 2
    # the drawn-zone store is also within walking distance: counted once
    assert set(by_code[ZHONGLUBEI]["walkin_store_ids"]) == {str(walk_in), str(drawn)}
    assert set(by_code[ZHONGLUBEI]["delivery_store_ids"]) == {str(drawn)}
    assert by_code[ZHONGLUBEI]["gap"] is False
    assert by_code["110105008052"]["delivery_store_ids"] == [str(delivery)]
    assert by_code["110114011001"]["store_count"] == 0  # the closed store does not count
    served = [c for c in report["communities"] if not c["gap"]]
    assert {c["code"] for c in served} == {ZHONGLUBEI, ZHONGLUNAN}  # both stores ~within 1 km
    assert report["served"]["communities"] == 2
    assert report["served"]["households"] == sum(c["households"] for c in served)
    assert report["served"]["elderly"] == sum(c["elderly"] for c in served) >= 1900
    assert report["gaps"]["communities"] == 7 and ZHONGLUBEI not in report["gap_codes"]

    # walking distance is a parameter: 中路北's store is ~300 m from 中路南
    short = await client.get("/api/v1/coverage", params={"walk_m": 10},
                             headers=bearer(tokens["dispatcher"]))
    long = await client.get("/api/v1/coverage", params={"walk_m": 1000},
                            headers=bearer(tokens["dispatcher"]))
    count = {c["code"]: c["store_count"] for c in short.json()["communities"]}
    count_long = {c["code"]: c["store_count"] for c in long.json()["communities"]}
    assert count[ZHONGLUNAN] == 0 and count_long[ZHONGLUNAN] >= 1

    geojson = await client.get("/api/v1/coverage",
                               params={"format": "geojson", "crs": "gcj02", "min_stores": 1},
                               headers=bearer(tokens["dispatcher"]))
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = {f["id"]: f for f in geojson.json()["features"]}
    assert features[ZHONGLUBEI]["properties"]["gap"] is False
    assert features[TAOTIAOGOU]["properties"]["gap"] is True
    assert features[ZHONGLUBEI]["geometry"]["type"] == "MultiPolygon"

    bad = await client.get("/api/v1/coverage", params={"min_stores": 20, "list_limit": 5},
                           headers=bearer(tokens["dispatcher"]))
    assert bad.status_code == 400


async def test_coverage_lists_are_capped_and_counts_exact(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    for i in range(4):
        await store(conn, LON + i * 0.0002, LAT)
    response = await client.get("/api/v1/coverage", params={"list_limit": 3, "min_stores": 3},
                                headers=bearer(tokens["dispatcher"]))
    north = next(c for c in response.json()["communities"] if c["code"] == ZHONGLUBEI)
    assert north["capped"] is True and north["store_count"] == 4 and north["gap"] is False


async def test_disaster_area_removes_coverage_and_names_who_still_delivers(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    village = await community_geom(conn, TAOTIAOGOU)
    centre = village.representative_point()
    local = await store(conn, centre.x, centre.y, home_delivery=True, radius_m=3000,
                        name="村口小卖部")
    # a township store 8 km away whose zone reaches into the flood area
    outside = await store(conn, centre.x + 0.09, centre.y, home_delivery=True, radius_m=9000,
                          name="珍珠泉乡超市")
    area = to_geojson(village.buffer(0.002))

    what_if = await client.post(
        "/api/v1/disaster-areas",
        json={"name": "桃条沟洪水（预案）", "area": area, "mark_affected": False},
        headers=bearer(tokens["dispatcher"]))
    assert what_if.status_code == 201, what_if.text
    plan = what_if.json()
    assert [s["id"] for s in plan["stores_in_area"]] == [str(local)]
    assert await conn.fetchval("SELECT status FROM stores WHERE id = $1", local) == "active"

    response = await client.post(
        "/api/v1/disaster-areas",
        json={"name": "桃条沟洪水", "area": area, "mark_affected": True},
        headers=bearer(tokens["dispatcher"]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["marked_affected"] is True
    lost = {c["code"]: c for c in body["communities_losing_coverage"]}
    reduced = {c["code"] for c in body["communities_with_reduced_coverage"]}
    assert TAOTIAOGOU not in lost and TAOTIAOGOU in reduced  # the township store still delivers
    assert [s["id"] for s in body["stores_delivering_into_area"]] == [str(outside)]
    assert body["communities_in_area"][0]["code"] == TAOTIAOGOU
    assert await conn.fetchval("SELECT status FROM stores WHERE id = $1", local) == "affected"
    history = await conn.fetchrow(
        "SELECT * FROM store_status_history WHERE store_id = $1 ORDER BY id DESC LIMIT 1", local)
    assert history["to_status"] == "affected" and history["changed_by"] == "dispatcher-1"
    assert history["disaster_area_id"] is not None

    # Now the township store closes too: the village loses all coverage.
    await client.patch(f"/api/v1/stores/{outside}/status",
                       json={"status": "closed", "reason": "道路中断"},
                       headers=bearer(tokens["dispatcher"]))
    await conn.execute("UPDATE stores SET status = 'active' WHERE id = $1", local)
    again = await client.post(
        "/api/v1/disaster-areas", json={"name": "桃条沟二次", "area": area, "mark_affected": True},
        headers=bearer(tokens["dispatcher"]))
    lost = {c["code"]: c for c in again.json()["communities_losing_coverage"]}
    assert lost[TAOTIAOGOU]["stores_before"] == 1 and lost[TAOTIAOGOU]["stores_after"] == 0
    assert lost[TAOTIAOGOU]["households"] == 120
    coverage = await client.get("/api/v1/coverage", headers=bearer(tokens["dispatcher"]))
    assert TAOTIAOGOU in coverage.json()["gap_codes"]


async def test_disaster_area_validation_and_roles(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    bad = await client.post(
        "/api/v1/disaster-areas",
        json={"name": "", "area": {"type": "Polygon", "coordinates": [[[116.4, 39.9],
                                                                        [116.5, 39.9]]]}},
        headers=bearer(tokens["dispatcher"]))
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {"/name"}
    ring = await client.post(
        "/api/v1/disaster-areas",
        json={"name": "x", "area": {"type": "Polygon", "coordinates": [[[116.4, 39.9],
                                                                         [116.5, 39.9]]]}},
        headers=bearer(tokens["dispatcher"]))
    assert ring.status_code == 422
    assert ring.json()["errors"][0]["pointer"] == "/area/coordinates/0"
    area = {"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.41, 39.9], [116.41, 39.91],
                                                [116.4, 39.9]]]}
    forbidden = await client.post("/api/v1/disaster-areas", json={"name": "x", "area": area},
                                  headers=bearer(tokens["reviewer"]))
    assert forbidden.status_code == 403
    assert (await client.post("/api/v1/disaster-areas",
                              json={"name": "x", "area": area})).status_code == 401


async def test_cached_coverage_follows_every_registry_change(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["dispatcher"])

    async def count() -> int:
        report = (await client.get("/api/v1/coverage", headers=headers)).json()
        return {c["code"]: c["store_count"] for c in report["communities"]}[ZHONGLUBEI]

    assert await count() == 0
    assert await count() == 0  # served from the cache: same registry version
    walk_in = await store(conn, LON, LAT)
    assert await count() == 1  # a new store bumps the version
    changed = await client.patch(f"/api/v1/stores/{walk_in}/status", headers=headers,
                                 json={"status": "closed", "reason": "水淹"})
    assert changed.status_code == 200, changed.text
    assert await count() == 0


# The report as it was computed before the query built each community's JSON (migration 0030):
# every serving pair read plainly, the lists cut and the totals summed here, encoded as structs.
REFERENCE = """
SELECT c.code, c.name, c.street, c.district, c.households, c.residents, c.elderly,
       c.elderly_alone, c.disabled, c.mothers_infants, c.children,
       ARRAY(SELECT p.store_id FROM store_serves p WHERE p.code = c.code AND p.delivers
             ORDER BY p.store_id) AS delivery,
       ARRAY(SELECT p.store_id FROM store_serves p WHERE p.code = c.code AND p.walk_m <= $1
             ORDER BY p.walk_m, p.store_id) AS walkin,
       (SELECT count(*) FROM store_serves p
        WHERE p.code = c.code AND (p.delivers OR p.walk_m <= $1)) AS n
FROM communities c WHERE c.is_pilot ORDER BY c.code
"""
POPULATION = ("households", "residents", "elderly", "elderly_alone", "disabled",
              "mothers_infants", "children")


async def reference_report(conn: asyncpg.Connection, walk_m: float, k: int,
                           limit: int) -> CoverageReport:
    communities = [
        CommunityCoverage(
            code=r["code"], name=r["name"], street=r["street"], district=r["district"],
            store_count=r["n"], capped=len(r["delivery"]) > limit or len(r["walkin"]) > limit,
            gap=r["n"] < k, delivery_store_ids=r["delivery"][:limit],
            walkin_store_ids=r["walkin"][:limit], **{f: r[f] for f in POPULATION})
        for r in await conn.fetch(REFERENCE, walk_m)
    ]

    def total(part: list[CommunityCoverage]) -> Population:
        return Population(len(part), *(sum(getattr(c, f) for c in part) for f in POPULATION))

    return CoverageReport(
        min_stores=k, walk_m=walk_m, list_limit=limit,
        served=total([c for c in communities if not c.gap]),
        gaps=total([c for c in communities if c.gap]),
        gap_codes=[c.code for c in communities if c.gap], communities=communities)


async def test_coverage_equals_the_plain_computation(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    """The JSON the query builds is byte for byte the report computed from the plain pairs,
    at the kept reach and another, with lists cut, and in the GeoJSON properties too."""
    north = await community_geom(conn, ZHONGLUBEI)
    for i in range(4):  # walk-in stores in and near 中路北, at growing distances
        await store(conn, LON + i * 0.002, LAT - i * 0.002, name=f"便民店（{i}号）")
    for i in range(3):  # delivering stores, one by a drawn zone over the whole community
        await store(conn, 116.40 + i * 0.01, 39.975, home_delivery=True, radius_m=2500)
    await store(conn, 116.47, 39.93, home_delivery=True, zone=north)
    # what JSON must escape, and what it passes as is (full-width, beyond the BMP)
    await conn.execute("UPDATE communities SET name = $2, street = $3 WHERE code = $1",
                       ZHONGLUNAN, '中路南"社区\\（一）\t\x01/\u2028', "𠮷野家街道")
    headers = bearer(tokens["reviewer"])
    for walk_m, k, limit in ((1000.0, 2, 3), (300.0, 1, 2), (1000.0, 1, 10)):
        response = await client.get("/api/v1/coverage", headers=headers, params={
            "walk_m": walk_m, "min_stores": k, "list_limit": limit})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        expected = await reference_report(conn, walk_m, k, limit)
        assert response.content == msgspec.json.encode(expected)
        assert any(c.capped for c in expected.communities) is (limit < 5)
        assert 0 < expected.served.communities < len(expected.communities)

    geojson = await client.get("/api/v1/coverage", headers=headers,
                               params={"format": "geojson", "list_limit": 2})
    expected = await reference_report(conn, 1000.0, 1, 2)
    properties = [f["properties"] for f in geojson.json()["features"]]
    assert properties == [{
        **msgspec.to_builtins(c),
        "delivery_store_ids": ",".join(map(str, c.delivery_store_ids)),
        "walkin_store_ids": ",".join(map(str, c.walkin_store_ids)),
    } for c in expected.communities]
