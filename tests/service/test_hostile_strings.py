"""Strings PostgreSQL cannot store, bytes that are not UTF-8, and text kept as typed.

Every string that reaches the database comes from a JSON body (walked by the validator),
a query parameter or a path parameter; each is answered 4xx naming the field, with
nothing stored. Chinese text keeps its full-width punctuation; codes and numbers fold.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.factories import merchant, open_round, store
from tests.support import bearer

NUL = "\x00"
HOSTILE = [NUL, "\x07", "\x1b[2J", "\x85"]


@pytest.fixture(autouse=True)
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def stored(conn: asyncpg.Connection) -> tuple[int, ...]:
    return tuple(
        [
            await conn.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("applications", "application_stores", "audit_log", "disaster_areas",
                          "rounds")
        ]
    )


def assert_names(response: Any, status: int, pointer: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["content-type"].startswith("application/problem+json")
    pointers = [e["pointer"] for e in response.json()["errors"]]
    assert pointer in pointers, pointers


def _with(body: dict[str, Any], path: list[Any], value: str) -> dict[str, Any]:
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize("evil", HOSTILE)
@pytest.mark.parametrize(
    "path",
    [
        ["legal_name"],
        ["credit_code"],
        ["round"],
        ["wechat_pay_mch_id"],
        ["settlement_contact", "name"],
        ["stores", 0, "name"],
        ["stores", 0, "address"],
        ["stores", 0, "opening_hours"],
        ["stores", 0, "categories", 0],
    ],
)
async def test_control_characters_in_intake_fields_are_422(
    client: AsyncTestClient, conn: asyncpg.Connection, path: list[Any], evil: str
) -> None:
    before = await stored(conn)
    body = merchant()
    original = body
    for key in path:
        original = original[key]
    body = _with(body, path, f"北京{evil}华联" if path[-1] != 0 else f"grain_oil{evil}")
    response = await client.post("/api/v1/applications", json=body)
    assert_names(response, 422, "/" + "/".join(map(str, path)))
    assert response.json()["errors"][0]["code"] == "bad_character"
    assert await stored(conn) == before


async def test_nul_in_object_keys_and_nested_geojson(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    before = await stored(conn)
    zone = {"type": "Polygon", "coordinates": [], f"x{NUL}": 1}
    response = await client.post(
        "/api/v1/applications", json=merchant(stores=[store(radius_m=None, zone=zone)])
    )
    assert_names(response, 422, f"/stores/0/delivery/zone/x{NUL}")
    assert await stored(conn) == before


async def test_nul_in_amendment_answer_and_names(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    created = (await client.post("/api/v1/applications", json=merchant(seed=5))).json()
    headers = bearer(created["applicant_token"])
    before = await stored(conn)
    for patch, pointer in [
        ({"legal_name": f"北京{NUL}"}, "/legal_name"),
        ({"answer": f"已补充{NUL}"}, "/answer"),
        ({"stores": [store(name=f"店{NUL}")]}, "/stores/0/name"),
    ]:
        response = await client.patch(created["status_url"], json=patch, headers=headers)
        assert_names(response, 422, pointer)
    assert await stored(conn) == before


async def test_nul_in_staff_bodies(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    created = (await client.post("/api/v1/applications", json=merchant(seed=6))).json()
    app_url = f"/api/v1/applications/{created['id']}"
    admin, dispatcher = bearer(tokens["admin"]), bearer(tokens["dispatcher"])
    before = await stored(conn)
    area = {"type": "Polygon", "coordinates": [[[116.46, 39.92], [116.48, 39.92],
                                                [116.48, 39.94], [116.46, 39.92]]]}
    cases = [
        ("/api/v1/disaster-areas", {"name": f"朝阳{NUL}", "area": area}, dispatcher, "/name"),
        ("/api/v1/dispatch/route",
         {"household": {"lon": 116.46, "lat": 39.93, "ref": f"H{NUL}1"}, "home_delivery": True,
          "phase": "warning"}, dispatcher, "/household/ref"),
        ("/api/v1/dispatch/assign",
         {"households": [{"ref": f"H{NUL}", "lon": 116.46, "lat": 39.93}],
          "home_delivery": True}, dispatcher, "/households/0/ref"),
        ("/api/v1/rounds", {"code": "beijing-9", "name": f"第九批{NUL}"}, admin, "/name"),
        (f"{app_url}/info-requests", {"question": f"请补充{NUL}"}, admin, "/question"),
        (f"{app_url}/reviews", {"scores": {"delivery": 50}, "comment": f"好{NUL}"}, admin,
         "/comment"),
        (f"{app_url}/decision", {"decision": "rejected", "reason": f"不符{NUL}合"}, admin,
         "/reason"),
        ("/api/v1/users", {"name": f"u{NUL}", "role": "reviewer"}, admin, "/name"),
    ]
    for url, payload, headers, pointer in cases:
        assert_names(await client.post(url, json=payload, headers=headers), 422, pointer)
    assert await stored(conn) == before


async def test_nul_in_query_and_path_parameters(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    for url, pointer in [
        ("/api/v1/applications?round=%00", "/round"),
        ("/api/v1/applications?round=beijing-2%01", "/round"),
        ("/api/v1/rounds/%00/ranking", "/code"),
        ("/api/v1/rounds/beijing-2/reviewers", None),
        ("/api/v1/stores/serving?lon=116.4&lat=39.9&category=grain%00", "/category"),
        ("/api/v1/communities?crs=%00", "/crs"),
    ]:
        response = await client.get(url, headers=admin)
        if pointer is None:
            assert response.status_code == 200
            continue
        assert_names(response, 400, pointer)
    deleted = await client.delete("/api/v1/rounds/beijing-2/reviewers/x%00y", headers=admin)
    assert_names(deleted, 400, "/user")
    put = await client.put("/api/v1/rounds/%00x/reviewers/x", headers=admin)
    assert_names(put, 400, "/code")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "merchant", "legal_name": "\xff\xfe"}',
        b'{"kind": "merchant", "legal_name": "\xe5\x8c"}',  # truncated 3-byte sequence
        b'{"kind": "merchant", "legal_name": "\xed\xa0\x80"}',  # UTF-8-encoded surrogate
        b'{"kind": "merchant", "legal_name": "\\ud800"}',  # lone surrogate escape
        b'{"kind": "merchant", "legal_name": "\\udc00x"}',
        b'{"kind": "merchant", "legal_\xc0\xafname": "x"}',  # overlong encoding in a key
    ],
)
async def test_invalid_utf8_and_surrogates_in_a_body_are_400(
    client: AsyncTestClient, conn: asyncpg.Connection, raw: bytes
) -> None:
    before = await stored(conn)
    response = await client.post(
        "/api/v1/applications", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await stored(conn) == before


async def test_headers_the_app_reads(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    created = (await client.post("/api/v1/applications", json=merchant(seed=8))).json()
    headers = bearer(created["applicant_token"])
    for value in ["²", "１", "9" * 40, "\x00", "W/\"\u00b9\""]:
        response = await client.patch(
            created["status_url"], json={"trained_staff": 4},
            headers={**headers, "if-match": value.encode()},
        )
        assert response.status_code in (400, 412), (value, response.status_code, response.text)
    key = await client.post(
        "/api/v1/applications", json=merchant(seed=9),
        headers={"idempotency-key": "ключ\x01".encode()},
    )
    assert_names(key, 400, "/headers/Idempotency-Key")
    rid = await client.get("/health/live", headers={"x-request-id": "a\x01b\u202e".encode()})
    assert rid.status_code == 200 and rid.headers["x-request-id"].isalnum()


async def test_chinese_text_is_kept_as_typed_and_codes_fold(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    full_width_code = "".join(chr(ord(c) + 0xFEE0) for c in merchant(seed=12)["credit_code"])
    body = merchant(
        seed=12,
        legal_name="  北京华联（测试）商贸有限公司，朝阳：一店　 ",
        credit_code=f"　{full_width_code}",
        wechat_pay_mch_id="１９０００１２３４５",
        settlement_contact={"name": "赵（敏）", "mobile": "＋８６ １３８－００１３－８０００"},
        stores=[{**store(name="华联（团结湖）店"), "address": "朝阳区，团结湖：１号",
                 "categories": ["ｇｒａｉｎ_ｏｉｌ"]}],
    )
    created = await client.post("/api/v1/applications", json=body)
    assert created.status_code == 201, created.text
    seen = (await client.get(created.json()["status_url"],
                             headers=bearer(tokens["reviewer"]))).json()
    assert seen["legal_name"] == "北京华联（测试）商贸有限公司，朝阳：一店"
    assert seen["credit_code"] == merchant(seed=12)["credit_code"]
    application = seen["application"]
    assert application["wechat_pay_mch_id"] == "1900012345"
    assert application["settlement_contact"] == {"name": "赵（敏）", "mobile": "13800138000"}
    assert application["stores"][0]["name"] == "华联（团结湖）店"
    assert application["stores"][0]["address"] == "朝阳区，团结湖：１号"
    assert application["stores"][0]["categories"] == ["grain_oil"]
    assert seen["stores"][0]["name"] == "华联（团结湖）店"
    question = "请补充：营业执照（副本）。"
    asked = await client.post(f"/api/v1/applications/{created.json()['id']}/info-requests",
                              json={"question": f" {question} "},
                              headers=bearer(tokens["admin"]))
    assert asked.status_code in (200, 201), asked.text
    seen = (await client.get(created.json()["status_url"],
                             headers=bearer(tokens["reviewer"]))).json()
    assert seen["info_requests"][0]["question"] == question
