"""A dispatcher sees a gap turn covered after an approval, routes a household there, and sees
what a drawn disaster area would take out of the network."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import ZHONGLUBEI, merchant
from tests.serving import ARTIFACTS
from tests.web.conftest import (
    approve_application,
    draw_square_around_chosen_store,
    open_round_with_panel,
    submit_application,
)

pytestmark = pytest.mark.asyncio
ZLB = "110105013029"  # 团结湖街道中路北社区


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

    await approve_application(server, tokens["reviewer"], application, "填补团结湖缺口")
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
    assert "营业时间 07:00-22:00" in await page.locator("#serving-list .store-option").inner_text()
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


async def _signed_in(server: str, tokens: dict[str, str], watched) -> None:
    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    page = watched.page
    await page.goto(f"{server}/dispatch")
    await page.get_by_label("工作人员令牌").fill(tokens["dispatcher"])
    await page.get_by_role("button", name="登录").click()
    await page.locator(f'#coverage-list [data-community="{ZLB}"]').wait_for()


async def test_phone_call_journey_find_route_declare_lift(
    server: str, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    application = await submit_application(server, merchant(seed=41))
    await approve_application(server, tokens["reviewer"], application, "填补团结湖缺口")
    watched = await open_page()
    page = watched.page
    await _signed_in(server, tokens, watched)

    # maps orient without tiles: districts, pilot community names, scale bar, Chinese controls
    districts = page.locator("#dispatch-map .leaflet-districts-pane path")
    await districts.nth(15).wait_for(state="attached")
    assert await districts.count() == 16
    assert await page.locator("#dispatch-map .district-label").count() == 16
    await page.locator("#dispatch-map .community-label", has_text="中路北社区").wait_for()
    assert await page.locator("#dispatch-map .community-label").count() >= 6
    scale = await page.locator("#dispatch-map .leaflet-control-scale-line").inner_text()
    assert scale.endswith(("米", "公里"))
    assert await page.get_by_title("放大").count() == 1
    assert await page.get_by_title("缩小").count() == 1
    assert "Vonng/adcode" in await page.locator(".leaflet-control-attribution").inner_text()

    # legend, list and map agree on colours
    colours = await page.evaluate("""() => {
      const bg = (n) => getComputedStyle(n).backgroundColor;
      const legend = Object.fromEntries(["gap", "thin", "ok"].map((b) =>
        [b, bg(document.querySelector(`.legend .swatch.${b}`))]));
      return [...document.querySelectorAll("#coverage-list li")].map((li) =>
        [li.dataset.band, bg(li.querySelector(".list-swatch")), legend[li.dataset.band]]);
    }""")
    assert {band for band, _, _ in colours} >= {"gap", "thin"}
    assert all(item == legend for _, item, legend in colours)
    # store markers sit in a pane above the delivery zones, which never catch the mouse
    panes = await page.evaluate("""() => ["zones", "stores"].map((p) =>
      Number(getComputedStyle(document.querySelector(`.leaflet-${p}-pane`)).zIndex))""")
    assert panes[1] > panes[0]
    marker = page.locator("#dispatch-map path.store-marker")
    await marker.hover()
    await page.locator(".leaflet-tooltip", has_text="团结湖店").wait_for()

    # the caller names their community: by name, then (full-width digits) by code
    await page.get_by_label("社区名称或代码").fill("中路北")
    await page.get_by_role("button", name="查找社区").click()
    chosen = page.locator(f'#coverage-list li.chosen[data-community="{ZLB}"]')
    await chosen.wait_for()
    await page.locator(".leaflet-tooltip", has_text="中路北社区：1 家门店").wait_for()
    await page.get_by_label("社区名称或代码").fill("１１０１０５０１３０３０")
    await page.get_by_role("button", name="查找社区").click()
    await page.locator('#coverage-list li.chosen[data-community="110105013030"]').wait_for()
    # a click on a list entry shows that community
    await page.locator(f'#coverage-list li[data-community="{ZLB}"]').click()
    await chosen.wait_for()

    # route the household with a ref, then find it again by that ref
    await page.get_by_label("经度").fill(str(ZHONGLUBEI[0]))
    await page.get_by_label("纬度").fill(str(ZHONGLUBEI[1]))
    await page.get_by_label("粮油").check()
    await page.get_by_label("住户编号（可选）").fill("ZLB-0042")
    await page.get_by_role("button", name="派单并预留今日配送").click()
    await page.locator("#route-result .routed").wait_for()
    await page.reload()  # a later call: a fresh console
    await page.locator(f'#coverage-list [data-community="{ZLB}"]').wait_for()
    assert await page.locator("#dispatch-map path.chosen-store").count() == 0
    await page.get_by_label("按住户编号查找今日预约").fill("ZLB-0042")
    await page.get_by_role("button", name="查找住户").click()
    found = page.locator(".household-found li")
    await found.wait_for()
    assert "团结湖店" in await found.inner_text()
    ring = page.locator("#dispatch-map path.chosen-store")
    await ring.wait_for()
    # the map is centred on the household's point (its store is on the same corner)
    r, m = await ring.bounding_box(), await page.locator("#dispatch-map").bounding_box()
    assert r is not None and m is not None
    assert abs(r["x"] + r["width"] / 2 - (m["x"] + m["width"] / 2)) < 30
    assert abs(r["y"] + r["height"] / 2 - (m["y"] + m["height"] / 2)) < 30
    await page.locator(".leaflet-tooltip", has_text="住户 ZLB-0042 的门店：团结湖店").wait_for()
    await watched.screenshot("screens/dispatch-1280")

    # a what-if around the store: the reservation would need re-routing; nothing is saved
    await draw_square_around_chosen_store(page, 60)
    await page.get_by_label("查询此处的服务门店").check()
    await page.get_by_label("灾区名称").fill("团结湖内涝（演练）")
    await page.get_by_role("button", name="查看影响").click()
    await page.locator("#area-result .what-if").wait_for()
    assert "住户 ZLB-0042" in await page.locator("#area-result .reroute").inner_text()
    await page.locator("#area-list", has_text="当前没有已宣布的灾区").wait_for()
    async with httpx.AsyncClient(base_url=server) as http:
        listed = await http.get("/api/v1/disaster-areas",
                                headers={"Authorization": f"Bearer {tokens['dispatcher']}"})
    assert listed.json()["areas"] == []

    # declared: the store is affected, listed for re-routing, the area listed
    await page.get_by_label("宣布灾区并将区内门店标记为受灾").check()
    await page.get_by_label("灾区名称").fill("团结湖内涝")
    await page.get_by_role("button", name="查看影响").click()
    await page.locator("#area-result .declared").wait_for()
    assert "住户 ZLB-0042" in await page.locator("#area-result .reroute").inner_text()
    area = page.locator("#area-list .area-item", has_text="团结湖内涝")
    await area.wait_for()
    assert "受灾门店 1 家" in await area.inner_text()
    await page.locator("#dispatch-map path.store-marker.status-affected").wait_for()
    await page.get_by_label("按住户编号查找今日预约").fill("ZLB-0042")
    await page.get_by_role("button", name="查找住户").click()
    await page.locator(".household-found li", has_text="需改派").wait_for()

    # lifted: the store is back, the list is empty again
    await page.get_by_role("button", name="解除灾区 团结湖内涝").click()
    confirm = page.get_by_role("button", name="确认解除灾区 团结湖内涝")
    await confirm.wait_for()
    async with httpx.AsyncClient(base_url=server) as http:  # one tap lifts nothing
        listed = await http.get("/api/v1/disaster-areas",
                                headers={"Authorization": f"Bearer {tokens['dispatcher']}"})
    assert [a["name"] for a in listed.json()["areas"]] == ["团结湖内涝"]
    await confirm.click()
    await page.locator('#lift-result [data-outcome="restored"]', has_text="团结湖店").wait_for()
    await page.locator("#area-list", has_text="当前没有已宣布的灾区").wait_for()
    await page.locator("#dispatch-map path.store-marker.status-active").wait_for()
    assert await page.locator("#dispatch-map path.store-marker.status-affected").count() == 0


async def test_phone_width_screenshot(server: str, tokens: dict[str, str], open_page) -> None:
    watched = await open_page(phone=True)
    await watched.page.set_viewport_size({"width": 375, "height": 812})
    await _signed_in(server, tokens, watched)
    await watched.page.locator("#dispatch-map .district-label").first.wait_for()
    # nothing wider than the screen
    overflow = await watched.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    await watched.screenshot("screens/dispatch-375")
