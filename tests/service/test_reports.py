"""The consumption report's sums against a small dataset computed by hand, JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from service.dispatch import repository as dispatch
from tests.service.redemption_world import (
    CHAOSHIFA,
    JINGKELONG,
    WUMART,
    World,
    item,
    record,
    store_named,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from tests.support import bearer


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


async def load_dataset(w: World) -> None:
    anzhen = await store_named(w.conn, "安贞店")
    huilongguan = await store_named(w.conn, "回龙观店")
    tuanjiehu = await store_named(w.conn, "团结湖店")
    reserved, _ = await dispatch.reserve(w.conn, anzhen, date(2026, 11, 18), "HH-1", "d")
    await dispatch.reserve(w.conn, anzhen, date(2026, 11, 18), "HH-9", "d")  # never redeemed
    await w.send(WUMART, [
        record(anzhen, "R1", at=bj("2026-11-18T10:00:00"), household="HH-1",
               reservation_id=str(reserved["id"]),
               items=[item("grain_oil", "大米 5kg", 1, 3990),
                      item("daily_goods", "毛巾", 1, 1200)]),
        record(anzhen, "R2", at=bj("2026-11-18T16:00:00"), household="HH-2", phase="warning",
               items=[item("drinking_water", "矿泉水", 12, 200)]),
        record(huilongguan, "R3", at=bj("2026-11-19T10:00:00"), household="HH-1",
               items=[item("grain_oil", "大米 5kg", 2, 3990)]),
    ])
    # 01:00 in Beijing is the evening before in UTC: days are Beijing days
    await w.send(JINGKELONG, [
        record(tuanjiehu, "R4", at=bj("2026-11-20T01:00:00"), household="HH-3",
               phase="recovery", items=[item("appliances", "冰箱", 1, 199_900)]),
    ])
    await w.send(CHAOSHIFA, [record(
        w.merchants[CHAOSHIFA][1][0], "R5", at=datetime.now(UTC) - timedelta(hours=1),
        household="HH-4", items=[item("fresh_food", "鸡蛋", 1, 1000)])])


async def report(w: World, *group_by: str, **params: str) -> dict:
    r = await w.client.get("/api/v1/reports/consumption",
                           params={"group_by": ",".join(group_by), **params},
                           headers=bearer(w.tokens["reviewer"]))
    assert r.status_code == 200, r.text
    return r.json()


def cells(rows: list[dict], *keys: str) -> dict[tuple, tuple]:
    return {tuple(r.get(k) for k in keys): (r["redemptions"], r["households"], r["amount_fen"])
            for r in rows}


async def test_sums_by_phase_category_store_and_day(world: World) -> None:
    w = world
    await load_dataset(w)
    anzhen = str(await store_named(w.conn, "安贞店"))
    huilongguan = str(await store_named(w.conn, "回龙观店"))
    tuanjiehu = str(await store_named(w.conn, "团结湖店"))
    old = {"to": "2026-11-21T00:00:00+08:00"}  # leaves R5 (today) out

    by_phase = await report(w, "phase", **old)
    assert cells(by_phase["rows"], "phase") == {
        ("preparedness",): (2, 1, 3990 + 1200 + 2 * 3990),  # HH-1 twice: one household
        ("warning",): (1, 1, 12 * 200),
        ("recovery",): (1, 1, 199_900),
    }
    assert by_phase["totals"]["redemptions"] == 4 and by_phase["totals"]["households"] == 3
    assert by_phase["totals"]["amount_fen"] == 13_170 + 2_400 + 199_900
    assert {r["phase_zh"] for r in by_phase["rows"]} == {"日常备灾", "灾害预警", "灾后恢复"}

    by_phase_cat = await report(w, "category", "phase", **old)
    assert by_phase_cat["group_by"] == ["category", "phase"]
    assert cells(by_phase_cat["rows"], "phase", "category") == {
        ("preparedness", "daily_goods"): (1, 1, 1200),
        ("preparedness", "grain_oil"): (2, 1, 3990 + 7980),
        ("warning", "drinking_water"): (1, 1, 2400),
        ("recovery", "appliances"): (1, 1, 199_900),
    }
    assert all(r["eligible"] is True and r["category_zh"] for r in by_phase_cat["rows"])

    by_store = await report(w, "store", **old)
    assert cells(by_store["rows"], "store_id") == {
        (anzhen,): (2, 2, 5190 + 2400), (huilongguan,): (1, 1, 7980),
        (tuanjiehu,): (1, 1, 199_900)}

    by_day = await report(w, "day", **old)
    assert cells(by_day["rows"], "day") == {
        ("2026-11-18",): (2, 2, 7590), ("2026-11-19",): (1, 1, 7980),
        ("2026-11-20",): (1, 1, 199_900)}

    # the period: from is inclusive, to exclusive
    one_day = await report(w, "phase", **{"from": "2026-11-19T00:00:00+08:00",
                                          "to": "2026-11-20T00:00:00+08:00"})
    assert cells(one_day["rows"], "phase") == {("preparedness",): (1, 1, 7980)}


async def test_community_and_district_follow_the_stores(world: World) -> None:
    """A store's community: the one it lies in, else the nearest within 5 km (the first
    batch's stores lie just outside the pilot estates' outlines)."""
    w = world
    await load_dataset(w)
    rows = (await report(w, "community", "district"))["rows"]
    assert {(r["community_name"], r["district"]): r["amount_fen"] for r in rows} == {
        ("安贞里社区", "朝阳区"): 5190 + 2400,  # 安贞店
        ("龙博苑社区", "昌平区"): 7980,  # 回龙观店
        ("中路南社区", "朝阳区"): 199_900,  # 团结湖店
        ("清逸园社区", "大兴区"): 1000,  # 旧宫店, inside its outline
    }
    by_district = (await report(w, "district"))["rows"]
    assert {r["district"]: r["households"] for r in by_district} == {
        "朝阳区": 3, "昌平区": 1, "大兴区": 1}


async def test_routing_share_and_timeliness(world: World) -> None:
    w = world
    await load_dataset(w)
    body = await report(w)
    assert body["routing"] == {"reserved": 2, "redeemed": 1, "share": 0.5}
    timely = {t["merchant_name"]: t for t in body["timeliness"]}
    assert {k: v["records"] for k, v in timely.items()} == {WUMART: 3, JINGKELONG: 1,
                                                            CHAOSHIFA: 1}
    assert timely[CHAOSHIFA]["within_24h_share"] == 1.0  # reported an hour after
    assert timely[WUMART]["within_24h_share"] == 0.0  # days late
    assert timely[WUMART]["median_lag_h"] > 24


async def test_csv_has_the_same_rows(world: World) -> None:
    w = world
    await load_dataset(w)
    js = await report(w, "phase", "category")
    r = await w.client.get("/api/v1/reports/consumption",
                           params={"group_by": "phase,category", "format": "csv"},
                           headers=bearer(w.tokens["dispatcher"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["category", "category_zh", "eligible", "phase", "phase_zh",
                             "redemptions", "households", "amount_fen", "item_lines"]
    assert {(x["phase"], x["category"]): int(x["amount_fen"]) for x in rows} == {
        (x["phase"], x["category"]): x["amount_fen"] for x in js["rows"]}
    assert any(x["category_zh"] == "家用电器" for x in rows)


async def test_unknown_dimension_is_a_problem(world: World) -> None:
    r = await world.client.get("/api/v1/reports/consumption", params={"group_by": "phase,colour"},
                               headers=bearer(world.tokens["reviewer"]))
    assert r.status_code == 400 and r.json()["errors"][0]["pointer"] == "/group_by"
