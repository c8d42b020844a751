"""A merchant applies from a phone: two mistakes shown next to their fields, fixed, submitted."""

from __future__ import annotations

import asyncpg
import pytest

from tests.factories import credit_code
from tests.web.conftest import open_round_with_panel

pytestmark = pytest.mark.asyncio


async def test_merchant_fixes_two_mistakes_and_gets_token(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    watched = await open_page(phone=True)
    page = watched.page
    await page.goto(f"{server}/apply?round=beijing-2")
    assert await page.locator("html").get_attribute("lang") == "zh-CN"

    await page.get_by_label("单位全称（与营业执照一致）").fill("北京好邻居便利店有限公司")
    await page.get_by_label("统一社会信用代码（18 位）").fill(credit_code(21))
    await page.get_by_label("微信支付直连商户号（8–10 位数字）").fill("1900012345")
    await page.get_by_label("结算对账联系人").fill("王芳")
    await page.get_by_label("联系人手机号").first.fill("1380013800")  # mistake 1: 10 digits
    await page.get_by_label("承诺及时、准确反馈核销与商品数据").select_option("true")
    await page.get_by_label("已参加项目培训的门店员工人数").fill("3")

    # Store 1: located by a click on the map, with a delivery zone drawn on it.
    first = page.locator(".store").nth(0)
    await first.get_by_label("门店名称").fill("团结湖店")
    await first.get_by_label("门店地址").fill("北京市朝阳区团结湖中路北1号")
    store_map = first.locator(".store-map")
    await store_map.scroll_into_view_if_needed()
    box = await store_map.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.click(cx, cy)
    assert await first.get_by_label("坐标系").input_value() == "wgs84"
    assert float(await first.get_by_label("经度").input_value()) > 116
    await first.get_by_label("添加配送区域顶点").check()
    for dx, dy in ((-50, -40), (50, -40), (0, 50)):
        await page.mouse.click(cx + dx, cy + dy)
    await first.locator(".zone-status").filter(has_text="3 个顶点").wait_for()
    await first.get_by_label("粮油").check()
    await first.get_by_label("日用品").check()
    await first.get_by_label("营业时间").fill("07:00-22:00")
    await first.get_by_label("提供送货上门").check()
    await first.get_by_label("每日可配送单数").fill("40")

    # Store 2: coordinates typed from a map app, coordinate system forgotten (mistake 2).
    await page.get_by_role("button", name="＋ 添加门店").click()
    second = page.locator(".store").nth(1)
    await second.get_by_label("门店名称").fill("安贞店")
    await second.get_by_label("门店地址").fill("北京市朝阳区安贞路2号")
    await second.get_by_label("经度").fill("116.4163")
    await second.get_by_label("纬度").fill("39.9765")
    await second.get_by_label("粮油").check()
    await second.get_by_label("营业时间").fill("08:00-21:00")
    await second.get_by_label("提供送货上门").check()
    await second.get_by_label("配送半径（米）").fill("1500")
    await second.get_by_label("每日可配送单数").fill("20")

    await page.get_by_role("button", name="提交申请").click()
    mobile_error = page.locator('[data-pointer="/settlement_contact/mobile"] .field-error')
    crs_error = page.locator('[data-pointer="/stores/1/location/crs"] .field-error')
    await mobile_error.wait_for()
    # both at once, each next to its field, in Chinese
    assert "手机号码" in await mobile_error.inner_text()
    assert "请选择坐标系" in await crs_error.inner_text()
    assert await page.locator(".field-error").count() == 2
    assert await page.get_by_label("联系人手机号").first.get_attribute("aria-invalid") == "true"
    assert "2 个字段" in await page.locator("#problem").inner_text()
    await watched.screenshot("web-apply-errors")

    await page.get_by_label("联系人手机号").first.fill("13800138000")
    await second.get_by_label("坐标系").select_option("gcj02")
    await page.get_by_role("button", name="提交申请").click()
    await page.locator("#created:not([hidden]), #problem:not([hidden])").first.wait_for()
    assert await page.locator("#problem").is_hidden(), await page.locator("#problem").inner_text()
    token_box = page.get_by_label("申请人令牌")
    token = await token_box.input_value()
    assert token.startswith("boai_a_")
    assert "请立即妥善保存此令牌" in await page.locator("#created").inner_text()
    link = await page.get_by_role("link", name="打开申请状态页").get_attribute("href")
    assert link is not None and link.startswith("/status#") and "?" not in link
    assert await page.locator("#created-status").inner_text() == "评审中"
    await watched.screenshot("web-apply-done")

    assert await conn.fetchval("SELECT status FROM applications") == "under_review"
    stores = await conn.fetch(
        "SELECT location_input->>'crs' AS crs, payload->'stores'->(ordinal)->'delivery' AS d"
        " FROM application_stores JOIN applications a ON a.id = application_id ORDER BY ordinal"
    )
    assert [s["crs"] for s in stores] == ["wgs84", "gcj02"]
    assert stores[0]["d"]["zone"]["type"] == "Polygon" and stores[0]["d"]["radius_m"] is None
    assert stores[1]["d"]["radius_m"] == 1500

    # The status page, opened from the link: the token travels in the fragment only.
    await page.goto(server + link)
    await page.locator("#ov-status").filter(has_text="评审中").wait_for()
    assert await page.locator("#ov-name").inner_text() == "北京好邻居便利店有限公司"
    await watched.screenshot("web-status")
