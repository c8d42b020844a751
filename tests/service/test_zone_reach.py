"""A delivery zone belongs to its store, and a self-crossing outline is refused.

A Beijing store with a zone in Urumqi, or a MultiPolygon with one part in Kashgar, was
accepted, approved and offered to households 2,400 km away. Now: 422 naming the field, on
submission, on amendment and at the registry's own write path.
"""

from __future__ import annotations

import uuid

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from service.problems import Problem
from service.registry.writer import RegistryStoreIn, add_store
from tests.factories import merchant, open_round, store
from tests.support import bearer

URUMQI = [[87.60, 43.80], [87.62, 43.80], [87.62, 43.82], [87.60, 43.82], [87.60, 43.80]]
KASHGAR = [[75.98, 39.46], [76.0, 39.46], [76.0, 39.48], [75.98, 39.48], [75.98, 39.46]]
NEAR = [[116.46, 39.92], [116.473, 39.92], [116.473, 39.935], [116.46, 39.935],
        [116.46, 39.92]]
BOW = [[116.46, 39.92], [116.47, 39.935], [116.47, 39.92], [116.46, 39.935], [116.46, 39.92]]


@pytest.fixture(autouse=True)
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    return (await conn.fetchval("SELECT count(*) FROM applications"),
            await conn.fetchval("SELECT count(*) FROM application_stores"))


def errors_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    return {e["pointer"]: e["code"] for e in response.json()["errors"]}


def polygon(ring: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


async def test_zone_in_another_city_is_refused(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    before = await counts(conn)
    far = await client.post("/api/v1/applications", json=merchant(
        stores=[store(), store(name="乌鲁木齐", radius_m=None, zone=polygon(URUMQI))]))
    errors = errors_of(far)
    assert errors["/stores/1/delivery/zone"] == "zone_away_from_store"
    assert any(p.startswith("/stores/1/delivery/zone/coordinates/0/")
               and c == "zone_out_of_reach" for p, c in errors.items())
    multi = {"type": "MultiPolygon", "coordinates": [[NEAR], [KASHGAR]]}
    split = await client.post("/api/v1/applications", json=merchant(
        seed=2, stores=[store(radius_m=None, zone=multi)]))
    errors = errors_of(split)
    assert list(errors.values()) == ["zone_out_of_reach"]
    assert next(iter(errors)).startswith("/stores/0/delivery/zone/coordinates/1/0/")
    wide = await client.post("/api/v1/applications", json=merchant(
        seed=3, stores=[store(radius_m=45_000)]))
    assert errors_of(wide) == {"/stores/0/delivery/radius_m": "radius_out_of_reach"}
    assert await counts(conn) == before
    near = await client.post("/api/v1/applications", json=merchant(
        seed=4, stores=[store(radius_m=None, zone=polygon(NEAR))]))
    assert near.status_code == 201, near.text


async def test_zone_in_gcj02_is_checked_against_the_store(client: AsyncTestClient) -> None:
    # both the store and its zone typed in GCJ-02 (offset ~500 m): still its own zone
    from geo import from_wgs84

    ring = [list(from_wgs84(x, y, "gcj02")) for x, y in NEAR]
    ok = await client.post("/api/v1/applications", json=merchant(
        seed=5, stores=[store(crs="gcj02", radius_m=None, zone=polygon(ring))]))
    assert ok.status_code == 201, ok.text


async def test_amending_a_zone_far_away_is_refused(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    created = (await client.post("/api/v1/applications", json=merchant(seed=6))).json()
    headers = bearer(created["applicant_token"])
    stored = await conn.fetchval("SELECT payload FROM applications WHERE id = $1::uuid",
                                 created["id"])
    response = await client.patch(
        created["status_url"],
        json={"stores": [store(radius_m=None, zone=polygon(URUMQI))]}, headers=headers,
    )
    assert "/stores/0/delivery/zone" in errors_of(response)
    moved = await client.patch(
        created["status_url"], json={"stores": [store(lon=87.61, lat=43.81)]}, headers=headers,
    )
    assert moved.status_code == 200, moved.text  # the store moves with its radius: fine
    back = await client.patch(
        created["status_url"],
        json={"stores": [{**store(radius_m=None, zone=polygon(NEAR)),
                          "location": {"lon": 87.61, "lat": 43.81, "crs": "wgs84"}}]},
        headers=headers,
    )
    assert "/stores/0/delivery/zone" in errors_of(back)
    assert stored is not None


async def test_self_crossing_zone_is_refused_naming_where(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    before = await counts(conn)
    response = await client.post("/api/v1/applications", json=merchant(
        seed=7, stores=[store(radius_m=None, zone=polygon(BOW))]))
    errors = errors_of(response)
    ((pointer, code),) = errors.items()
    assert code == "self_intersection"
    assert pointer in ("/stores/0/delivery/zone/coordinates/0/0",
                       "/stores/0/delivery/zone/coordinates/0/2")
    detail = response.json()["errors"][0]
    assert "116.465" in detail["detail_en"] and "自相交" in detail["detail_zh"]
    assert await counts(conn) == before


async def test_registry_write_path_refuses_a_far_zone(conn: asyncpg.Connection) -> None:
    from geo import polygon_from_geojson

    far = polygon_from_geojson(polygon(URUMQI), max_vertices=100).geometry
    store_in = RegistryStoreIn(
        name="店", merchant_name="商户", address="北京", lon=116.4663, lat=39.9303,
        categories=["grain_oil"], home_delivery=True, radius_m=None, zone=far,
        daily_capacity=10, emergency_24h=False, mobility_assist=False,
        application_store_id=uuid.uuid4(),
    )
    with pytest.raises(Problem) as refused:
        await add_store(conn, store_in)
    assert refused.value.status == 422
    assert refused.value.errors and refused.value.errors[0].pointer == "/delivery/zone"
    wide = msgspec.structs.replace(store_in, zone=None, radius_m=45_000)
    with pytest.raises(Problem) as refused:
        await add_store(conn, wide)
    assert refused.value.errors and refused.value.errors[0].pointer == "/delivery/radius_m"
    assert await conn.fetchval("SELECT count(*) FROM stores") == 0
