"""/monitor in Chromium: the fixture week's categories by phase, redemptions per day, the
community map, and a dispatcher suspending a store from an alert."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.seed.loader import load_fixtures
from tests.service.redemption_world import HOUSEHOLD_KEY
from tests.serving import granian_server
from tests.support import make_settings

pytestmark = pytest.mark.asyncio


@pytest.fixture
def monitor_server(dsn: str) -> Iterator[str]:
    with granian_server(dsn, BOAI_TILE_URL="", BOAI_HOUSEHOLD_KEY=HOUSEHOLD_KEY) as (base, _p):
        yield base


async def test_monitor_shows_the_week_and_acts_on_an_alert(
    dsn: str, monitor_server: str, tokens: dict[str, str], open_page, conn
) -> None:
    await load_fixtures(dsn, make_settings(dsn, household_key=HOUSEHOLD_KEY))
    server = monitor_server
    watched = await open_page()
    page = watched.page
    await page.goto(f"{server}/monitor")
    await page.get_by_label("工作人员令牌").fill(tokens["dispatcher"])
    await page.get_by_role("button", name="登录").click()

    # categories by phase: the configured ones, tobacco only because it was reported (in red)
    await page.locator("#phase-table tbody tr").first.wait_for()
    fridge = page.locator('#phase-table tr[data-category="appliances"]')
    assert await fridge.locator('td[data-phase="recovery"]').inner_text() != "—"
    assert await fridge.locator('td[data-phase="preparedness"]').inner_text() == "—"
    tobacco = page.locator('#phase-table tr[data-category="tobacco"]')
    assert "不可购买" in await tobacco.inner_text()
    assert await tobacco.get_attribute("class") == "excluded"
    assert await page.locator('#phase-table tr[data-category="alcohol"]').count() == 0

    # redemptions over time: a bar and a line per Beijing day of the week
    assert await page.locator("#trend .trend-bar").count() >= 7
    assert await page.locator("#trend-list li").count() == await page.locator(
        "#trend .trend-bar").count()
    summary = await page.locator("#summary").inner_text()
    assert "笔核销" in summary and "派单住户" in summary

    # the map colours the communities that had redemptions
    await page.locator("#monitor-map path.leaflet-interactive").first.wait_for()
    assert await page.locator("#monitor-map path.leaflet-interactive").count() >= 6
    assert await page.locator("#timely-table tbody tr").count() == 3

    # alerts: one open alert per rule case (7); suspend the tobacco seller's store
    items = page.locator("#alert-list li")
    await items.first.wait_for()
    assert await items.count() == 7
    await watched.screenshot("web-monitor")
    tobacco_alert = page.locator('#alert-list li[data-rule="excluded_category"]')
    assert "香烟" in await tobacco_alert.inner_text()
    await tobacco_alert.get_by_label("处理说明").fill("售烟，暂停待查")
    await tobacco_alert.get_by_role("button", name="暂停该门店").click()
    # relisted: open ones only, the acknowledged one gone
    await tobacco_alert.wait_for(state="detached")
    assert await page.locator("#alert-list li").count() == 6
    status = await conn.fetchval("SELECT status FROM stores WHERE name LIKE '%团结湖%'")
    assert status == "suspended"
    await page.get_by_label("状态").select_option("acknowledged")
    done = page.locator('#alert-list li[data-rule="excluded_category"]')
    await done.wait_for()
    assert "dispatcher-1" in await done.inner_text() and "门店已暂停" in await done.inner_text()
