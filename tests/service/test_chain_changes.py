"""Chains after approval against the real database: opening hours kept on the registry store,
each kind of change request through to the registry (by the panel with If-Match, or by the
round's rules), and the reviewers' list of pending requests."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.factories import merchant, open_round, store
from tests.support import bearer

pytestmark = pytest.mark.usefixtures("beijing2")
SUNHE = (116.5391, 40.0512)  # a pilot community no registry store serves yet


@pytest.fixture
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def approved(client: AsyncTestClient, tokens: dict[str, str], seed: int) -> dict[str, Any]:
    """An approved merchant with two Zhonglubei branches; the reviewer on the panel."""
    admin, reviewer = bearer(tokens["admin"]), bearer(tokens["reviewer"])
    joined = await client.put("/api/v1/rounds/beijing-2/reviewers/reviewer-1", headers=admin)
    assert joined.status_code == 200
    late = store("二店", 116.4665, 39.9305)
    late["opening_hours"] = "09:00-21:00"
    created = await client.post("/api/v1/applications", json=merchant(
        seed=seed, stores=[store("一店"), late]))
    assert created.status_code == 201, created.text
    app = created.json()
    etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
    decided = await client.post(
        f"{app['status_url']}/decision", headers={**reviewer, "If-Match": etag},
        json={"decision": "approved", "reason": "覆盖好"},
    )
    assert decided.status_code == 200, decided.text
    return {**app, "registry": decided.json()["registry_stores"], "own": bearer(
        app["applicant_token"]), "reviewer": reviewer}


async def rules(client: AsyncTestClient, tokens: dict[str, str], **change_rules: Any) -> None:
    response = await client.put(
        "/api/v1/rounds/beijing-2/rubric", headers=bearer(tokens["admin"]),
        json={"rubric": {"change_rules": change_rules}},
    )
    assert response.status_code == 200, response.text


async def ask(client: AsyncTestClient, app: dict[str, Any], body: dict[str, Any]) -> dict:
    response = await client.post(
        f"{app['status_url']}/change-requests", headers=app["own"], json=body
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_opening_hours_enter_the_registry_and_change_by_request(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    app = await approved(client, tokens, seed=301)
    first, second = app["registry"]
    detail = (await client.get(f"/api/v1/stores/{second}", headers=app["reviewer"])).json()
    assert detail["opening_hours"] == "09:00-21:00"
    exported = (await client.get("/api/v1/stores.geojson", headers=app["reviewer"])).json()
    hours = {f["properties"]["name"]: f["properties"]["opening_hours"]
             for f in exported["features"]}
    assert hours == {"一店": "07:00-22:00", "二店": "09:00-21:00"}
    dispatcher = bearer(tokens["dispatcher"])
    serving = (await client.get("/api/v1/stores/serving", headers=dispatcher,
                                params={"lon": 116.4663, "lat": 39.9303})).json()
    assert {s["name"]: s["opening_hours"] for s in serving["stores"]} == hours

    # Opening hours change only when the panel approves (rules or not: never automatic).
    await rules(client, tokens, auto_add_stores=True, auto_increases=True)
    asked = await ask(client, app, {"kind": "update_store", "store_id": first,
                                    "changes": {"opening_hours": "00:00-24:00"}})
    assert asked["status"] == "pending" and asked["decided_rule"] is None
    assert await conn.fetchval(
        "SELECT opening_hours FROM stores WHERE id = $1::uuid", first) == "07:00-22:00"
    decided = await client.post(
        f"/api/v1/change-requests/{asked['id']}/decision",
        headers={**app["reviewer"], "If-Match": f'"{asked["version"]}"'},
        json={"decision": "approved", "reason": "改为24小时营业"},
    )
    assert decided.status_code == 200, decided.text
    detail = (await client.get(f"/api/v1/stores/{first}", headers=app["reviewer"])).json()
    assert detail["opening_hours"] == "00:00-24:00"
    trail = await conn.fetchrow(
        "SELECT actor, details FROM audit_log WHERE entity = 'store' AND entity_id = $1", first
    )
    assert trail["actor"] == "reviewer-1"
    assert trail["details"]["before"] == {"opening_hours": "07:00-22:00"}
    assert trail["details"]["after"] == {"opening_hours": "00:00-24:00"}
    serving = (await client.get("/api/v1/stores/serving", headers=dispatcher,
                                params={"lon": 116.4663, "lat": 39.9303})).json()
    assert {s["name"]: s["opening_hours"] for s in serving["stores"]}["一店"] == "00:00-24:00"


async def test_round_rules_approve_branches_that_add_coverage(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    app = await approved(client, tokens, seed=302)
    # Rules off (the default): even a branch that adds coverage waits for the panel.
    waiting = await ask(client, app, {"kind": "add_stores", "stores": [store("孙河店", *SUNHE)]})
    assert waiting["status"] == "pending"
    assert await conn.fetchval("SELECT count(*) FROM stores") == 2

    await rules(client, tokens, auto_add_stores=True)
    auto = await ask(client, app, {"kind": "add_stores",
                                   "stores": [store("孙河二店", SUNHE[0] + 0.001, SUNHE[1])]})
    assert auto["status"] == "approved" and auto["decided_by"] == "system"
    assert auto["decided_rule"] == "auto_add_stores" and len(auto["registry_stores"]) == 1
    assert await conn.fetchval("SELECT status FROM stores WHERE name = '孙河二店'") == "active"
    trail = await conn.fetchrow(
        "SELECT actor, reason, details FROM audit_log WHERE action = 'change_decided'"
        " AND details->>'change_request_id' = $1", auto["id"],
    )
    assert trail["actor"] == "system" and trail["details"]["rule"] == "auto_add_stores"
    assert "本批次规则自动通过" in trail["reason"]

    # Zhonglubei has its two branches already (k = 2): a third duplicates, the panel decides.
    duplicate = await ask(client, app, {"kind": "add_stores",
                                        "stores": [store("三店", 116.4661, 39.9301)]})
    assert duplicate["status"] == "pending"
    # A branch failing a gate (nothing voucher-eligible) never passes automatically either.
    tobacco = store("烟酒店", 116.5395, 40.0515)
    tobacco["categories"] = ["tobacco", "alcohol"]
    gated = await ask(client, app, {"kind": "add_stores", "stores": [tobacco]})
    assert gated["status"] == "pending"
    assert await conn.fetchval("SELECT count(*) FROM stores") == 3


async def test_round_rules_approve_increases_but_never_closing(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    app = await approved(client, tokens, seed=303)
    first, second = app["registry"]
    manual = await ask(client, app, {"kind": "update_store", "store_id": first,
                                     "changes": {"daily_capacity": 60}})
    assert manual["status"] == "pending"  # rules off

    await rules(client, tokens, auto_increases=True, max_increase_factor=2)
    raised = await ask(client, app, {"kind": "update_store", "store_id": second,
                                     "changes": {"daily_capacity": 60, "radius_m": 2500}})
    assert raised["status"] == "approved" and raised["decided_rule"] == "auto_increases"
    row = await conn.fetchrow("SELECT daily_capacity, radius_m FROM stores WHERE id = $1::uuid",
                              second)
    assert (row["daily_capacity"], row["radius_m"]) == (60, 2500)
    trail = await conn.fetchrow(
        "SELECT actor, details FROM audit_log WHERE entity = 'store' AND entity_id = $1", second
    )
    assert trail["actor"] == "system"
    assert trail["details"]["before"] == {"daily_capacity": 40, "radius_m": 1500}

    for changes in ({"daily_capacity": 200},  # more than twice: the panel looks at it
                    {"daily_capacity": 20},   # lowered
                    {"radius_m": 1000}):
        asked = await ask(client, app, {"kind": "update_store", "store_id": first,
                                        "changes": changes})
        assert asked["status"] == "pending", changes
    closing = await ask(client, app, {"kind": "close_store", "store_id": first})
    assert closing["status"] == "pending"
    assert await conn.fetchval("SELECT status FROM stores WHERE id = $1::uuid", first) == "active"
    assert await conn.fetchval(
        "SELECT daily_capacity FROM stores WHERE id = $1::uuid", first) == 40


async def test_reviewers_list_pending_requests_and_decide_with_if_match(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    app = await approved(client, tokens, seed=304)
    reviewer = app["reviewer"]
    asked = await ask(client, app, {"kind": "close_store", "store_id": app["registry"][0],
                                    "reason": "租约到期"})
    listed = await client.get("/api/v1/change-requests", headers=reviewer)
    assert listed.status_code == 200
    [item] = listed.json()
    assert item["id"] == asked["id"] and item["store_name"] == "一店"
    assert item["legal_name"] == "北京物美商业集团股份有限公司" and item["version"] == 1

    url = f"/api/v1/change-requests/{asked['id']}/decision"
    body = {"decision": "rejected", "reason": "片区仍需该店"}
    missing = await client.post(url, headers=reviewer, json=body)
    assert missing.status_code == 428
    stale = await client.post(url, headers={**reviewer, "If-Match": '"7"'}, json=body)
    assert stale.status_code == 412
    no_right = await client.post(url, headers={**bearer(tokens["reviewer2"]), "If-Match": '"1"'},
                                 json=body)
    assert no_right.status_code == 403
    assert await conn.fetchval(
        "SELECT status FROM store_change_requests WHERE id = $1::uuid", asked["id"]) == "pending"
    done = await client.post(url, headers={**reviewer, "If-Match": '"1"'}, json=body)
    assert done.status_code == 200 and done.headers["etag"] == '"2"'
    assert done.json()["decision_reason"] == "片区仍需该店"
    # The second reviewer, who read version 1 too, cannot overwrite it silently.
    late = await client.post(url, headers={**reviewer, "If-Match": '"1"'},
                             json={"decision": "approved", "reason": "同意"})
    assert late.status_code in (409, 412)
    assert (await client.get("/api/v1/change-requests", headers=reviewer)).json() == []
