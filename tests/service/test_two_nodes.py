"""Two `boai serve` processes on two ports, one database (issue 18, item 1): they share
nothing but PostgreSQL and behave as one service. A rate limit hit half on each trips at
the global count; a store closed (and reopened) through one is followed by the other's
serving answers, and a token revoked through one is refused by the other, within 1 s."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import httpx

from tests.service.test_registry_builders import store
from tests.service.test_revocation import BOUND_S, until
from tests.serving import ROOT, free_port, stop, wait_live
from tests.support import bearer

LON, LAT = 116.4640, 39.9268  # 中路北
LIMIT = 4  # per minute and client address, for both limits


@contextlib.contextmanager
def nodes(count: int, **env: str) -> Iterator[list[str]]:
    """`count` separate `boai serve` processes (one worker each), started together; their
    base URLs. `env` names the database (DATABASE_URL, ...) and settings."""
    environment = {**os.environ, "BOAI_LOG_LEVEL": "WARNING", **env}
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for _ in range(count):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--workers", "1",
                 "--port", str(port)],
                cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started.append((f"http://127.0.0.1:{port}", proc))
        for base, proc in started:
            wait_live(base, proc, timeout=90)
        yield [base for base, _ in started]
    finally:
        for _, proc in started:
            proc.terminate()  # both at once, then each waited for
        for _, proc in started:
            stop(proc, timeout=15)


async def listening(conn: asyncpg.Connection, count: int) -> None:
    """Every node's auth and registry listeners are connected (each hears from now on)."""
    await until(
        conn,
        "SELECT count(*) FILTER (WHERE application_name = 'boai-auth-listener') >= $1"
        " AND count(*) FILTER (WHERE application_name = 'boai-registry-listener') >= $1"
        " FROM pg_stat_activity WHERE datname = current_database()",
        count,
    )


async def within(bound_s: float, holds: Callable[[], Awaitable[bool]]) -> bool:
    """Poll until `holds` (or the bound has passed); the answer of the last look. A look
    that starts before the bound counts, so a loaded machine only makes the polls fewer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    while loop.time() < deadline:
        if await holds():
            return True
        await asyncio.sleep(0.05)
    return await holds()


async def serving_ids(base: str, token: str) -> set[str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answer = await client.get("/api/v1/stores/serving", headers=bearer(token),
                                  params={"lon": LON, "lat": LAT})
        assert answer.status_code == 200, answer.text
        return {s["id"] for s in answer.json()["stores"]}


async def status(base: str, method: str, path: str, **kw: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        return await client.request(method, path, **kw)  # type: ignore[arg-type]


async def test_two_processes_on_one_database_behave_as_one_service(
    dsn: str, service_dsn: str, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    a_store = str(await store(conn, LON, LAT, home_delivery=True, radius_m=1500, name="a"))
    b_store = str(await store(conn, LON + 0.002, LAT, home_delivery=True, radius_m=1500,
                              name="b"))
    env = {
        "DATABASE_URL": service_dsn,  # the nodes run as the service's own role
        "BOAI_MIGRATION_DATABASE_URL": dsn,
        "BOAI_APPLICANT_RATE": str(LIMIT),
        "BOAI_AUTH_FAILURE_RATE": str(LIMIT),
        # the rate limits below are counted for a forwarded address of their own
        "BOAI_TRUSTED_PROXIES": "127.0.0.1",
    }
    with nodes(2, **env) as (one, two):
        await listening(conn, 2)

        # 1. Rate limits are global: LIMIT requests shared out over both nodes fill the
        # window, and the next one is refused by either node.
        applicant = {"X-Forwarded-For": "198.51.100.7"}
        counted = [
            (await status(node, "POST", "/api/v1/store-files/check", content=b"",
                          headers=applicant)).status_code
            for node in (one, two) * (LIMIT // 2)
        ]
        assert 429 not in counted, counted
        for node in (one, two):
            refused = await status(node, "POST", "/api/v1/store-files/check", content=b"",
                                   headers=applicant)
            assert refused.status_code == 429, (node, refused.text)
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        guesser = {"X-Forwarded-For": "198.51.100.8", **bearer("boai_s_guessed")}
        failures = [
            (await status(node, "GET", "/api/v1/me", headers=guesser)).status_code
            for node in (one, two) * (LIMIT // 2)
        ]
        assert failures == [401] * LIMIT
        for node in (one, two):
            assert (await status(node, "GET", "/api/v1/me", headers=guesser)).status_code == 429
        # another address still has its own limits
        other = {"X-Forwarded-For": "198.51.100.9"}
        assert (await status(one, "POST", "/api/v1/store-files/check", content=b"",
                             headers=other)).status_code != 429

        # 2. A store closed through one node is gone from the other's serving answers
        # within the bound, and back after it is reopened there.
        admin = bearer(tokens["admin"])
        assert await serving_ids(two, tokens["dispatcher"]) == {a_store, b_store}
        closed = await status(one, "PATCH", f"/api/v1/stores/{a_store}/status", headers=admin,
                              json={"status": "closed", "reason": "停业"})
        assert closed.status_code == 200, closed.text

        async def only_b() -> bool:
            return await serving_ids(two, tokens["dispatcher"]) == {b_store}

        assert await within(BOUND_S, only_b)
        reopened = await status(one, "PATCH", f"/api/v1/stores/{a_store}/status",
                                headers=admin, json={"status": "active", "reason": "复业"})
        assert reopened.status_code == 200, reopened.text

        async def both() -> bool:
            return await serving_ids(two, tokens["dispatcher"]) == {a_store, b_store}

        assert await within(BOUND_S, both)

        # 3. A token revoked through one node is refused by the other within the bound,
        # though the other held it in its cache.
        me = bearer(tokens["dispatcher"])
        assert (await status(two, "GET", "/api/v1/me", headers=me)).status_code == 200
        revoked = await status(one, "DELETE", "/api/v1/users/dispatcher-1/tokens",
                               headers=admin)
        assert revoked.status_code == 204

        async def refused() -> bool:
            return (await status(two, "GET", "/api/v1/me", headers=me)).status_code == 401

        assert await within(BOUND_S, refused)
        assert (await status(one, "GET", "/api/v1/me", headers=me)).status_code == 401
        assert (await status(two, "GET", "/api/v1/me",
                             headers=bearer(tokens["reviewer"]))).status_code == 200
