"""Amending a credit code to one already open in the round: 409, not 500, nothing changed."""

from __future__ import annotations

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.factories import merchant, open_round
from tests.support import bearer


@pytest.fixture(autouse=True)
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def test_amending_to_an_open_credit_code_is_409(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    first = (await client.post("/api/v1/applications", json=merchant(seed=41))).json()
    second = (await client.post("/api/v1/applications", json=merchant(seed=42))).json()
    headers = bearer(second["applicant_token"])
    before = await conn.fetchrow(
        "SELECT credit_code, version FROM applications WHERE id = $1::uuid", second["id"]
    )
    response = await client.patch(
        second["status_url"], json={"credit_code": merchant(seed=41)["credit_code"]},
        headers=headers,
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/conflict")
    after = await conn.fetchrow(
        "SELECT credit_code, version FROM applications WHERE id = $1::uuid", second["id"]
    )
    assert after == before
    # the connection is usable afterwards and the application still amendable
    ok = await client.patch(second["status_url"], json={"trained_staff": 7}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert first["id"] != second["id"]
