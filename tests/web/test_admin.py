"""An admin's journey in /admin: a new reviewer (token shown once), who learns in /review
that they are not on the panel until the admin adds them; rounds opened and closed, rubric
versions side by side, a rescore; finally the token is revoked and stops working."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import merchant
from tests.web.conftest import open_round_with_panel, submit_application
from tests.web.test_review import screens, sign_in

pytestmark = pytest.mark.asyncio


async def test_admin_journey(server: str, tokens: dict[str, str], open_page) -> None:
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=61))
    admin_headers = {"Authorization": f"Bearer {tokens['admin']}"}
    async with httpx.AsyncClient(base_url=server) as http:
        weights = {"merchant_weights": {"coverage": 0.2, "delivery": 0.2, "settlement": 0.6}}
        changed = await http.put(
            "/api/v1/rounds/beijing-2/rubric", headers=admin_headers, json={"rubric": weights}
        )
        assert changed.status_code == 200, changed.text
    watched = await open_page(expected_statuses=(401, 422))
    page = watched.page

    # Not an admin: the page says so and shows nothing else.
    await sign_in(page, server, "/admin", tokens["reviewer"], "reviewer-1")
    await page.locator("#admin-only").wait_for()
    assert await page.locator("#admin").is_hidden()
    await page.get_by_role("button", name="退出").click()

    await sign_in(page, server, "/admin", tokens["admin"], "admin-1")
    await page.locator('#users tr[data-user="reviewer-1"]').wait_for()

    # A new reviewer: a wrong name is explained under the field; the token is shown once.
    await page.get_by_label("用户名").fill("张 评审")
    await page.get_by_role("button", name="创建并生成令牌").click()
    await page.locator('[data-pointer="/name"] .field-error').filter(has_text="不含空格").wait_for()
    await page.get_by_label("用户名").fill("reviewer-zhang")
    await page.get_by_label("用户名").press("Enter")  # Enter in a text field does not submit
    assert await page.locator("#new-token").is_hidden()
    await page.get_by_label("角色").select_option("reviewer")
    await page.get_by_label("可以作出决定").check()
    await page.get_by_role("button", name="创建并生成令牌").click()
    await page.locator("#new-token").filter(has_text="令牌只显示这一次").wait_for()
    token = (await page.locator("#new-token-value").inner_text()).strip()
    assert len(token) > 20
    row = page.locator('#users tr[data-user="reviewer-zhang"]')
    await row.filter(has_text="是").wait_for()
    assert await page.get_by_label("用户名").input_value() == ""
    await screens(watched, "admin")
    await page.get_by_role("button", name="我已保存，隐藏令牌").click()
    assert await page.locator("#new-token").is_hidden()
    assert token not in await page.content()

    # The new reviewer signs in elsewhere and is told they are not on the panel.
    reviewer_view = await open_page(phone=True, expected_statuses=(401,))
    rpage = reviewer_view.page
    await rpage.set_viewport_size({"width": 375, "height": 812})
    await sign_in(rpage, server, f"/review/applications/{created['id']}", token, "reviewer-zhang")
    await rpage.locator("#panel-note").filter(has_text="不在批次「beijing-2」的评审组中").wait_for()
    assert await rpage.locator("#review-form").is_hidden()

    # The admin adds them to beijing-2's panel; the rubric versions are side by side.
    rounds = page.locator("#rounds")
    beijing2 = rounds.locator('tr[data-round="beijing-2"]')
    await beijing2.get_by_role("button", name="评审组与细则").click()
    await page.locator('#panel li[data-member="reviewer-1"]').wait_for()
    header = await page.locator("#rubrics thead").inner_text()
    assert "第 1 版" in header and "第 2 版" in header
    changed_cells = await page.locator("#rubrics td.changed").all_inner_texts()
    assert sorted(changed_cells) == ["0.2", "0.2", "0.6"]
    # A third version from the page: a negative weight is refused next to its field.
    settlement = page.get_by_label("新版本：商家权重 · 结算与数据准备")
    assert await settlement.input_value() == "0.6"
    await settlement.fill("-1")
    await page.get_by_role("button", name="保存为第 3 版").click()
    await page.locator('[data-pointer="/rubric/merchant_weights/settlement"] .field-error').filter(
        has_text="请输入 0 到 1000000 之间的数字"
    ).wait_for()
    await settlement.fill("0.5")
    await page.get_by_label("新版本：商家权重 · 社区覆盖").fill("0.3")
    await page.get_by_role("button", name="保存为第 3 版").click()
    await page.locator("#rubric-done").filter(has_text="已保存第 3 版").wait_for()
    assert "第 3 版" in await page.locator("#rubrics thead").inner_text()
    assert await page.get_by_label("新版本：商家权重 · 社区覆盖").input_value() == "0.3"
    await page.get_by_label("加入评审组").select_option("reviewer-zhang")
    await page.get_by_role("button", name="加入评审组").click()
    await page.locator('#panel li[data-member="reviewer-zhang"]').wait_for()
    await screens(watched, "admin-round")

    await rpage.reload()
    await rpage.locator("#card-bars .bar").first.wait_for()
    await rpage.locator("#review-form").wait_for()
    assert await rpage.locator("#panel-note").is_hidden()

    # Rescore with the new rubric; close and reopen the round.
    await beijing2.get_by_role("button", name="重新评分").click()
    done = page.locator("#rounds-done")
    await done.filter(has_text="已按第 3 版细则重新评分 1 份申请").wait_for()
    await beijing2.get_by_role("button", name="关闭批次").click()
    await page.get_by_role("dialog").get_by_role("button", name="关闭批次").click()
    await beijing2.filter(has_text="已结束").wait_for()
    await beijing2.get_by_role("button", name="开启批次").click()
    await beijing2.filter(has_text="进行中").wait_for()
    async with httpx.AsyncClient(base_url=server) as http:
        card = await http.get(
            f"/api/v1/applications/{created['id']}/scorecard", headers=admin_headers
        )
        assert card.json()["rubric_version"] == 3

    # Revoke: asked first; afterwards the reviewer's token no longer works.
    zhang = page.locator('#users tr[data-user="reviewer-zhang"]')
    await zhang.get_by_role("button", name="撤销 reviewer-zhang 的令牌").click()
    dialog = page.get_by_role("dialog")
    await dialog.filter(has_text="立即无法登录").wait_for()
    await dialog.get_by_role("button", name="撤销令牌").click()
    await page.locator("#users-done").filter(has_text="已撤销 reviewer-zhang").wait_for()
    assert await zhang.get_by_role("button", name="撤销 reviewer-zhang 的令牌").is_disabled()
    await rpage.reload()
    await rpage.locator("#signin-error").wait_for()
    assert await rpage.locator("#signin").is_visible()
