"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

import shapely
from litestar import Controller, Request, get

from service.db import migrate
from service.db.pool import is_stale_catalog
from service.http.errors import DB_UNAVAILABLE
from service.problems import ServiceUnavailable

_EXPECTED = frozenset(m.version for m in migrate.discover())
# A geometry round trip: through the pool's codecs both ways, as the real queries are.
_PROBE = shapely.Point(116.4663, 39.9303)
_ROUND_TRIP = "SELECT ST_SetSRID($1::geometry, 4326)"


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "live"}

    @get(
        "/ready",
        summary="The database answers, every migration is applied and geometry round-trips",
    )
    async def ready(self, request: Request) -> dict[str, object]:
        pool = request.app.state.pool
        try:
            async with asyncio.timeout(2.0):
                async with pool.acquire() as conn:
                    applied = await migrate.applied_versions(conn)
                    if _EXPECTED <= applied.keys():
                        echoed = await conn.fetchval(_ROUND_TRIP, _PROBE)
                        if not shapely.equals_exact(echoed, _PROBE, 1e-9):
                            raise ValueError("geometry did not round-trip")
        except Exception as exc:  # any failure to run the real queries means not ready
            if not isinstance(exc, DB_UNAVAILABLE) or is_stale_catalog(exc):
                # Reachable but unusable: codecs from before PostGIS existed or before a
                # restore gave its types new OIDs. Fresh connections register them again.
                pool.expire()
            raise ServiceUnavailable(
                f"Database not usable ({type(exc).__name__}).",
                "数据库暂不可用。",
                headers={"Retry-After": "5"},
            ) from None
        missing = sorted(_EXPECTED - applied.keys())
        if missing:
            pool.expire()  # connections made before PostGIS existed lack its codec
            raise ServiceUnavailable(
                f"Migrations not applied: {', '.join(missing)}.",
                "数据库迁移尚未全部完成。",
                headers={"Retry-After": "5"},
            )
        answer: dict[str, object] = {"status": "ready", "migrations": len(applied)}
        reads = getattr(request.app.state, "reads", None)
        if reads is not None and reads.standbys:
            # Counts, not names: the probe is public. A standby out of use leaves the
            # service ready (its reads go to the primary); operators see it here and in logs.
            answer["standbys"] = reads.counts()
        return answer
