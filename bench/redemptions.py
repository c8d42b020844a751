"""Redemption feed benchmark: N records through the service's own path (the same validation,
pseudonymisation, duplicate check, bulk insert and monitoring rules as POST /api/v1/redemptions,
called without HTTP in batches of 5,000) against bare COPY of the same rows into twin tables
with the same indexes, in the same run. Then the consumption report's time.

    .venv/bin/python -m bench.redemptions --records 1000000

Records arrive in time order over 52 weeks (the price rule's weekly medians grow with a
week's volume), two
stores of one merchant, two items each. Prints one JSON object; writes
bench/results/redemptions.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from bench.db import connect, throwaway_cluster
from service.db.migrate import migrate
from service.redemptions import reports
from service.redemptions import service as feed
from service.redemptions.feed import RawRecord
from service.redemptions.keys import Merchant
from service.seed.loader import FIXTURES_DIR
from service.seed.rounds import load_network
from tests.support import make_settings

BATCH = 5_000
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


async def run(n: int) -> dict[str, Any]:
    with throwaway_cluster() as (_cluster, dsn, _base):
        first = await connect(dsn)
        await migrate(first)
        await first.close()
        conn = await connect(dsn)  # codecs for the types the migrations created
        items = msgspec.json.decode((FIXTURES_DIR / "network_beijing1.json").read_bytes())
        await load_network(conn, items["items"])
        app_id, stores = (await conn.fetch(
            "SELECT a.id, array_agg(s.id::text ORDER BY s.name) AS stores FROM applications a "
            "JOIN stores s ON s.application_id = a.id GROUP BY a.id "
            "ORDER BY count(*) DESC LIMIT 1"))[0]
        await conn.execute(TWINS)
        settings = make_settings(dsn, household_key="bench-household-key")
        merchant = Merchant(0, app_id, "bench")
        epoch = datetime(2025, 11, 1, tzinfo=UTC)

        validate_s = service_s = copy_s = 0.0
        for start in range(0, n, BATCH):
            batch = records(start, min(BATCH, n - start), list(stores), epoch, n)
            raws = [RawRecord(i, r) for i, r in enumerate(batch)]
            t = time.perf_counter()
            feed.validate(raws, b"bench-household-key")
            validate_s += time.perf_counter() - t
            t = time.perf_counter()
            answer = await feed.ingest(conn, merchant, raws, settings)
            service_s += time.perf_counter() - t
            assert answer.accepted == len(batch), answer.rejected_records[:2]
            reds, its = bare_rows(batch, start + 1, app_id, uuid.uuid4())
            t = time.perf_counter()
            async with conn.transaction():
                await conn.copy_records_to_table("bare_redemptions", records=reds)
                await conn.copy_records_to_table("bare_items", records=its)
            copy_s += time.perf_counter() - t

        t = time.perf_counter()
        report = await reports.consumption(conn, ["phase", "category"], None, None)
        report_s = time.perf_counter() - t
        t = time.perf_counter()
        await reports.consumption(conn, ["community", "day"], None, None)
        report_day_s = time.perf_counter() - t
        await conn.close()
    service_rate, copy_rate = n / service_s, n / copy_s
    return {
        "records": n, "batch": BATCH,
        "service_records_per_s": round(service_rate),
        "bare_copy_records_per_s": round(copy_rate),
        "ratio_to_bare_copy": round(service_rate / copy_rate, 3),
        "validation_only_records_per_s": round(n / validate_s),
        "report_phase_category_s": round(report_s, 3),
        "report_community_day_s": round(report_day_s, 3),
        "report_totals": report.totals.redemptions,
        "goals": {"records_per_s": 20_000, "report_s": 1.0},
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.redemptions", description=__doc__)
    p.add_argument("--records", type=int, default=1_000_000)
    result = asyncio.run(run(p.parse_args().records))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
