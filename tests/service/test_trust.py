"""What an outside attack found (issue 12): stuck idempotency keys, a token stored in plain
text, valid tokens locked out by others' failures, another applicant's id in a 409."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient, TestClient

from service.app import create_app
from service.auth.cache import PrincipalCache
from service.auth.principal import Principal
from tests.factories import credit_code, merchant, open_round
from tests.support import bearer, make_settings

pytestmark = pytest.mark.usefixtures("beijing2")


@pytest.fixture
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def wait_for(conn: asyncpg.Connection, query: str, *args: Any) -> Any:
    """Poll the database until `query` answers something truthy (a condition, not a clock)."""
    for _ in range(200):
        value = await conn.fetchval(query, *args)
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {query}")


# --- 3. an idempotency claim is a lease ---------------------------------------------------


async def test_key_of_a_killed_request_is_taken_over_after_its_lease(
    dsn: str, conn: asyncpg.Connection
) -> None:
    settings = make_settings(dsn, idempotency_lease_s=0.5)
    headers = {"Idempotency-Key": "killed-mid-request"}

    def submit(client: TestClient[Any]) -> Any:
        return client.post("/api/v1/applications", json=merchant(seed=301), headers=headers)

    # The sync client in a thread: the async one blocks this loop while a request runs.
    with TestClient(app=create_app(settings)) as client:
        # The request claims its key, then waits inside its transaction on this lock.
        lock = conn.transaction()
        await lock.start()
        await conn.execute("LOCK TABLE rounds IN ACCESS EXCLUSIVE MODE")
        request = asyncio.create_task(asyncio.to_thread(submit, client))
        pid = await wait_for(
            conn,
            "SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'rounds'::regclass",
        )
        assert await conn.fetchval(
            "SELECT state FROM idempotency_keys WHERE key = $1", headers["Idempotency-Key"]
        ) == "in_progress"
        # The backend dies (as when PostgreSQL restarts): the key cannot be released.
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        await lock.rollback()
        killed = await request
        assert killed.status_code == 503
        assert await conn.fetchval("SELECT count(*) FROM applications") == 0
        assert await conn.fetchval(
            "SELECT state FROM idempotency_keys WHERE key = $1", headers["Idempotency-Key"]
        ) == "in_progress"
        # Wait for the lease to run out by the database's clock: a condition, not a timing.
        await wait_for(
            conn,
            "SELECT lease_until < now() FROM idempotency_keys WHERE key = $1",
            headers["Idempotency-Key"],
        )
        retry = await asyncio.to_thread(submit, client)
        assert retry.status_code == 201, retry.text
        assert "idempotent-replayed" not in retry.headers
        token = retry.json()["applicant_token"]
        me = await asyncio.to_thread(client.get, "/api/v1/me", headers=bearer(token))
        assert me.status_code == 200
        replay = await asyncio.to_thread(submit, client)
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == retry.json()["id"]
    assert await conn.fetchval("SELECT count(*) FROM applications") == 1


async def test_a_request_whose_key_was_taken_over_stores_nothing(
    conn: asyncpg.Connection,
) -> None:
    from service.http import idempotency

    slow = idempotency.from_header("k", "POST /x", {"a": 1})
    retry = idempotency.from_header("k", "POST /x", {"a": 1})
    assert slow is not None and retry is not None
    assert await idempotency.claim(conn, slow, lease_s=0) is None
    await wait_for(conn, "SELECT lease_until < now() FROM idempotency_keys WHERE key = 'k'")
    assert await idempotency.claim(conn, retry, lease_s=60) is None  # taken over
    from service.problems import Conflict

    with pytest.raises(Conflict):
        async with conn.transaction():
            await idempotency.complete(conn, slow, 201, {"from": "slow"})
    await idempotency.release(conn, slow)  # not the owner: does nothing
    async with conn.transaction():
        await idempotency.complete(conn, retry, 201, {"from": "retry"})
    assert await conn.fetchval("SELECT response_body FROM idempotency_keys") == {"from": "retry"}


# --- 8. no usable secret in plain text ----------------------------------------------------


async def occurrences(conn: asyncpg.Connection, secret: str) -> list[str]:
    """Every text, json, array and bytea column of every table that contains `secret`."""
    columns = await conn.fetch(
        """SELECT c.table_name, c.column_name, c.data_type
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
             AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',
                                 'bytea', 'ARRAY')"""
    )
    assert len(columns) > 20
    found = []
    raw = secret.encode()
    for table, column, kind in columns:
        ident = f'"{table}"."{column}"'
        if kind == "bytea":
            query = f'SELECT count(*) FROM "{table}" WHERE position($1::bytea in {ident}) > 0'
            arg: Any = raw
        else:
            query = f'SELECT count(*) FROM "{table}" WHERE strpos({ident}::text, $1) > 0'
            arg = secret
        if await conn.fetchval(query, arg):
            found.append(f"{table}.{column}")
    return found


async def test_applicant_token_is_nowhere_in_the_database(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    headers = {"Idempotency-Key": "lost-response"}
    first = await client.post("/api/v1/applications", json=merchant(seed=302), headers=headers)
    assert first.status_code == 201
    token = first.json()["applicant_token"]
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    # a legitimate retry (the first answer was lost) ends holding a working token
    replay = await client.post("/api/v1/applications", json=merchant(seed=302), headers=headers)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    fresh = replay.json()["applicant_token"]
    assert fresh != token
    assert {k: v for k, v in replay.json().items() if k != "applicant_token"} == {
        k: v for k, v in first.json().items() if k != "applicant_token"
    }
    me = await client.get("/api/v1/me", headers=bearer(fresh))
    assert me.status_code == 200 and me.json()["application_id"] == first.json()["id"]
    # whoever held the earlier token loses it (visibly, and audited)
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    assert await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'applicant_token_reissued'"
    ) == 1
    for secret in (token, fresh):
        assert await occurrences(conn, secret) == []
        assert await occurrences(conn, secret.removeprefix("boai_a_")) == []
    # only the hash is kept
    hashes = {bytes(r["token_hash"]) for r in await conn.fetch("SELECT token_hash FROM tokens")}
    assert hashlib.sha256(fresh.encode()).digest() in hashes


# --- 10. others' failed sign-ins do not lock out a valid token ----------------------------


async def test_valid_tokens_pass_when_the_address_is_over_the_failure_limit(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    from service.auth.repository import issue_token

    applicant = (await client.post("/api/v1/applications", json=merchant(seed=303))).json()
    statuses = [
        (await client.get("/api/v1/me", headers=bearer(f"boai_s_wrong{i}"))).status_code
        for i in range(40)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    # the limit holds for unknown tokens (their lookup is what it protects)...
    assert (await client.get("/api/v1/me", headers=bearer("boai_s_other"))).status_code == 429
    # ...but a valid token is still accepted, staff or applicant, cached or not
    for token in (tokens["dispatcher"], applicant["applicant_token"], tokens["dispatcher"]):
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    # also one issued elsewhere (another process) after the burst, once the worker hears of it
    late = await issue_token(conn, "reviewer-1")
    assert late is not None
    known = client.app.state.known_tokens
    for _ in range(200):
        if hashlib.sha256(late.encode()).digest() in known:
            break
        await asyncio.sleep(0.05)
    assert (await client.get("/api/v1/me", headers=bearer(late))).status_code == 200
    # a revoked token is unknown again: limited
    await conn.execute("UPDATE tokens SET revoked_at = now() WHERE user_id IS NOT NULL")
    for _ in range(200):
        if hashlib.sha256(late.encode()).digest() not in known:
            break
        await asyncio.sleep(0.05)
    assert (await client.get("/api/v1/me", headers=bearer(late))).status_code == 429


# --- 11. another applicant's id in a problem body ----------------------------------------


async def test_duplicate_names_the_open_application_only_to_staff(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    first = (await client.post("/api/v1/applications", json=merchant(seed=304))).json()
    other = (await client.post("/api/v1/applications", json=merchant(seed=305))).json()
    admin = bearer(tokens["admin"])
    duplicate = merchant(seed=304, legal_name="别的名字")
    anonymous = await client.post("/api/v1/applications", json=duplicate)
    assert anonymous.status_code == 409 and first["id"] not in anonymous.text
    applicant = await client.post(
        "/api/v1/applications", json=duplicate, headers=bearer(other["applicant_token"])
    )
    assert applicant.status_code == 409 and first["id"] not in applicant.text
    staff = await client.post("/api/v1/applications", json=duplicate, headers=admin)
    assert staff.status_code == 409
    assert staff.json()["extensions"]["existing_application_id"] == first["id"]
    # the amend path: another applicant switching to a known credit code
    switch = {"credit_code": credit_code(304)}
    amended = await client.patch(
        other["status_url"], json=switch, headers=bearer(other["applicant_token"])
    )
    assert amended.status_code == 409 and first["id"] not in amended.text
    by_admin = await client.patch(other["status_url"], json=switch, headers=admin)
    assert by_admin.status_code == 409
    assert by_admin.json()["extensions"]["existing_application_id"] == first["id"]


# --- 9. the cache is trusted only while revocations reach it ------------------------------


def test_cache_trusts_entries_briefly_while_the_listener_is_down() -> None:
    now = [100.0]
    cache = PrincipalCache(ttl_s=10.0, untrusted_s=1.0, clock=lambda: now[0])
    who = Principal(token_id=1, name="a", role="admin", user_id=1)
    cache.trust_for(60.0)
    cache.put(b"d", who)
    now[0] += 5.0
    assert cache.get(b"d") == who  # listener alive: the full TTL
    cache.distrust()
    assert cache.get(b"d") is None  # down: older than the short bound is not believed
    cache.put(b"d", who)
    now[0] += 0.5
    assert cache.get(b"d") == who
    now[0] += 0.6
    assert cache.get(b"d") is None


def test_a_lookup_that_raced_a_revocation_is_not_cached() -> None:
    cache = PrincipalCache()
    cache.trust_for(60.0)
    who = Principal(token_id=1, name="a", role="admin", user_id=1)
    generation = cache.generation
    cache.clear()  # a revocation arrives while the database lookup is under way
    cache.put(b"d", who, generation)
    assert cache.get(b"d") is None
