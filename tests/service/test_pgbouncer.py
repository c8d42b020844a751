"""The service behind pgbouncer in transaction mode (issue 18, item 4): its pool goes through
pgbouncer (BOAI_PGBOUNCER: no prepared-statement cache, no `jit` startup parameter), its
listeners connect directly (BOAI_LISTEN_DATABASE_URL). Submissions, serving, a routing
reservation and a revocation heard within 1 s, all through the pooler."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg
import msgspec
import pytest

from service.config import Settings
from service.db.connect import DatabaseSetupError, resolve_dsn
from service.db.roles import SERVICE_ROLE
from tests.factories import merchant, open_round
from tests.pgbouncer import pgbouncer
from tests.service.test_dispatch import route
from tests.service.test_registry_builders import store
from tests.service.test_revocation import BOUND_S
from tests.service.test_two_nodes import (
    LAT,
    LON,
    listening,
    nodes,
    serving_ids,
    status,
    within,
)
from tests.support import bearer


@pytest.fixture
def pooled_dsn(service_dsn: str) -> Iterator[str]:
    """The test database as the service's role, through pgbouncer in transaction mode."""
    server = urlsplit(service_dsn)
    assert server.port is not None and server.password is not None
    with pgbouncer(server.port, {SERVICE_ROLE: server.password}) as port:
        yield server._replace(netloc=f"{SERVICE_ROLE}:{server.password}@127.0.0.1:{port}").geturl()


async def test_the_service_works_through_pgbouncer_in_transaction_mode(
    dsn: str, service_dsn: str, pooled_dsn: str, conn: asyncpg.Connection,
    tokens: dict[str, str],
) -> None:
    await open_round(conn)
    near = str(await store(conn, LON + 0.002, LAT, home_delivery=True, radius_m=2000,
                           daily_capacity=3, name="near"))
    env = {
        "DATABASE_URL": pooled_dsn,
        "BOAI_PGBOUNCER": "1",
        "BOAI_LISTEN_DATABASE_URL": service_dsn,
        "BOAI_MIGRATION_DATABASE_URL": dsn,
        # 24 requests at once share 10 pooled connections on a loaded machine: wait for one
        "BOAI_DB_ACQUIRE_TIMEOUT": "30",
    }
    with nodes(1, **env) as (base,):
        await listening(conn, 1)
        # Submissions: each its own transactions, through shared server connections.
        ids = []
        for seed in range(3):
            submitted = await status(base, "POST", "/api/v1/applications",
                                     json=merchant(seed=700 + seed))
            assert submitted.status_code == 201, submitted.text
            ids.append(uuid.UUID(submitted.json()["id"]))
            follow = await status(base, "GET", f"/api/v1/applications/{ids[-1]}",
                                  headers=bearer(submitted.json()["applicant_token"]))
            assert follow.status_code == 200, follow.text
        assert await conn.fetchval(
            "SELECT count(*) FROM applications WHERE id = ANY($1::uuid[])", ids) == 3

        # Serving, and a routing reservation (its capacity booked once).
        dispatcher = bearer(tokens["dispatcher"])
        assert await serving_ids(base, tokens["dispatcher"]) == {near}
        routed = await status(base, "POST", "/api/v1/dispatch/route", json=route(),
                              headers=dispatcher)
        assert routed.status_code == 200, routed.text
        assert routed.json()["reserved"]["store_id"] == near
        assert await conn.fetchval(
            "SELECT reserved FROM store_capacity WHERE store_id = $1", uuid.UUID(near)) == 1

        # Requests at once: the pool opens more connections than pgbouncer has servers,
        # so they take turns on servers (a statement prepared on one is not on another).
        async def peek(i: int) -> int:
            if i % 2:
                return len(await serving_ids(base, tokens["dispatcher"]))
            answer = await status(base, "POST", "/api/v1/dispatch/route",
                                  json=route(reserve=False), headers=dispatcher)
            assert answer.status_code == 200, answer.text
            return len(answer.json()["options"])

        assert await asyncio.gather(*(peek(i) for i in range(24))) == [1] * 24

        # A revocation is still heard: the listener is not behind the pooler.
        revoked = await status(base, "DELETE", "/api/v1/users/dispatcher-1/tokens",
                               headers=bearer(tokens["admin"]))
        assert revoked.status_code == 204

        async def refused() -> bool:
            me = await status(base, "GET", "/api/v1/me", headers=dispatcher)
            return me.status_code == 401

        assert await within(BOUND_S, refused)


def test_migrations_and_listeners_never_go_through_the_pooler() -> None:
    """Migrations hold a session-level advisory lock and SET ROLE; LISTEN needs a session."""
    pooled = Settings(database_url="postgresql://boai_service@127.0.0.1:6432/boai",
                      pgbouncer=True)
    with pytest.raises(DatabaseSetupError, match="BOAI_MIGRATION_DATABASE_URL"):
        resolve_dsn(pooled)
    direct = msgspec.structs.replace(
        pooled, migration_database_url="postgresql://boai_owner@db1/boai",
        listen_database_url="postgresql://boai_service@db1/boai",
    )
    assert resolve_dsn(direct) == ("postgresql://boai_owner@db1/boai", None, False)
    assert direct.listen_dsn == "postgresql://boai_service@db1/boai"
    assert msgspec.structs.replace(pooled, pgbouncer=False).listen_dsn == pooled.database_url
