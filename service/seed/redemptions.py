"""A week of redemptions at the first batch's stores across the three phases, reported
through the feed's own path (validation, pseudonymisation, rules), with one case of each
monitoring rule. Dates are relative to the load (the week before it); txn_ids are fixed, so
loading again adds nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from service.config import Settings
from service.redemptions import service as feed
from service.redemptions.feed import RawRecord
from service.redemptions.keys import Merchant
from service.redemptions.repository import SQL
from service.registry.places import BEIJING, service_day
from service.registry.repository import change_status

ACTOR = "fixtures"
# What each phase's households buy: (category, name, unit price in fen).
BASKETS: dict[str, list[tuple[str, str, int]]] = {
    "preparedness": [
        ("grain_oil", "东北大米 5kg", 3990), ("grain_oil", "花生油 5L", 6990),
        ("grain_oil", "面粉 5kg", 2990), ("fresh_food", "鸡蛋 30枚", 2590),
        ("fresh_food", "纯牛奶 12盒", 4990), ("daily_goods", "毛巾", 1500),
        ("daily_goods", "洗衣粉 2kg", 2290), ("elderly_care", "成人纸尿裤", 5900),
        ("mother_infant", "婴儿奶粉 800g", 23800), ("emergency_kit", "家庭应急包", 12900),
    ],
    "warning": [
        ("drinking_water", "矿泉水 24瓶", 3600), ("grain_oil", "方便面 一箱", 4500),
        ("emergency_kit", "手电筒", 5900), ("emergency_kit", "家庭应急包", 12900),
        ("medical_supplies", "医用绷带", 1200), ("medical_supplies", "碘伏消毒液", 990),
        ("daily_goods", "5号电池 8节", 2390),
    ],
    "recovery": [
        ("appliances", "冰箱 双门", 199900), ("appliances", "冰箱 三门", 259900),
        ("bedding", "棉被", 15900), ("kitchenware", "炒锅", 8900),
        ("clothing", "保暖内衣", 12900), ("stationery", "书包", 6900),
        ("fuel_heating", "电暖器", 19900), ("grain_oil", "东北大米 5kg", 3990),
    ],
}
HOUSEHOLDS = {"安贞": "AZ", "回龙观": "HLG", "团结湖": "ZLB", "旧宫": "JG"}


def _phase(day: int) -> str:
    # Days 0-2 routine preparedness, a warning on days 3-4, recovery on days 5-6.
    return "preparedness" if day < 3 else "warning" if day < 5 else "recovery"


def _record(store: asyncpg.Record, txn: str, at: datetime, household: str, phase: str,
            lines: list[tuple[str, str, int, int]], amount: int | None = None,
            reservation: UUID | None = None) -> dict[str, Any]:
    items = [{"category": c, "name": n, "quantity": q, "unit_price_fen": p,
              "amount_fen": q * p} for c, n, p, q in lines]
    return {"txn_id": txn, "store_id": str(store["id"]), "at": at.isoformat(),
            "voucher_id": f"BA{txn[-10:]}", "household_ref": household, "phase": phase,
            "amount_fen": sum(i["amount_fen"] for i in items) if amount is None else amount,
            "items": items,
            "reservation_id": str(reservation) if reservation else None}


def _prefix(store: asyncpg.Record) -> str:
    return next((v for k, v in HOUSEHOLDS.items() if k in store["name"]), "HH")


async def _reservation(conn: asyncpg.Connection, store: asyncpg.Record, ref: str,
                       at: datetime) -> UUID:
    found = await conn.fetchval(SQL.fixture_reservation_by_ref, ref)
    if found is not None:
        return found
    return await conn.fetchval(SQL.fixture_reservation, store["id"], at.date(), ref, at)


async def _week(conn: asyncpg.Connection, stores: list[asyncpg.Record],
                start: datetime) -> dict[UUID, list[dict[str, Any]]]:
    rnd = random.Random(16)  # noqa: S311  (reproducible fixture data, no secret)
    batches: dict[UUID, list[dict[str, Any]]] = {}
    for store in stores:
        prefix = _prefix(store)
        for day in range(7):
            phase = _phase(day)
            for n in range(rnd.randint(5, 8)):
                at = start + timedelta(days=day, hours=9 + rnd.randint(0, 10),
                                       minutes=rnd.randint(0, 59))
                household = f"{prefix}-{rnd.randint(1, 40):04d}"
                picks = rnd.sample(BASKETS[phase], k=rnd.randint(1, 3))
                lines = [(c, name, p, 1 if p > 50000 else rnd.randint(1, 3))
                         for c, name, p in picks]
                txn = f"FX-{prefix}-{day}-{n:02d}"
                # every third purchase was routed by a dispatcher first
                reservation = (await _reservation(conn, store, f"FX-{txn}", at - timedelta(
                    hours=3)) if n % 3 == 0 else None)
                batches.setdefault(store["application_id"], []).append(
                    _record(store, txn, at, household, phase, lines, reservation=reservation))
    return batches


async def _cases(conn: asyncpg.Connection, by_name: dict[str, asyncpg.Record],
                 start: datetime) -> dict[UUID, list[dict[str, Any]]]:
    """One case of each rule but `inactive_store` (see _inactive_case)."""
    anzhen, hlg, tjh = by_name["安贞"], by_name["回龙观"], by_name["团结湖"]
    at = start + timedelta(days=2, hours=15)
    routed = await _reservation(conn, anzhen, "FX-CASE-TWICE", at - timedelta(hours=2))
    elsewhere = await _reservation(conn, anzhen, "FX-CASE-ELSEWHERE", at - timedelta(hours=2))
    # reserved three days ago, never reported: missing feedback
    await _reservation(conn, tjh, "FX-CASE-SILENT", start + timedelta(days=4))
    rice = ("grain_oil", "东北大米 5kg", 3990)
    cases = {
        anzhen["application_id"]: [
            _record(anzhen, "FX-CASE-TWICE-1", at, "AZ-0901", "preparedness", [(*rice, 1)],
                    reservation=routed),
            _record(anzhen, "FX-CASE-TWICE-2", at + timedelta(hours=1), "AZ-0901",
                    "preparedness", [(*rice, 1)], reservation=routed),
            _record(hlg, "FX-CASE-ELSEWHERE", at, "HLG-0902", "preparedness", [(*rice, 1)],
                    reservation=elsewhere),
            _record(hlg, "FX-CASE-PRICE", at, "HLG-0903", "preparedness",
                    [("grain_oil", "东北大米 5kg", 15900, 1)]),
            _record(anzhen, "FX-CASE-SUM", at, "AZ-0904", "preparedness",
                    [(*rice, 1), ("daily_goods", "毛巾", 1500, 1)], amount=6000),
        ],
        tjh["application_id"]: [
            _record(tjh, "FX-CASE-TOBACCO", at, "ZLB-0905", "preparedness",
                    [(*rice, 1), ("tobacco", "香烟 一条", 23000, 1)]),
        ],
    }
    return cases


async def _inactive_case(conn: asyncpg.Connection, store: asyncpg.Record,
                         settings: Settings) -> int:
    """A spot check suspends 旧宫店; a redemption reported while it is suspended; reopened.
    The registry keeps every status change with its time, so `at` (just after the
    suspension) falls in the suspended period."""
    txn = "FX-CASE-SUSPENDED"
    if await conn.fetchval(SQL.fixture_txn_exists, store["application_id"], txn):
        return 0
    await change_status(conn, store["id"], "suspended", "现场抽查：价签缺失（fixtures）", ACTOR)
    at = datetime.now(UTC)
    record = _record(store, txn, at, "JG-0906", "recovery",
                     [("bedding", "棉被", 15900, 1)])
    answer = await _ingest(conn, store, [record], settings)
    await change_status(conn, store["id"], "active", "整改完成，恢复合作（fixtures）", ACTOR)
    return answer


async def _ingest(conn: asyncpg.Connection, store: asyncpg.Record,
                  records: list[dict[str, Any]], settings: Settings) -> int:
    merchant = Merchant(0, store["application_id"], store["legal_name"])
    raws = [RawRecord(i, r) for i, r in enumerate(records)]
    answer = await feed.ingest(conn, merchant, raws, settings)
    if answer.rejected:
        raise ValueError(f"fixture redemptions rejected: {answer.rejected_records[:3]}")
    return answer.accepted


async def load_redemptions(conn: asyncpg.Connection, settings: Settings) -> int:
    stores = await conn.fetch(SQL.pilot_stores)
    by_name = {k: s for s in stores for k in HOUSEHOLDS if k in s["name"]}
    if len(by_name) < len(HOUSEHOLDS):
        return 0
    # From Beijing midnight eight days ago: the week ends the evening of the day before
    # yesterday, so every record is reported at least 28 hours late whatever the hour of the
    # load (a week ending yesterday made records before 11:00 UTC "timely").
    midnight = datetime.combine(service_day(), time(), BEIJING)
    start = midnight - timedelta(days=8)
    batches = await _week(conn, stores, start)
    for app_id, cases in (await _cases(conn, by_name, start)).items():
        batches.setdefault(app_id, []).extend(cases)
    loaded = 0
    first_store = {s["application_id"]: s for s in stores}
    for app_id, records in batches.items():
        loaded += await _ingest(conn, first_store[app_id], records, settings)
    loaded += await _inactive_case(conn, by_name["旧宫"], settings)
    return loaded
