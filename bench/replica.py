"""The two-node figure (issue 18): serving throughput with its reads on the primary and on a
streaming hot standby of it, measured back to back in the same run, same workers, same
requests. Both servers run on this one machine, so the standby adds no CPU here: the figure
is the cost (or not) of the standby's read path, not the capacity a second machine adds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from bench import cpu, throughput, wrk
from bench.server import Server
from service.db.cluster import EmbeddedCluster
from service.db.standby import StandbyCluster


async def _standby_sessions(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'boai-service'"))
    finally:
        await conn.close()


async def figures(primary: EmbeddedCluster, dsn: str, workers: int, token: str, req: Path,
                  tmp: Path, seconds: float, runs: int) -> dict[str, Any]:
    """Both servers up at once, measured in turns (primary, standby, primary, ...): a busy
    neighbour then weighs on both figures alike. Medians of `runs` (at least 2) each."""
    standby = StandbyCluster(tmp / "standby")
    standby.clone(primary)
    servers: dict[str, Server] = {}
    try:
        standby_dsn = standby.start()
        standby_pid = int((standby.pgdata / "postmaster.pid").read_text().split()[0])
        cpu.POSTMASTER.append(standby_pid)  # its backends count as database CPU too
        for where, env in (("primary", {}), ("standby", {"BOAI_REPLICA_URLS": standby_dsn})):
            servers[where] = Server(dsn, workers, tmp / f"server-{where}.log", env=env).start()
            wrk.run(servers[where].url, req, token, connections=8, seconds=2)  # warm-up
        measured: dict[str, list[dict[str, Any]]] = {where: [] for where in servers}
        for _ in range(max(runs, 2)):
            for where, server in servers.items():
                measured[where].append(cpu.measured(
                    lambda s=server: throughput.serving_service(s.url, req, token, seconds),
                    server.pids()))
        out: dict[str, Any] = {where: _median(found) for where, found in measured.items()}
        out["standby_sessions"] = await _standby_sessions(standby_dsn)  # the reads went there
        out["standby_vs_primary"] = out["standby"]["rps"] / out["primary"]["rps"]
        cpu.POSTMASTER.remove(standby_pid)
        return out
    finally:
        for server in servers.values():
            server.stop()
        standby.stop()


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["rps"])
    return {**ordered[len(ordered) // 2], "runs_rps": [r["rps"] for r in runs]}
