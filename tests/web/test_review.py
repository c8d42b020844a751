"""A reviewer signs in, reads the ranking and the scorecard, scores, and approves: a decision
on a stale version is refused plainly, and succeeds after a refresh."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import merchant
from tests.web.conftest import open_round_with_panel, submit_application

pytestmark = pytest.mark.asyncio


async def test_reviewer_scores_and_approves(server: str, tokens: dict[str, str], open_page) -> None:
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=31))
    await submit_application(server, merchant(seed=32, legal_name="北京京客隆商业集团股份有限公司"))
    watched = await open_page()
    page = watched.page

    await page.goto(f"{server}/review")
    await page.get_by_label("工作人员令牌").fill(tokens["reviewer"])
    await page.get_by_role("button", name="登录").click()
    await page.locator("#whoami").filter(has_text="reviewer-1").wait_for()
    rows = page.locator("#ranking tbody tr")
    await rows.nth(1).wait_for()
    assert await rows.count() == 2
    await page.get_by_role("button", name="自动得分").click()
    assert await page.locator('th[aria-sort="descending"]').count() == 1
    await page.get_by_label("类型").select_option("ngo")
    assert "没有符合筛选条件" in await page.locator("#ranking tbody").inner_text()
    await page.get_by_label("类型").select_option("merchant")
    await watched.screenshot("web-review-ranking")

    await page.get_by_role("link", name="北京物美商业集团股份有限公司").click()
    await page.wait_for_url(f"**/review/applications/{created['id']}")
    # the token survives the navigation (sessionStorage), no second sign-in
    await page.locator("#card-bars .bar").first.wait_for()
    assert await page.locator("#card-bars .bar").count() == 3
    assert await page.locator("#app-stores li").count() == 1
    assert await page.locator("#app-map path.leaflet-interactive").count() >= 1

    await page.get_by_label("社区覆盖").fill("90")
    await page.get_by_label("配送能力").fill("80")
    await page.get_by_label("结算与数据准备").fill("85")
    await page.get_by_label("评语").fill("覆盖团结湖中路北社区，配送能力强。")
    await page.get_by_role("button", name="提交评分").click()
    await page.locator("#review-saved").wait_for()
    await page.locator("#reviews").filter(has_text="reviewer-1").wait_for()

    # Meanwhile the applicant amends: the version the page read is stale.
    async with httpx.AsyncClient(base_url=server) as http:
        amended = await http.patch(
            created["status_url"],
            json={"trained_staff": 5},
            headers={"Authorization": f"Bearer {created['applicant_token']}"},
        )
        assert amended.status_code == 200, amended.text
        version = str(amended.json()["version"])
    await page.get_by_label("结论").select_option("approved")
    await page.get_by_label("理由").fill("填补团结湖缺口")
    await page.get_by_role("button", name="提交决定").click()
    await page.locator("#decision-problem").filter(has_text="已被他人修改，请刷新").wait_for()

    await page.get_by_role("button", name="刷新").click()
    await page.locator("#app-version").filter(has_text=version).wait_for()
    await page.get_by_role("button", name="提交决定").click()
    await page.locator("#decision-done").filter(has_text="已通过").wait_for()
    # the page re-reads the application after deciding: wait for it rather than race it
    await page.locator("#app-status").filter(has_text="已通过").wait_for()
    assert "1 家门店已进入门店库" in await page.locator("#decision-done").inner_text()
    await watched.screenshot("web-review-approved")
