"""A dispatcher sees a gap turn covered after an approval, routes a household there, and sees
what a drawn disaster area would take out of the network."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import ZHONGLUBEI, merchant
from tests.web.conftest import open_round_with_panel, submit_application

pytestmark = pytest.mark.asyncio
ZLB = "110105013029"  # 团结湖街道中路北社区


async def approve(server: str, token: str, application: dict) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server) as http:
        etag = (await http.get(application["status_url"], headers=headers)).headers["etag"]
        decided = await http.post(
            f"/api/v1/applications/{application['id']}/decision",
            headers={**headers, "If-Match": etag},
            json={"decision": "approved", "reason": "填补团结湖缺口"},
        )
    assert decided.status_code == 200, decided.text


async def test_gap_turns_covered_and_household_is_routed(
    server: str, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    application = await submit_application(server, merchant(seed=41))
    watched = await open_page()
    page = watched.page

    await page.goto(f"{server}/dispatch")
    await page.get_by_label("工作人员令牌").fill(tokens["dispatcher"])
    await page.get_by_role("button", name="登录").click()
    zlb = page.locator(f'#coverage-list [data-community="{ZLB}"]')
    await zlb.wait_for()
    assert await zlb.get_attribute("data-gap") == "true"
    assert await page.locator("#dispatch-map path.leaflet-interactive").count() >= 6
    await watched.screenshot("web-dispatch-gap")

    await approve(server, tokens["reviewer"], application)
    await page.get_by_role("button", name="刷新覆盖").click()
    await page.locator(f'#coverage-list [data-community="{ZLB}"][data-gap="false"]').wait_for()

    # a click on the map fills the household's position in the map's coordinate system
    box = await page.locator("#dispatch-map").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.locator("#serving-list li").first.wait_for()
    assert await page.get_by_label("坐标系").input_value() == "wgs84"

    await page.get_by_label("经度").fill(str(ZHONGLUBEI[0]))
    await page.get_by_label("纬度").fill(str(ZHONGLUBEI[1]))
    await page.get_by_role("button", name="查询服务门店").click()
    await page.locator("#serving-list").filter(has_text="能送货到此处的门店：1 家").wait_for()
    assert await page.locator("#serving-list .store-option").count() == 1
    await page.get_by_label("粮油").check()
    await page.get_by_label("住户编号（可选）").fill("ZLB-0001")
    await page.get_by_role("button", name="派单并预留今日配送").click()
    routed = page.locator("#route-result .routed")
    await routed.wait_for()
    assert "团结湖店" in await routed.inner_text()
    assert "余量 39" in await routed.inner_text()

    # a what-if disaster area drawn around the middle of the map (where it is now: filling
    # the form scrolled the page)
    await page.get_by_label("添加灾区顶点").check()
    await page.locator("#dispatch-map").scroll_into_view_if_needed()
    box = await page.locator("#dispatch-map").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-80, -80), (80, -80), (80, 80), (-80, 80)):
        await page.mouse.click(cx + dx, cy + dy)
    await page.get_by_label("灾区名称").fill("朝阳区内涝（演练）")
    await page.get_by_role("button", name="查看影响").click()
    await page.locator("#area-result").filter(has_text="模拟").wait_for()
    await watched.screenshot("web-dispatch-routed")
