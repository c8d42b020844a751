"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from litestar import Controller, Request, get

from service.db import migrate
from service.http.problems import ServiceUnavailable

_EXPECTED = frozenset(m.version for m in migrate.discover())


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "live"}

    @get("/ready", summary="The database answers and every migration is applied")
    async def ready(self, request: Request) -> dict[str, object]:
        pool = request.app.state.pool
        try:
            async with asyncio.timeout(2.0):
                async with pool.acquire() as conn:
                    applied = await migrate.applied_versions(conn)
        except Exception as exc:  # any failure to reach the database means not ready
            raise ServiceUnavailable(
                f"Database not reachable ({type(exc).__name__}).",
                "数据库无法连接。",
                headers={"Retry-After": "5"},
            ) from None
        missing = sorted(_EXPECTED - applied.keys())
        if missing:
            raise ServiceUnavailable(
                f"Migrations not applied: {', '.join(missing)}.",
                "数据库迁移尚未全部完成。",
                headers={"Retry-After": "5"},
            )
        return {"status": "ready", "migrations": len(applied)}
