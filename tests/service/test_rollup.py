"""The consumption report's rollup (migration 0021) says what the raw rows say: every
group_by, whole-day periods, households counted once across bitmap chunks, re-sent batches
(one after the other and at the same time) counted once."""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from service.redemptions import reports
from service.redemptions import repository as repo
from tests.service.redemption_world import (
    CHAOSHIFA,
    JINGKELONG,
    WUMART,
    World,
    item,
    record,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

CATEGORIES = ["grain_oil", "daily_goods", "fresh_food", "drinking_water", "tobacco"]
PHASES = ["preparedness", "warning", "recovery"]
START = datetime(2026, 11, 10, 16, 0, tzinfo=UTC)  # Beijing midnight: days split in UTC


def random_batch(rng: random.Random, w: World, merchant: str, prefix: str, n: int,
                 households: list[str]) -> list[dict[str, Any]]:
    stores = w.merchants[merchant][1]
    out = []
    for k in range(n):
        lines = [item(rng.choice(CATEGORIES), f"货品{rng.randrange(5)}",
                      rng.choice([1, 2, 0.5, 1.25]), rng.randrange(100, 5000))
                 for _ in range(rng.randrange(1, 4))]  # often two lines of one category
        at = START + timedelta(minutes=rng.randrange(0, 8 * 24 * 60))
        out.append(record(rng.choice(stores), f"{prefix}-{k}", at=at,
                          phase=rng.choice(PHASES), household=rng.choice(households),
                          items=lines))
    return out


def rows(records: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in records]


async def assert_rollup_is_raw(conn: asyncpg.Connection) -> None:
    periods = [(None, None, None, None),
               (START + timedelta(days=2), START + timedelta(days=5),
                date(2026, 11, 13), date(2026, 11, 16))]
    for start, end, first, last in periods:
        for dims in itertools.product([False, True], repeat=6):
            raw = rows(await repo.consumption(conn, list(dims), start, end))
            rolled = rows(await repo.consumption_rollup(conn, list(dims), first, last))
            assert rolled == raw, (dims, start)
            assert raw  # the data reaches every period
    prices = await conn.fetch("SELECT * FROM price_week_counts ORDER BY 1, 2, 3")
    assert rows(prices) == rows(await conn.fetch(
        "SELECT i.category, date_trunc('week', r.at AT TIME ZONE 'Asia/Shanghai')::date AS week,"
        " i.unit_price_fen, count(*) AS lines FROM redemption_items i"
        " JOIN redemptions r ON r.id = i.redemption_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"))


async def test_rollup_equals_the_raw_rows_on_random_data(world: World) -> None:
    w = world
    rng = random.Random(16)
    first = [f"HH-A{i}" for i in range(10)]
    later = first + [f"HH-B{i}" for i in range(10)]
    batches = {(WUMART, "W1"): random_batch(rng, w, WUMART, "W1", 60, first)}
    batches.update({(m, p): random_batch(rng, w, m, p, 60, later)
                    for m, p in [(WUMART, "W2"), (JINGKELONG, "J1"), (CHAOSHIFA, "C1")]})
    for (merchant, prefix), batch in batches.items():
        assert (await w.send(merchant, batch))["accepted"] == len(batch)
        if prefix == "W1":
            # the later households' ids take the first ones' bits in the next bitmap chunk:
            # a group's chunks must be counted apart, then added
            await w.conn.execute("ALTER TABLE household_ids ALTER COLUMN id RESTART WITH 4097")
    chunks = await w.conn.fetch("SELECT DISTINCT id / 4096 AS c FROM household_ids")
    assert sorted(r["c"] for r in chunks) == [0, 1]
    # a re-send changes nothing; a batch half re-sent, half new, adds only the new half
    again = await w.send(WUMART, batches[(WUMART, "W1")])
    assert (again["accepted"], again["duplicates"]) == (0, 60)
    mixed = batches[(JINGKELONG, "J1")][:30] + random_batch(rng, w, JINGKELONG, "J2", 30, later)
    answer = await w.send(JINGKELONG, mixed)
    assert (answer["accepted"], answer["duplicates"]) == (30, 30)
    assert await w.conn.fetchval("SELECT count(*) FROM redemptions") == 270
    await assert_rollup_is_raw(w.conn)


async def test_a_batch_sent_twice_at_once_is_counted_once(world: World) -> None:
    w = world
    batch = random_batch(random.Random(7), w, WUMART, "P", 40,
                         [f"HH-{i}" for i in range(12)])
    # the second in reverse order: the two must not wait on each other in a cycle
    answers = await asyncio.gather(w.send(WUMART, batch), w.send(WUMART, batch[::-1]))
    assert sorted(a["accepted"] for a in answers) == [0, 40]
    assert sum(a["duplicates"] for a in answers) == 40
    assert await w.conn.fetchval("SELECT count(*) FROM redemption_items") == sum(
        len(r["items"]) for r in batch)
    await assert_rollup_is_raw(w.conn)


async def test_the_report_reads_the_rollup_for_whole_days_only(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    at = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    await w.send(WUMART, [record(store, "D-1", at=at, items=[item("grain_oil", "米", 1, 500)])])
    # the rollup alone answers whole days: changing it shows which path a report took
    await w.conn.execute("UPDATE redemption_rollup SET amount_fen = amount_fen + 1")
    midnight = datetime.fromisoformat("2026-11-18T00:00:00+08:00")
    day = await reports.consumption(w.conn, ["phase"], midnight, None)
    assert day.totals.amount_fen == 501
    hour = await reports.consumption(w.conn, ["phase"], midnight + timedelta(hours=1), None)
    assert hour.totals.amount_fen == 500
    assert reports.beijing_day(midnight) == date(2026, 11, 18)
    assert reports.beijing_day(at) is False and reports.beijing_day(None) is None


async def test_the_service_cannot_rewrite_reported_redemptions(service_dsn: str,
                                                               world: World) -> None:
    store = world.merchants[WUMART][1][0]
    await world.send(WUMART, [record(store, "X-1")])
    conn = await asyncpg.connect(service_dsn)
    try:
        for sql in ("UPDATE redemptions SET amount_fen = 0",
                    "DELETE FROM redemption_items", "TRUNCATE redemptions CASCADE"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
    finally:
        await conn.close()


async def test_the_price_rule_median_is_the_median_of_every_line_of_the_week(
        world: World) -> None:
    """The weekly medians come from per-price line counts (price_week_counts): they must be
    what percentile_cont over the week's lines gives, for odd and even counts, with prices
    repeated and spread over several batches."""
    w = world
    rng = random.Random(21)
    store = w.merchants[WUMART][1][0]
    for week, n in ((0, 13), (1, 16)):
        monday = datetime(2026, 11, 9, 12, 0, tzinfo=UTC) + timedelta(days=7 * week)
        prices = [rng.choice([300, 450, 450, 500, 520, 800, 999]) for _ in range(n - 1)]
        lines = [record(store, f"M{week}-{k}", at=monday + timedelta(hours=k),
                        items=[item("fresh_food", "菜", 1, p)]) for k, p in enumerate(prices)]
        lines.append(record(store, f"M{week}-far", at=monday,
                            items=[item("fresh_food", "菜", 1, 90_000)]))
        for part in (lines[:5], lines[5:9], lines[9:]):
            await w.send(WUMART, part)
        evidence = await w.conn.fetchval(
            "SELECT evidence FROM monitoring_alerts WHERE rule = 'price_outlier' "
            "AND evidence->>'txn_id' = $1", f"M{week}-far")
        assert evidence is not None
        assert evidence["network_median_fen"] == statistics.median([*prices, 90_000])
        assert evidence["sample"] == n


async def test_the_migration_builds_the_rollup_of_what_is_already_stored(world: World) -> None:
    """Migration 0021 fills the rollup and the price counts from redemptions stored before
    it: its statements, run again over emptied tables, give what the feed keeps."""
    from service.db.migrate import MIGRATIONS_DIR

    w = world
    rng = random.Random(5)
    households = [f"HH-{i}" for i in range(8)]
    for merchant, prefix in [(WUMART, "M1"), (CHAOSHIFA, "M2")]:
        await w.send(merchant, random_batch(rng, w, merchant, prefix, 40, households))
    sql = (MIGRATIONS_DIR / "0021_redemption_rollup.sql").read_text(encoding="utf-8")
    backfill = sql[sql.index("-- What is already stored, once."):sql.index("REVOKE")]
    await w.conn.execute("TRUNCATE redemption_rollup, price_week_counts, household_ids")
    await w.conn.execute(backfill)
    await assert_rollup_is_raw(w.conn)
