"""`boai fixtures load`: a week of redemptions at the pilot stores across the three phases,
one case of each monitoring rule, nothing added by loading again."""

from __future__ import annotations

from collections import Counter

import asyncpg
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.seed.loader import load_fixtures
from tests.service.redemption_world import HOUSEHOLD_KEY
from tests.support import bearer, make_settings


async def test_fixture_week_has_one_case_of_each_rule(
    dsn: str, service_dsn: str, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    settings = make_settings(dsn, household_key=HOUSEHOLD_KEY)
    counts = await load_fixtures(dsn, settings)
    assert counts["redemptions"] > 100
    phases = {r["phase"]: r["n"] for r in await conn.fetch(
        "SELECT phase, count(*) AS n FROM redemptions GROUP BY phase")}
    assert set(phases) == {"preparedness", "warning", "recovery"}
    days = await conn.fetchval(
        "SELECT count(DISTINCT (at AT TIME ZONE 'Asia/Shanghai')::date) FROM redemptions")
    assert days >= 7
    stores = await conn.fetchval("SELECT count(DISTINCT store_id) FROM redemptions")
    assert stores == 4

    app = create_app(make_settings(service_dsn, household_key=HOUSEHOLD_KEY))
    async with AsyncTestClient(app=app) as client:
        r = await client.get("/api/v1/monitoring/alerts", headers=bearer(tokens["reviewer"]))
        assert r.status_code == 200, r.text
        items = r.json()["items"]
    rules = Counter(a["rule"] for a in items)
    assert rules == {"excluded_category": 1, "inactive_store": 1, "reservation_reuse": 2,
                     "price_outlier": 1, "missing_feedback": 1, "amount_mismatch": 1}
    kinds = sorted(a["evidence"]["kind"] for a in items if a["rule"] == "reservation_reuse")
    assert kinds == ["other_store", "twice"]
    # the suspended store was reopened after the spot check
    assert await conn.fetchval("SELECT count(*) FROM stores WHERE status <> 'active'") == 0

    before = await conn.fetchval("SELECT count(*) FROM redemptions")
    history = await conn.fetchval("SELECT count(*) FROM store_status_history")
    again = await load_fixtures(dsn, settings)
    assert again["redemptions"] == 0
    assert await conn.fetchval("SELECT count(*) FROM redemptions") == before
    assert await conn.fetchval("SELECT count(*) FROM store_status_history") == history
