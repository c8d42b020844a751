"""Monitoring rules, one test each against the real database, and the alerts' life:
open → acknowledged → resolved (who, why, audited), suspending a store from an alert."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from service.dispatch import repository as dispatch
from tests.service.redemption_world import (
    CHAOSHIFA,
    JINGKELONG,
    WUMART,
    World,
    item,
    record,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from tests.support import bearer

# A Wednesday noon (Beijing) of a past week: every record of a test falls in one week.
WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC) - timedelta(hours=8)


async def alerts(w: World, **params: Any) -> list[dict[str, Any]]:
    r = await w.client.get("/api/v1/monitoring/alerts", params=params,
                           headers=bearer(w.tokens["reviewer"]))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def rules_of(w: World) -> list[tuple[str, str]]:
    return sorted((a["rule"], a["subject"].split(":")[0]) for a in await alerts(w))


async def test_excluded_categories_raise_an_alert(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    answer = await w.send(WUMART, [
        record(store, "T-1", at=WEEK, items=[item("grain_oil", "大米", 1, 3990),
                                             item("tobacco", "香烟", 1, 2500)]),
        record(store, "T-2", at=WEEK, items=[item("daily_goods", "毛巾", 2, 1500)]),
    ])
    assert answer["alerts_raised"] == 1
    found = await alerts(w)
    assert [(a["rule"], a["evidence"]["txn_id"]) for a in found] == [("excluded_category", "T-1")]
    assert found[0]["evidence"]["items"] == [
        {"line": 1, "category": "tobacco", "name": "香烟", "amount_fen": 2500}]
    assert found[0]["store_id"] == str(store) and found[0]["status"] == "open"
    # evaluating again (every GET sweeps) never raises it twice
    assert len(await alerts(w)) == 1


async def test_redemption_at_a_store_not_active_then(world: World) -> None:
    w = world
    store = w.merchants[JINGKELONG][1][0]
    r = await w.client.patch(f"/api/v1/stores/{store}/status",
                             headers=bearer(w.tokens["dispatcher"]),
                             json={"status": "suspended", "reason": "现场抽查发现问题"})
    assert r.status_code == 200, r.text
    registered, suspended = [r["changed_at"] for r in await w.conn.fetch(
        "SELECT changed_at FROM store_status_history WHERE store_id = $1 ORDER BY id", store)]
    await w.send(JINGKELONG, [
        record(store, "before", at=registered + (suspended - registered) / 2),
        record(store, "during", at=suspended + timedelta(milliseconds=1)),
    ])
    found = await alerts(w, rule="inactive_store")
    assert [a["evidence"]["txn_id"] for a in found] == ["during"]
    assert found[0]["evidence"]["status"] == "suspended"
    assert found[0]["evidence"]["status_reason"] == "现场抽查发现问题"


async def test_a_reservation_redeemed_twice_or_by_another_store(world: World) -> None:
    w = world
    wumart_a, wumart_b = w.merchants[WUMART][1]
    day = date(2026, 11, 18)
    twice, _ = await dispatch.reserve(w.conn, wumart_a, day, "ZLB-0007", "dispatcher-1")
    elsewhere, _ = await dispatch.reserve(w.conn, wumart_a, day, "ZLB-0008", "dispatcher-1")
    once, _ = await dispatch.reserve(w.conn, wumart_a, day, "ZLB-0009", "dispatcher-1")
    await w.send(WUMART, [
        record(wumart_a, "T-1", at=WEEK, reservation_id=str(twice["id"])),
        record(wumart_a, "T-2", at=WEEK + timedelta(hours=1), reservation_id=str(twice["id"])),
        record(wumart_b, "T-3", at=WEEK, reservation_id=str(elsewhere["id"])),
        record(wumart_a, "T-4", at=WEEK, reservation_id=str(once["id"])),
    ])
    found = {a["evidence"]["kind"]: a for a in await alerts(w, rule="reservation_reuse")}
    assert set(found) == {"twice", "other_store"}
    assert found["twice"]["reservation_id"] == str(twice["id"])
    assert [x["txn_id"] for x in found["twice"]["evidence"]["redemptions"]] == ["T-1", "T-2"]
    other = found["other_store"]
    assert other["reservation_id"] == str(elsewhere["id"]) and other["store_id"] == str(wumart_b)
    assert other["evidence"]["reserved_store_id"] == str(wumart_a)


async def test_unit_prices_far_above_the_network_median(world: World) -> None:
    w = world
    a = w.merchants[WUMART][1][0]
    b = w.merchants[CHAOSHIFA][1][0]

    def rice(txn: str, unit: int, store=a) -> dict[str, Any]:
        return record(store, txn, at=WEEK, items=[item("grain_oil", "大米 5kg", 1, unit)])

    await w.send(WUMART, [rice(f"W-{i}", 4000) for i in range(4)] + [rice("W-high", 11_900)])
    # median 4000 over 5 lines: 11,900 is below 3 × 4000
    assert await alerts(w, rule="price_outlier") == []
    await w.send(CHAOSHIFA, [rice("C-1", 4000, b), rice("C-far", 12_100, b)])
    found = await alerts(w, rule="price_outlier")
    assert [(x["evidence"]["txn_id"], x["evidence"]["network_median_fen"]) for x in found] == [
        ("C-far", 4000)]
    assert found[0]["store_id"] == str(b) and found[0]["evidence"]["factor"] == 3.0
    # another week's prices are another median: the same price a week later is no outlier
    await w.send(WUMART, [record(a, f"N-{i}", at=WEEK + timedelta(days=7),
                                 items=[item("grain_oil", "大米 5kg", 1, 12_100)])
                          for i in range(5)])
    assert len(await alerts(w, rule="price_outlier")) == 1


async def test_reservations_without_feedback_for_48_hours(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    day = date(2026, 11, 18)
    made = {}
    for ref in ("silent", "redeemed", "released", "recent"):
        made[ref], _ = await dispatch.reserve(w.conn, store, day, ref, "dispatcher-1")
    await w.conn.execute(
        "UPDATE reservations SET created_at = now() - interval '49 hours' WHERE id = ANY($1)",
        [made[k]["id"] for k in ("silent", "redeemed", "released")])
    await w.conn.execute(
        "UPDATE reservations SET created_at = now() - interval '47 hours' WHERE id = $1",
        made["recent"]["id"])
    await dispatch.release(w.conn, made["released"]["id"])
    redeemed = str(made["redeemed"]["id"])
    await w.send(WUMART, [record(store, "T-1", at=WEEK, reservation_id=redeemed)])
    found = await alerts(w, rule="missing_feedback")
    assert [x["reservation_id"] for x in found] == [str(made["silent"]["id"])]
    assert found[0]["evidence"]["deadline_h"] == 48.0


async def test_items_that_do_not_add_up(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    await w.send(WUMART, [
        record(store, "sum", at=WEEK, amount=9999,
               items=[item("grain_oil", "大米", 1, 3990), item("fresh_food", "苹果", 2, 500)]),
        record(store, "line", at=WEEK, items=[item("fresh_food", "苹果", 2, 500, amount=700)]),
        record(store, "ok", at=WEEK, items=[item("fresh_food", "猪肉", 1.25, 2999)]),
    ])
    found = {x["evidence"]["txn_id"]: x["evidence"] for x in
             await alerts(w, rule="amount_mismatch")}
    assert set(found) == {"sum", "line"}
    assert (found["sum"]["amount_fen"], found["sum"]["items_sum_fen"]) == (9999, 4990)
    assert found["sum"]["lines_off"] == []
    assert [x["line"] for x in found["line"]["lines_off"]] == [0]


async def one_alert(w: World) -> dict[str, Any]:
    store = w.merchants[WUMART][1][0]
    await w.send(WUMART, [record(store, "T-1", at=WEEK, items=[item("alcohol", "白酒", 1, 9900)])])
    (alert,) = await alerts(w)
    return alert


async def test_alert_life_is_recorded_with_who_and_why(world: World) -> None:
    w = world
    alert = await one_alert(w)
    url = f"/api/v1/monitoring/alerts/{alert['id']}"
    dispatcher = bearer(w.tokens["dispatcher"])
    r = await w.client.patch(url, headers=dispatcher,
                             json={"status": "acknowledged", "reason": "已联系门店核实"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_by"]) == ("acknowledged", "dispatcher-1")
    # a stale version is refused, whoever sends it
    stale = await w.client.patch(url, headers={**dispatcher, "If-Match": '"1"'},
                                 json={"status": "resolved", "reason": "x"})
    assert stale.status_code == 412
    r = await w.client.patch(url, headers={**bearer(w.tokens["admin"]), "If-Match": '"2"'},
                             json={"status": "resolved", "reason": "门店已退款并培训收银员"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    again = await w.client.patch(url, headers=dispatcher,
                                 json={"status": "acknowledged", "reason": "重开"})
    assert again.status_code == 409
    missing = await w.client.patch(url, headers=dispatcher, json={"status": "resolved"})
    assert missing.status_code in (400, 422)
    trail = [(r["actor"], r["from_status"], r["to_status"], r["reason"]) for r in
             await w.conn.fetch("SELECT * FROM audit_log WHERE entity = 'alert' "
                                "AND entity_id = $1 ORDER BY id", str(alert["id"]))]
    assert trail == [("dispatcher-1", "open", "acknowledged", "已联系门店核实"),
                     ("admin-1", "acknowledged", "resolved", "门店已退款并培训收银员")]
    # resolved stays resolved: a later sweep does not raise the same alert again
    assert [a["status"] for a in await alerts(w)] == ["resolved"]


async def test_suspend_the_store_from_an_alert(world: World) -> None:
    w = world
    alert = await one_alert(w)
    r = await w.client.post(f"/api/v1/monitoring/alerts/{alert['id']}/suspend-store",
                            headers=bearer(w.tokens["dispatcher"]),
                            json={"reason": "售酒，暂停合作待调查"})
    assert r.status_code == 200, r.text
    assert r.json()["store_status"] == "suspended" and r.json()["status"] == "acknowledged"
    store = alert["store_id"]
    last = await w.conn.fetchrow(
        "SELECT * FROM store_status_history WHERE store_id = $1 ORDER BY id DESC LIMIT 1",
        UUID(store))
    assert (last["from_status"], last["to_status"], last["changed_by"]) == (
        "active", "suspended", "dispatcher-1")
    assert f"#{alert['id']}" in last["reason"] and "售酒" in last["reason"]
    actions = [r["action"] for r in await w.conn.fetch(
        "SELECT action FROM audit_log WHERE entity = 'alert' ORDER BY id")]
    assert actions == ["suspend_store", "alert_status"]
    # the registry's own view shows it
    detail = await w.client.get(f"/api/v1/stores/{store}", headers=bearer(w.tokens["reviewer"]))
    assert detail.json()["status"] == "suspended"
    # reviewers see alerts but do not act on them
    r = await w.client.post(f"/api/v1/monitoring/alerts/{alert['id']}/suspend-store",
                            headers=bearer(w.tokens["reviewer"]), json={"reason": "x"})
    assert r.status_code == 403
