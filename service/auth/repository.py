"""Token and user persistence."""

from __future__ import annotations

import hmac

import asyncpg

from service.auth.principal import Principal
from service.auth.tokens import STAFF_PREFIX, hash_token, new_token
from service.db.queries import load

SQL = load("auth")


async def find_principal(pool: asyncpg.Pool, token: str) -> Principal | None:
    digest = hash_token(token)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(SQL.principal_by_token_hash, digest)
        # The lookup is by hash; compare again in constant time so no code path
        # ever compares secrets with an early-exit equality.
        if row is None or not hmac.compare_digest(bytes(row["token_hash"]), digest):
            return None
        await conn.execute(SQL.touch_token, row["token_id"])
    if row["user_id"] is not None:
        return Principal(
            token_id=row["token_id"],
            name=row["name"],
            role=row["role"],
            user_id=row["user_id"],
            can_decide=row["can_decide"] or row["role"] == "admin",
        )
    return Principal(
        token_id=row["token_id"],
        name=f"applicant:{row['application_id']}",
        role="applicant",
        application_id=row["application_id"],
    )


async def add_user(conn: asyncpg.Connection, name: str, role: str, *, can_decide: bool) -> str:
    """Create a user with a first token; return the token (shown once)."""
    token = new_token(STAFF_PREFIX)
    async with conn.transaction():
        user_id = await conn.fetchval(SQL.insert_user, name, role, can_decide)
        await conn.execute(SQL.insert_user_token, hash_token(token), user_id, "initial")
    return token


async def issue_token(conn: asyncpg.Connection, name: str, label: str = "") -> str | None:
    row = await conn.fetchrow(SQL.user_by_name, name)
    if row is None:
        return None
    token = new_token(STAFF_PREFIX)
    await conn.execute(SQL.insert_user_token, hash_token(token), row["id"], label)
    return token


async def revoke_tokens(conn: asyncpg.Connection, name: str) -> int:
    result = await conn.execute(SQL.revoke_user_tokens, name)
    return int(result.split()[-1])


async def list_users(conn: asyncpg.Connection) -> list[dict[str, object]]:
    return [dict(r) for r in await conn.fetch(SQL.list_users)]


async def user_exists(conn: asyncpg.Connection, name: str) -> bool:
    return await conn.fetchrow(SQL.user_by_name, name) is not None


async def live_token_hashes(conn: asyncpg.Connection, limit_s: float) -> list[bytes]:
    """Every token not revoked, by hash (the revocation listener's starting set)."""
    rows = await conn.fetch(SQL.live_token_hashes, timeout=limit_s)
    return [bytes(r["token_hash"]) for r in rows]
