"""`python -m bench`: the service at national scale against the physical limit, in one run.

Starts a throwaway PostGIS cluster, loads the synthetic network, runs `boai serve` (granian)
and measures each figure; prints the table and writes bench/results/latest.json (+ plans.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import (
    batch,
    cpu,
    db,
    freshness,
    machine,
    naive,
    network,
    plans,
    replica,
    report,
    single,
    throughput,
    workload,
    wrk,
)
from bench.server import Server
from service.registry.places import service_day

RESULTS = Path(__file__).parent / "results"


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--seconds", type=float, default=8.0, help="per measured run")
    p.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    p.add_argument("--stores", type=int, default=100_000)
    p.add_argument("--communities", type=int, default=10_000)
    p.add_argument("--real-path", type=int, default=10_000,
                   help="stores registered through the write path (the rest by COPY)")
    p.add_argument("--workers", default="auto", help="granian workers: 1, 2 or auto (try both)")
    p.add_argument("--intake-connections", type=int, default=4)
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 10,000 stores, 1,000 communities, 1 run of 2 s per figure, "
                        "2 workers, with --replica (under 2 minutes); results go to "
                        "bench/results/quick/")
    p.add_argument("--replica", action="store_true",
                   help="also the two-node figure: serving with its reads on a streaming "
                        "hot standby vs on the primary (pg_basebackup of the loaded cluster)")
    args = p.parse_args()
    if args.quick:
        args.stores, args.communities, args.real_path = 10_000, 1_000, 2_000
        args.seconds, args.runs, args.workers = 2.0, 1, "2"
        args.replica = True  # the two-node figure: ~25 s more
        if args.out == RESULTS:
            args.out = RESULTS / "quick"
    return args


def serving_figures(args: argparse.Namespace, dsn: str, token: str, tmp: Path,
                    points: list[tuple[float, float]]) -> tuple[Server, dict[str, Any]]:
    req = wrk.write_requests(tmp / "serving.txt", workload.serving_lines(points))
    throughput.serving_raw(dsn, points, 2)  # warm-up
    raw = statistics_of(args, lambda k: cpu.measured(
        lambda: throughput.serving_raw(dsn, points, args.seconds), set()))
    say(f"serving, raw SQL: {raw['rps']:.0f} q/s")
    choices = [1, 2] if args.workers == "auto" else [int(args.workers)]
    by_workers: dict[int, dict[str, Any]] = {}
    server = None
    for n in choices:
        if server is not None:
            server.stop()
        server = Server(dsn, n, tmp / "server.log").start()
        wrk.run(server.url, req, token, connections=32, seconds=2)  # warm-up
        pids = server.pids()
        by_workers[n] = statistics_of(args, lambda k, s=server, p=pids: cpu.measured(
            lambda: throughput.serving_service(s.url, req, token, args.seconds), p))
        by_workers[n]["single"] = wrk.run(server.url, req, token, connections=1, seconds=3)
        say(f"serving, service with {n} worker(s): {by_workers[n]['rps']:.0f} req/s")
    best = max(by_workers, key=lambda n: by_workers[n]["rps"])
    assert server is not None
    if server.workers != best:
        server.stop()
        server = Server(dsn, best, tmp / "server.log").start()
    return server, {"raw": raw, "service": by_workers[best],
                    "by_workers": {str(n): {k: v for k, v in r.items() if k != "runs"}
                                   for n, r in by_workers.items()}}


def statistics_of(args: argparse.Namespace, one: Any) -> dict[str, Any]:
    from bench.clients import median_of

    return median_of(args.runs, one)


async def route_figures(args: argparse.Namespace, dsn: str, server: Server, token: str,
                        tmp: Path) -> dict[str, Any]:
    jobs = workload.route_jobs(20_000, seed=21)
    req = throughput.route_requests(tmp / "route.txt", jobs)
    conn = await db.connect(dsn)
    raw_runs, svc_runs, checks = [], [], []
    try:
        for _ in range(args.runs):
            await throughput.clear_reservations(conn)
            raw_runs.append(cpu.measured(lambda: throughput.route_raw(dsn, jobs, args.seconds),
                                         set()))
            checks.append({"side": "raw", **await throughput.overbooking(conn)})
            await throughput.clear_reservations(conn)
            svc_runs.append(cpu.measured(lambda: wrk.run(
                server.url, req, token, connections=throughput.CONNECTIONS,
                seconds=args.seconds), server.pids()))
            checks.append({"side": "service", **await throughput.overbooking(conn)})
    finally:
        await conn.close()
    keys = ("rps", "p50_ms", "p99_ms", "cpu_db_ms", "cpu_service_ms", "cpu_client_ms",
            "cpu_other_ms")
    med = {side: {k: statistics.median(r[k] for r in runs) for k in keys}
           for side, runs in (("raw", raw_runs), ("service", svc_runs))}
    med["service"]["errors"] = sum(r["errors"] for r in svc_runs)
    return {**med, "checks": checks,
            "overbooking_total": sum(c["counter_over"] + c["rows_over"] + c["counter_mismatch"]
                                     for c in checks),
            "store_days_full": int(statistics.median(c["store_days_full"] for c in checks))}


def intake_figures(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    seed = int(time.time()) % 997  # distinct credit codes from any earlier run
    warm_bodies = workload.merchant_bodies(12, seed=seed, round_code=db.ROUND)
    warm = throughput.intake(server.url, warm_bodies, 30, args.intake_connections, net=1)
    say(f"intake warm-up: {warm['requests']} requests, {warm['rps']:.1f} req/s")
    # enough distinct applications for every run at the warm-up's pace, with room to spare
    per_run = int(min(max(warm["rps"] * args.seconds * 2, 100), 5_000))
    bodies = workload.merchant_bodies(per_run * args.runs, seed=seed + 1, round_code=db.ROUND)
    result = statistics_of(args, lambda k: throughput.intake(
        server.url, bodies[k * per_run: (k + 1) * per_run], args.seconds,
        args.intake_connections, net=2 + k))
    return {**result, "concurrency": args.intake_connections}


def batch_figures(args: argparse.Namespace, stores: list[Any]) -> dict[str, Any]:
    """Two instances: scarce (20 % more places than households, a third of them crowded: not
    everyone can be served, optimal serves more) and ample (ten times the places: both serve
    everyone, so total distances compare like for like)."""
    lon = np.array([s["geom"].x for s in stores])
    lat = np.array([s["geom"].y for s in stores])
    cap = np.array([s["daily_capacity"] for s in stores], dtype=float)
    out: dict[str, Any] = {}
    for name, places, crowd in (("scarce", 12_000, 0.33), ("ample", 100_000, 0.0)):
        scaled = np.maximum(1, np.round(cap * places / cap.sum()))
        runs = [batch.solve(batch.problem(lon, lat, scaled, 10_000, seed=k, crowd=crowd))
                for k in range(args.runs)]
        mid = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        out[name] = {**mid, "runs": runs, "capacity_total": int(scaled.sum())}
    return out


async def main() -> int:
    args = parse()
    if not wrk.available():
        print("bench: wrk is not installed (apt-get install wrk; scripts/bootstrap does it)",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine.describe(),
        "seconds_per_run": args.seconds, "runs": args.runs,
    }
    with db.throwaway_cluster() as (cluster, dsn, tmp):
        say(f"throwaway cluster in {tmp}; loading the network")
        cpu.POSTMASTER.append(int((tmp / "pg" / "postmaster.pid").read_text().split()[0]))
        built = await network.build(dsn, args.stores, args.communities, args.real_path)
        tokens = built["tokens"]
        results["load"] = built["load"]
        say(network.describe(built["load"]))
        conn = await db.connect(dsn)
        try:
            results["plans"] = await plans.explain_all(conn, service_day())
            one_thousand = await conn.fetch(
                "SELECT geom, daily_capacity FROM stores WHERE status = 'active' ORDER BY "
                "geom::geography <-> ST_SetSRID(ST_MakePoint(116.46, 39.92), 4326)::geography "
                "LIMIT 1000")
            every_store = await naive.load_stores(conn)
            probe = await conn.fetchrow(  # the store closed and reopened for freshness
                "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stores "
                "WHERE status = 'active' ORDER BY id LIMIT 1")
        finally:
            await conn.close()
        say("plans done")
        points = workload.household_points(5_000, seed=11)
        server, results["serving"] = serving_figures(args, dsn, tokens["dispatcher"], tmp, points)
        results["workers"] = server.workers
        try:
            results["route"] = await route_figures(args, dsn, server, tokens["dispatcher"], tmp)
            say(f"route: {results['route']['service']['rps']:.0f} req/s")
            results["intake"] = intake_figures(args, server)
            say(f"intake: {results['intake']['rps']:.1f} req/s")
            cov = [single.coverage(server.url, tokens["reviewer"]) for _ in range(args.runs)]
            results["coverage"] = sorted(cov, key=lambda c: c["seconds"])[len(cov) // 2]
            results["coverage"]["runs_s"] = [c["seconds"] for c in cov]
            results["coverage"]["cold_s"] = cov[0]["seconds"]  # the first, nothing cached
            say(f"coverage: {results['coverage']['seconds']:.2f} s")
            results["assign_api"] = single.assign(
                server.url, tokens["dispatcher"], workload.household_points(10_000, seed=31))
            results["freshness"] = freshness.measure(server.url, tokens["dispatcher"],
                                                     dict(probe))
            say(f"freshness: {results['freshness']['freshness_s']:.2f} s")
            mem = server.peak_rss_mb()
            main_pid = str(server.proc.pid) if server.proc else ""
            results["memory_mb"] = {"main": mem.pop(main_pid, 0.0), "workers": list(mem.values())}
        finally:
            server.stop()
        if args.replica:
            results["replica"] = await replica.figures(
                cluster, dsn, results["workers"], tokens["dispatcher"], tmp / "serving.txt", tmp,
                args.seconds, args.runs)
            say(f"serving with reads on the standby: {results['replica']['standby']['rps']:.0f}"
                f" req/s, on the primary: {results['replica']['primary']['rps']:.0f} req/s")
        results["batch"] = batch_figures(args, list(one_thousand))
        say(f"batch: {results['batch']['scarce']['seconds']:.2f} s")
        per_query = naive.seconds_per_query(every_store, points[:2])
        single_p50 = results["serving"]["service"]["single"]["p50_ms"]
        results["naive"] = {"seconds_per_query": per_query, "service_p50_ms": single_p50,
                            "ratio": per_query * 1000 / single_p50}
    results["goals"] = report.goals(results)
    results["total_s"] = round(time.perf_counter() - started, 1)
    path = report.write(results, args.out)
    print(f"\nNetwork: {network.describe(results['load'])}")
    print(f"Server: boai serve (granian, uvloop), {results['workers']} worker(s); "
          f"serving at 1 vs 2 workers: "
          + ", ".join(f"{n}: {r['rps']:.0f} req/s" for n, r in
                      results["serving"]["by_workers"].items()))
    m = results["machine"]
    print(f"Machine: {m['cpus']} CPUs ({m['cpu']}); two busy processes get "
          f"{m['parallel_speedup_2proc']:.2f}× one; load average at start "
          f"{m['loadavg_at_start'][0]:.2f}\n")
    print(report.table(results))
    print("\nCPU milliseconds per request (where the 2 CPUs went):\n")
    print(report.cpu_table(results))
    print("\nEXPLAIN (ANALYZE) at full scale:\n")
    print(report.plans_table(results["plans"]))
    print(f"\nwritten: {path} and {path.parent / 'plans.txt'}; total {results['total_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
