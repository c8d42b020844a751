"""A revoked token stops working in every worker of every process within a second
(`boai serve --workers 2` as a subprocess; revocations from the CLI and from the API)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import asyncpg
import httpx

from tests.serving import ROOT, free_port, stop, wait_live
from tests.support import bearer

LISTENER = "boai-auth-listener"
# Revocation must reach every worker within this bound (issue 12, item 9).
BOUND_S = 1.0


@contextlib.contextmanager
def boai_serve(dsn: str, workers: int = 2) -> Iterator[str]:
    port = free_port()
    # Many refused requests from one address below: keep them under the failure limit.
    env = {**os.environ, "DATABASE_URL": dsn, "BOAI_LOG_LEVEL": "WARNING",
           "BOAI_AUTH_FAILURE_RATE": "1000"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--workers", str(workers),
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_live(base, proc, timeout=60)
        yield base
    finally:
        stop(proc, timeout=15)


async def until(conn: asyncpg.Connection, query: str, *args: object) -> None:
    for _ in range(600):
        if await conn.fetchval(query, *args):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {query}")


async def statuses(base: str, token: str, path: str = "/api/v1/me", n: int = 30) -> set[int]:
    """n requests, each on a new connection, so the workers share them out."""
    seen = set()
    for _ in range(n):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            seen.add((await client.get(path, headers=bearer(token))).status_code)
    return seen


async def warm_every_worker(base: str, conn: asyncpg.Connection, token: str) -> None:
    """Use the token until both workers have answered it (each then holds it in its cache:
    one pooled connection per worker, since the requests come one at a time)."""
    pool_conns = (
        "SELECT count(*) >= 2 FROM pg_stat_activity WHERE datname = current_database()"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        f" AND application_name <> '{LISTENER}'"
    )
    for _ in range(20):
        assert await statuses(base, token, n=10) == {200}
        if await conn.fetchval(pool_conns):
            return
    raise AssertionError("the requests never reached both workers")


async def test_revocation_reaches_every_worker_within_a_second(
    dsn: str, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    listeners = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        f" AND application_name = '{LISTENER}'"
    )
    store_status = f"/api/v1/stores/{uuid.uuid4()}/status"
    with boai_serve(dsn) as base:
        await until(conn, f"SELECT ({listeners}) = 2")
        await warm_every_worker(base, conn, tokens["dispatcher"])
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            patch = await client.patch(
                store_status, json={"status": "closed"}, headers=bearer(tokens["dispatcher"])
            )
            assert patch.status_code not in (401, 403)
        # `boai users revoke` in another process
        revoked = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "service.cli", "users", "revoke", "dispatcher-1"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": dsn}, capture_output=True, check=True,
        )
        assert b"revoked 1 token" in revoked.stderr
        await asyncio.sleep(BOUND_S)
        assert await statuses(base, tokens["dispatcher"]) == {401}
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            patch = await client.patch(
                store_status, json={"status": "closed"}, headers=bearer(tokens["dispatcher"])
            )
            assert patch.status_code == 401

        # The listeners' connections drop: each worker reconnects and is again told at once.
        old = {r["pid"] for r in await conn.fetch(
            f"SELECT pid FROM pg_stat_activity WHERE application_name = '{LISTENER}'"
            " AND datname = current_database()"
        )}
        await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", old)
        await until(
            conn,
            f"SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name = '{LISTENER}'"
            " AND datname = current_database() AND NOT (pid = ANY($1::int[]))",
            list(old),
        )
        await warm_every_worker(base, conn, tokens["reviewer"])
        # the revoke API, answered by one worker, must reach the other too
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            deleted = await client.delete(
                "/api/v1/users/reviewer-1/tokens", headers=bearer(tokens["admin"])
            )
            assert deleted.status_code == 204
        await asyncio.sleep(BOUND_S)
        assert await statuses(base, tokens["reviewer"]) == {401}
        assert await statuses(base, tokens["reviewer2"], n=10) == {200}
