"""Hostile input: each answered 4xx quickly, as problem details, with nothing stored."""

from __future__ import annotations

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.factories import merchant, open_round, store
from tests.support import bearer

SQL_META = ["'; DROP TABLE applications; --", '" OR 1=1 --', "beijing-2' OR '1'='1", "%", "\\"]


@pytest.fixture(autouse=True)
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def stored(conn: asyncpg.Connection) -> tuple[int, int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM applications"),
        await conn.fetchval("SELECT count(*) FROM application_stores"),
        await conn.fetchval("SELECT count(*) FROM audit_log"),
    )


def assert_4xx_problem(response) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_sql_meta_characters_in_filters(
    client: AsyncTestClient, tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    headers = bearer(tokens["admin"])
    for evil in SQL_META:
        for param in ("round", "status", "kind"):
            response = await client.get(
                "/api/v1/applications", params={param: evil}, headers=headers
            )
            assert response.status_code in (200, 400), response.text
            if response.status_code == 200:
                assert response.json()["items"] == []
        for path in (f"/api/v1/rounds/{evil}/ranking", f"/api/v1/applications/{evil}"):
            assert_4xx_problem(await client.get(path, headers=headers))
    assert await conn.fetchval("SELECT to_regclass('applications') IS NOT NULL")


async def test_deeply_nested_and_huge_json(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    before = await stored(conn)
    nested = b'{"kind": "merchant", "stores": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert_4xx_problem(
        await client.post(
            "/api/v1/applications", content=nested, headers={"content-type": "application/json"}
        )
    )
    huge = merchant(legal_name="x" * 2_000_000)
    response = await client.post("/api/v1/applications", json=huge)
    assert response.status_code == 413
    many_keys = {**merchant(), **{f"k{i}": i for i in range(20_000)}}
    assert_4xx_problem(await client.post("/api/v1/applications", json=many_keys))
    assert await stored(conn) == before


async def test_polygons_with_a_million_vertices_or_crossing(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    before = await stored(conn)
    ring = [[116.4 + (i % 1000) * 1e-6, 39.9 + (i // 1000) * 1e-6] for i in range(1_000_000)]
    ring.append(ring[0])
    zone = {"type": "Polygon", "coordinates": [ring]}
    response = await client.post(
        "/api/v1/applications", json=merchant(stores=[store(radius_m=None, zone=zone)])
    )
    assert response.status_code == 413  # refused at the body limit, before any parsing
    # under the body limit, the vertex cap refuses it before shapely sees it
    ring = [[116.4 + i * 1e-6, 39.9 + (i % 2) * 1e-6] for i in range(20_000)] + [[116.4, 39.9]]
    capped = await client.post(
        "/api/v1/applications",
        json=merchant(
            stores=[store(radius_m=None, zone={"type": "Polygon", "coordinates": [ring]})]
        ),
    )
    assert capped.status_code == 422
    assert capped.json()["errors"][0]["code"] == "too_many_vertices"
    spike = {"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.41, 39.9], [116.4, 39.9]]]}
    degenerate = await client.post(
        "/api/v1/applications", json=merchant(seed=2, stores=[store(radius_m=None, zone=spike)])
    )
    assert degenerate.status_code == 422
    assert await stored(conn) == before


@pytest.mark.parametrize(
    "location",
    [
        {"lon": "NaN", "lat": 39.9, "crs": "wgs84"},
        {"lon": 116.4, "lat": 91, "crs": "wgs84"},
        {"lon": 39.9, "lat": 116.4, "crs": "wgs84"},
        {"lon": -116.4, "lat": 39.9, "crs": "gcj02"},
        {"lon": 116.4, "lat": 39.9, "crs": "EPSG:4326"},
    ],
)
async def test_bad_coordinates(
    client: AsyncTestClient, conn: asyncpg.Connection, location: dict
) -> None:
    before = await stored(conn)
    body = merchant(stores=[{**store(), "location": location}])
    response = await client.post("/api/v1/applications", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"].startswith("/stores/0/location")
    assert await stored(conn) == before


async def test_infinite_coordinate_in_raw_json(client: AsyncTestClient) -> None:
    import msgspec

    text = msgspec.json.encode(merchant()).replace(b'"lon":116.4663', b'"lon":1e999')
    assert b"1e999" in text
    response = await client.post(
        "/api/v1/applications", content=text, headers={"content-type": "application/json"}
    )
    assert_4xx_problem(response)


async def test_unicode_tricks_are_cleaned_or_refused(client: AsyncTestClient) -> None:
    sneaky = merchant(
        legal_name="\u202e司公限有市超\u200b 北京",
        credit_code=" ９１" + merchant()["credit_code"][2:] + "\u200d",
    )
    response = await client.post("/api/v1/applications", json=sneaky)
    assert response.status_code == 201, response.text
    token = response.json()["applicant_token"]
    seen = (await client.get(response.json()["status_url"], headers=bearer(token))).json()
    assert "\u202e" not in seen["legal_name"] and "\u200b" not in seen["legal_name"]
    assert seen["credit_code"] == merchant()["credit_code"]
    only_invisible = await client.post(
        "/api/v1/applications", json=merchant(seed=3, legal_name="\u200b\u200c\u200d\ufeff")
    )
    assert only_invisible.status_code == 422
    assert only_invisible.json()["errors"][0]["pointer"] == "/legal_name"


async def test_oversized_headers_are_431(client: AsyncTestClient) -> None:
    response = await client.get("/health/live", headers={"x-junk": "a" * 20_000})
    assert response.status_code == 431
    assert response.json()["type"].endswith("/headers-too-large")
    long_token = await client.get("/api/v1/users", headers=bearer("x" * 5000))
    assert long_token.status_code == 401
