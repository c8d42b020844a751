"""A chain after approval, in the browser at phone width: the merchant asks on /status to
change a branch, add one from a store file and close one (today's reservation there is listed
for re-routing); a reviewer decides each on /review; the merchant's registry shows the result."""

from __future__ import annotations

import asyncpg
import pytest

from service.registry.places import service_day
from tests.chains_data import csv_bytes, row
from tests.factories import merchant, store
from tests.web.conftest import approve_application, open_round_with_panel, submit_application
from tests.web.test_review import screens

pytestmark = pytest.mark.asyncio
PHONE = {"width": 375, "height": 812}


async def test_merchant_asks_reviewer_decides_registry_changes(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=85, stores=[
        store("一店"), store("二店", 116.4665, 39.9305)]))
    await approve_application(server, tokens["reviewer"], created, "覆盖好")
    first = await conn.fetchval("SELECT id FROM stores WHERE name = '一店'")
    await conn.execute(
        "INSERT INTO reservations (store_id, day, household_ref, created_by)"
        " VALUES ($1, $2, 'HH-0007', 'dispatcher-1')", first, service_day(),
    )

    merchant_page = await open_page(phone=True)
    shop = merchant_page.page
    await shop.set_viewport_size(PHONE)
    await shop.goto(f"{server}/status#id={created['id']}&token={created['applicant_token']}")
    changes = shop.locator("#changes-section")
    await changes.wait_for()
    requests = shop.locator("#change-list li.change")

    # A branch's capacity and opening hours.
    await shop.get_by_label("变更类型").select_option("update_store")
    await shop.get_by_label("门店", exact=True).select_option(label="二店")
    await shop.get_by_label("每日配送能力（单，留空不改）").fill("80")
    await shop.get_by_label("营业时间（留空不改）").fill("00:00-24:00")
    await shop.get_by_role("button", name="提交变更申请").click()
    await shop.locator("#change-done").filter(has_text="等待评审组决定").wait_for()
    await requests.nth(0).wait_for()

    # A new branch from a store file.
    await shop.get_by_label("变更类型").select_option("add_stores")
    await shop.get_by_label("上传新分店表（.xlsx 或 .csv）").set_input_files(files=[{
        "name": "新店.csv", "mimeType": "text/csv",
        "buffer": csv_bytes([row(store("孙河新店", 116.5391, 40.0512))]),
    }])
    await shop.locator("#change-file-done").filter(has_text="读取到 1 家新分店").wait_for()
    await shop.get_by_role("button", name="提交变更申请").click()
    await requests.nth(1).wait_for()

    # Closing the branch with a reservation today lists it for re-routing.
    await shop.get_by_label("变更类型").select_option("close_store")
    await shop.get_by_label("门店", exact=True).select_option(label="一店")
    await shop.get_by_label("说明（可选）").fill("租约到期")
    await shop.get_by_role("button", name="提交变更申请").click()
    await shop.locator("#change-reroute").filter(has_text="HH-0007").wait_for()
    await requests.nth(2).wait_for()
    assert await shop.locator('#change-list li[data-status="pending"]').count() == 3
    await screens(merchant_page, "chain-change-ask")  # fits at 1280 and at 375 px

    # The reviewer decides each on /review, at phone width too.
    watched = await open_page(phone=True)
    review = watched.page
    await review.set_viewport_size(PHONE)
    await review.goto(f"{server}/review")
    await review.get_by_label("工作人员令牌").fill(tokens["reviewer"])
    await review.get_by_role("button", name="登录").click()
    pending = review.locator("#change-requests-list li.change-request")
    await pending.nth(2).wait_for()
    closing = pending.filter(has_text="关闭「一店」")
    assert "HH-0007" in await closing.inner_text()
    await screens(watched, "chain-change-requests")
    done = review.locator("#change-requests-done")

    async def decide(kind: str, button: str, reason: str, left: int) -> None:
        item = pending.and_(review.locator(f'[data-kind="{kind}"]'))
        await item.get_by_label("决定理由").fill(reason)
        await item.get_by_role("button", name=button, exact=True).click()
        await item.wait_for(state="detached")  # decided: the list is read again without it
        assert ("已通过" if button == "通过" else "已驳回") in await done.inner_text()
        assert await pending.count() == left

    await decide("update_store", "通过", "增加配送人手", 2)
    await decide("add_stores", "通过", "补孙河空白", 1)
    await decide("close_store", "驳回", "片区仍需该店", 0)

    # The merchant's registry shows the changes.
    await shop.reload()
    registry = shop.locator("#dc-stores li.registry-store")
    await registry.filter(has_text="孙河新店").wait_for()
    second = registry.filter(has_text="二店")
    assert "营业时间 00:00-24:00" in await second.inner_text()
    assert "每日配送 80 单" in await second.inner_text()
    assert "营业中" in await registry.filter(has_text="一店").inner_text()
    await shop.locator('#change-list li[data-status="rejected"]').wait_for()
    assert await shop.locator('#change-list li[data-status="approved"]').count() == 2
    await screens(merchant_page, "chain-change-decided")
    row2 = await conn.fetchrow(
        "SELECT daily_capacity, opening_hours FROM stores WHERE name = '二店'")
    assert (row2["daily_capacity"], row2["opening_hours"]) == (80, "00:00-24:00")
    assert await conn.fetchval("SELECT count(*) FROM stores WHERE status = 'active'") == 3
