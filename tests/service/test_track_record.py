"""What the network teaches the next round: a merchant's track record (reservations
fulfilled, timeliness, violations) weighed by a new rubric version and shown on its
scorecard with the evidence."""

from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.seed.loader import load_fixtures
from tests.factories import merchant
from tests.service.redemption_world import HOUSEHOLD_KEY
from tests.support import bearer, make_settings

WUMART_CODE = "911101080AEH71GC5J"  # 北京物美, approved in the first batch (fixtures)


async def test_a_returning_merchant_is_scored_on_its_record(
    dsn: str, service_dsn: str, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    await load_fixtures(dsn, make_settings(dsn, household_key=HOUSEHOLD_KEY))
    wumart = await conn.fetchval(
        "SELECT id FROM applications WHERE credit_code = $1 AND round_code = 'beijing-1'",
        WUMART_CODE)
    records = await conn.fetchval("SELECT count(*) FROM redemptions WHERE application_id = $1",
                                  wumart)
    violations = await conn.fetchval(
        "SELECT count(*) FROM monitoring_alerts m JOIN stores s ON s.id = m.store_id "
        "WHERE s.application_id = $1 AND m.rule <> 'missing_feedback'", wumart)
    assert records > 50 and violations == 4  # the fixtures' cases at 物美's stores

    app = create_app(make_settings(service_dsn, household_key=HOUSEHOLD_KEY))
    admin, reviewer = bearer(tokens["admin"]), bearer(tokens["reviewer"])
    async with AsyncTestClient(app=app) as client:
        returning = (await client.post("/api/v1/applications", json=merchant(
            seed=7, credit_code=WUMART_CODE))).json()
        newcomer = (await client.post("/api/v1/applications", json=merchant(seed=8))).json()

        async def card(application: dict) -> dict:
            r = await client.get(f"/api/v1/applications/{application['id']}/scorecard",
                                 headers=reviewer)
            assert r.status_code == 200, r.text
            return r.json()

        # the round's first rubric does not weigh it: not on the card
        assert "track_record" not in {c["code"] for c in (await card(returning))["criteria"]}
        changed = await client.put("/api/v1/rounds/beijing-2/rubric", headers=admin, json={
            "rubric": {"merchant_weights": {"coverage": 0.4, "delivery": 0.2,
                                            "settlement": 0.2, "track_record": 0.2}}})
        assert changed.status_code == 200, changed.text
        assert (await client.post("/api/v1/rounds/beijing-2/rescore",
                                  headers=admin)).status_code == 200
        mine = {c["code"]: c for c in (await card(returning))["criteria"]}["track_record"]
        fresh = {c["code"]: c for c in (await card(newcomer))["criteria"]}["track_record"]
    facts = mine["facts"]
    assert facts["history"] is True
    assert (facts["records"], facts["violations"]) == (records, 4)
    assert facts["timely"] == 0  # the fixture week was reported all at once, days late
    assert facts["reservations"] >= facts["fulfilled"] > 0
    assert mine["weight"] == 0.2 and "派单" in mine["explanation_zh"]
    assert mine["score"] < 100
    assert fresh["facts"] == {"history": False} and fresh["score"] == 50.0
