"""Token authentication and role guards."""

from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient

from tests.support import bearer


async def test_no_token_is_401_problem(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/users")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["status"] == 401 and problem["type"].endswith("/unauthorized")
    assert problem["title_zh"]


async def test_unknown_token_is_401(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    response = await client.get("/api/v1/users", headers=bearer(tokens["admin"] + "x"))
    assert response.status_code == 401


async def test_wrong_role_is_403(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    for role in ("reviewer", "dispatcher"):
        response = await client.get("/api/v1/users", headers=bearer(tokens[role]))
        assert response.status_code == 403, role
        assert response.json()["type"].endswith("/forbidden")
    assert (await client.get("/api/v1/users", headers=bearer(tokens["admin"]))).status_code == 200


async def test_tokens_are_stored_only_as_hashes(
    conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    stored = await conn.fetch("SELECT token_hash FROM tokens")
    assert len(stored) == len(tokens)
    for row in stored:
        assert len(row["token_hash"]) == 32
        assert all(t.encode() not in bytes(row["token_hash"]) for t in tokens.values())


async def test_admin_creates_user_and_revokes_tokens(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/users",
        json={"name": "ops-2", "role": "dispatcher"},
        headers=bearer(tokens["admin"]),
    )
    assert created.status_code == 201
    token = created.json()["token"]
    me = await client.get("/api/v1/me", headers=bearer(token))
    assert me.json() == {
        "name": "ops-2",
        "role": "dispatcher",
        "can_decide": False,
        "application_id": None,
    }
    again = await client.post(
        "/api/v1/users",
        json={"name": "ops-2", "role": "dispatcher"},
        headers=bearer(tokens["admin"]),
    )
    assert again.status_code == 409
    revoked = await client.delete("/api/v1/users/ops-2/tokens", headers=bearer(tokens["admin"]))
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_failed_authentication_is_rate_limited(client: AsyncTestClient) -> None:
    statuses = [
        (await client.get("/api/v1/me", headers=bearer(f"boai_s_wrong{i}"))).status_code
        for i in range(40)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    limited = await client.get("/api/v1/me", headers=bearer("boai_s_wrong"))
    assert int(limited.headers["retry-after"]) >= 1
