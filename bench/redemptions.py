"""Redemption feed benchmark, through HTTP: N records POSTed to /api/v1/redemptions as JSON
batches of 5,000 (the API's limit), `--concurrency` batches in flight, to `boai serve
--workers 2` connected as the service's role: the feed's whole path (body read, parse,
validation, pseudonymisation, key scope and duplicate checks, binary COPY into staging,
one INSERT … SELECT of records, items, rollup and price counts, the monitoring rules). In
the same run, the same rows by bare binary COPY into twin tables with the same indexes.
Then the consumption report (read from the rollup) and, once, the same report from the raw
rows, whose answers must agree.

    .venv/bin/python -m bench.redemptions --records 1000000

Records arrive in time order over 52 weeks, two stores of one merchant, two items each,
20,000 households. Prints one JSON object; writes bench/results/redemptions.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec

from bench import cpu
from bench.db import throwaway_cluster
from bench.server import Server
from service.db.migrate import migrate
from service.db.pool import register_codecs
from service.redemptions import reports
from service.redemptions import repository as repo
from service.redemptions import service as feed
from service.redemptions.feed import from_json
from service.seed.loader import FIXTURES_DIR, load_communities
from service.seed.rounds import load_network

BATCH = 5_000
HOUSEHOLD_KEY = "bench-household-key"
RESULTS = Path(__file__).parent / "results" / "redemptions.json"
ITEMS = [("grain_oil", "东北大米 5kg", 3990), ("daily_goods", "毛巾", 1500),
         ("fresh_food", "鸡蛋 30枚", 2590), ("drinking_water", "矿泉水 24瓶", 3600)]


def records(start: int, count: int, stores: list[str], epoch: datetime,
            total: int) -> list[dict[str, Any]]:
    # In time order, as a feed arrives: a batch covers a few hours to a day or two.
    step = 364 * 24 * 3600 / total
    out = []
    for i in range(start, start + count):
        a, b = ITEMS[i % 4], ITEMS[(i + 1) % 4]
        out.append({
            "txn_id": f"B-{i:08d}", "store_id": stores[i % len(stores)],
            "at": (epoch + timedelta(seconds=i * step)).isoformat(),
            "voucher_id": f"V{i:08d}", "household_ref": f"HH-{i % 20_000:05d}",
            "phase": ("preparedness", "warning", "recovery")[i % 3],
            "amount_fen": a[2] + b[2],
            "items": [{"category": c, "name": n, "quantity": 1, "unit_price_fen": p,
                       "amount_fen": p} for c, n, p in (a, b)],
        })
    return out


TWINS = """
CREATE TABLE bare_redemptions (LIKE redemptions INCLUDING DEFAULTS INCLUDING INDEXES);
CREATE TABLE bare_items (LIKE redemption_items INCLUDING DEFAULTS INCLUDING INDEXES);
"""


def bare_rows(batch: list[dict[str, Any]], first_id: int, app_id: uuid.UUID,
              batch_id: uuid.UUID) -> tuple[list[tuple], list[tuple]]:
    reds, items = [], []
    for n, r in enumerate(batch):
        rid = first_id + n
        reds.append((rid, app_id, r["txn_id"], uuid.UUID(r["store_id"]),
                     datetime.fromisoformat(r["at"]), r["voucher_id"], b"\0" * 32, r["phase"],
                     r["amount_fen"], None, None, b"\0" * 32, batch_id,
                     datetime.now(UTC)))
        for line, it in enumerate(r["items"]):
            items.append((rid, line, it["category"], it["name"], it["quantity"],
                          it["unit_price_fen"], it["amount_fen"]))
    return reds, items


async def post_all(url: str, key: str, bodies: list[bytes], concurrency: int) -> float:
    """POST every body, `concurrency` at a time; the seconds from the first to the last answer."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    todo = iter(enumerate(bodies))

    async def client(http: httpx.AsyncClient) -> None:
        for _, body in todo:
            r = await http.post(url, content=body, headers=headers)
            assert r.status_code == 200, r.text[:500]
            answer = r.json()
            assert answer["rejected"] == 0 and answer["accepted"] + answer["duplicates"] > 0

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=600, limits=limits) as http:
        t = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        return time.perf_counter() - t


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def timed(coro: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    value = await coro
    return value, time.perf_counter() - t


async def run(n: int, concurrency: int, workers: int) -> dict[str, Any]:
    with throwaway_cluster() as (cluster, dsn, base):
        cpu.POSTMASTER.append(int((base / "pg" / "postmaster.pid").read_text().split()[0]))
        first = await asyncpg.connect(dsn)
        await migrate(first)
        await first.close()
        # as the service's pool: JIT off (service/db/pool.py)
        conn = await asyncpg.connect(dsn, server_settings={"jit": "off"})
        await register_codecs(conn)
        await load_communities(conn)
        items = msgspec.json.decode((FIXTURES_DIR / "network_beijing1.json").read_bytes())
        await load_network(conn, items["items"])
        app_id, stores = (await conn.fetch(
            "SELECT a.id, array_agg(s.id::text ORDER BY s.name) AS stores FROM applications a "
            "JOIN stores s ON s.application_id = a.id GROUP BY a.id "
            "ORDER BY count(*) DESC LIMIT 1"))[0]
        key = (await feed.issue_key(conn, app_id, "bench")).key
        await conn.execute(TWINS)
        epoch = datetime(2025, 11, 1, tzinfo=UTC)
        starts = range(0, n, BATCH)
        bodies = [msgspec.json.encode({"records": records(s, min(BATCH, n - s), list(stores),
                                                          epoch, n)}) for s in starts]

        # validation alone, in this process, over the first 50,000 records' bodies
        sample = bodies[:10]
        t = time.perf_counter()
        for body in sample:
            feed.validate(from_json(body), HOUSEHOLD_KEY.encode())
        validation_rate = sum(min(BATCH, n - s) for s in starts[:10]) / (time.perf_counter() - t)

        port = cluster.running_port()
        assert port is not None
        os.environ.update({"BOAI_HOUSEHOLD_KEY": HOUSEHOLD_KEY,
                           "BOAI_MIGRATION_DATABASE_URL": dsn, "BOAI_LOG_LEVEL": "WARNING"})
        log = Path(tempfile.gettempdir()) / f"bench-redemptions-{os.getpid()}.log"
        server = Server(cluster.service_dsn(port, dsn.rsplit("/", 1)[1]), workers, log).start()
        load_before = os.getloadavg()
        try:
            url = server.url + "/api/v1/redemptions"
            before, client_before = cpu.snapshot(server.pids()), _self_cpu()
            service_s = await post_all(url, key, bodies, concurrency)
            after, client_after = cpu.snapshot(server.pids()), _self_cpu()
            load_after = os.getloadavg()
            # a re-sent batch changes nothing
            async with httpx.AsyncClient(timeout=600) as http:
                again = (await http.post(url, content=bodies[0], headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json"})).json()
            assert (again["accepted"], again["duplicates"]) == (0, min(BATCH, n)), again
        finally:
            server.stop()
        del bodies
        stored = await conn.fetchval("SELECT count(*) FROM redemptions")
        assert stored == n, stored

        copy_s = 0.0
        for s in starts:
            batch = records(s, min(BATCH, n - s), list(stores), epoch, n)
            reds, its = bare_rows(batch, s + 1, app_id, uuid.uuid4())
            t = time.perf_counter()
            async with conn.transaction():
                await conn.copy_records_to_table("bare_redemptions", records=reds)
                await conn.copy_records_to_table("bare_items", records=its)
            copy_s += time.perf_counter() - t

        await conn.execute("VACUUM ANALYZE redemption_rollup")
        report, report_s = await timed(reports.consumption(conn, ["phase", "category"], None,
                                                           None))
        _, report_day_s = await timed(reports.consumption(conn, ["community", "day"], None,
                                                          None))
        # the report's parts: its rows from the rollup, the exact timeliness from raw rows
        dims = [d in ("phase", "category") for d in reports.DIMENSIONS]
        rolled, rollup_s = await timed(repo.consumption_rollup(conn, dims, None, None))
        _, timeliness_s = await timed(repo.timeliness(conn, None, None))
        raw, raw_s = await timed(repo.consumption(conn, dims, None, None))
        assert [dict(r) for r in raw] == [dict(r) for r in rolled]
        await conn.close()
    service_rate, copy_rate = n / service_s, n / copy_s
    # CPU seconds our processes spent on the feed, per 1,000 records: on a shared machine the
    # wall-clock rate says how much CPU the neighbours left; this says what the feed costs.
    spent = {k: 1000 * (after[k] - before[k]) / n for k in ("db", "service", "machine")}
    spent["client"] = 1000 * (client_after - client_before) / n
    server_cpu = spent["db"] + spent["service"]
    return {
        "records": n, "batch": BATCH, "path": "HTTP", "concurrency": concurrency,
        "workers": workers,
        "service_records_per_s": round(service_rate),
        "bare_copy_records_per_s": round(copy_rate),
        "ratio_to_bare_copy": round(service_rate / copy_rate, 3),
        "validation_only_records_per_s": round(validation_rate),
        "report_phase_category_s": round(report_s, 3),
        "report_community_day_s": round(report_day_s, 3),
        "report_rows_from_rollup_s": round(rollup_s, 3),
        "report_timeliness_s": round(timeliness_s, 3),
        "report_raw_phase_category_s": round(raw_s, 3),
        "report_totals": report.totals.redemptions,
        "cpu_s_per_1000_records": {k: round(v, 3) for k, v in spent.items()},
        # what the service and database alone would do on this machine's cores, idle
        "cpu_bound_records_per_s": round(1000 * (os.cpu_count() or 1) / server_cpu),
        "load_average_before_after": [round(load_before[0], 1), round(load_after[0], 1)],
        "cpus": os.cpu_count(),
        "goals": {"records_per_s": 20_000, "report_s": 1.0},
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.redemptions", description=__doc__)
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--concurrency", type=int, default=4, help="batches in flight")
    p.add_argument("--workers", type=int, default=2, help="boai serve --workers")
    args = p.parse_args()
    result = asyncio.run(run(args.records, args.concurrency, args.workers))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
