"""A reviewer's whole journey in /review, on a desktop and on a 375 px phone: the open round
by default, the ranking with integer ranks and a blank panel score, a shortlist within a
budget, scores checked next to their field and prefilled after a reload, the other reviews,
an information request naming documents, a conflict of interest that takes the reviewer's
scores out of the ranking, and a decision that asks first and says what changed when the
page was stale."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.factories import merchant
from tests.serving import ARTIFACTS
from tests.web.conftest import open_round_with_panel, submit_application

pytestmark = pytest.mark.asyncio
WUMART = "北京物美商业集团股份有限公司"
JINGKELONG = "北京京客隆商业集团股份有限公司"


async def closed_round_first(server: str, tokens: dict[str, str]) -> None:
    """beijing-1 exists and is closed before beijing-2 opens, as in the pilot data."""
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    async with httpx.AsyncClient(base_url=server) as http:
        made = await http.post(
            "/api/v1/rounds",
            headers=admin,
            json={"code": "beijing-1", "name": "北京第一批爱心商家招募", "status": "closed"},
        )
        assert made.status_code == 201, made.text


async def screens(watched, name: str) -> None:
    """Full-page screenshots at 1280 and 375 px wide; the page must not scroll sideways."""
    page = watched.page
    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, height in ((1280, 900), (375, 812)):
        await page.set_viewport_size({"width": width, "height": height})
        await watched.screenshot(f"screens/{name}-{width}")
        overflow = await page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} scrolls sideways at {width} px ({overflow})"
    await page.set_viewport_size(size)


async def sign_in(page, server: str, path: str, token: str, name: str) -> None:
    await page.goto(f"{server}{path}")
    await page.get_by_label("工作人员令牌").fill(token)
    await page.get_by_role("button", name="登录").click()
    await page.locator("#whoami").filter(has_text=name).wait_for()


async def test_reviewer_journey(server: str, tokens: dict[str, str], open_page) -> None:
    await closed_round_first(server, tokens)
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=31))
    other = await submit_application(server, merchant(seed=32, legal_name=JINGKELONG))
    async with httpx.AsyncClient(base_url=server) as http:
        # reviewer-2 (on the panel too) reviewed the first application already
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        joined = await http.put("/api/v1/rounds/beijing-2/reviewers/reviewer-2", headers=admin)
        assert joined.is_success
        scored = await http.post(
            f"/api/v1/applications/{created['id']}/reviews",
            headers={"Authorization": f"Bearer {tokens['reviewer2']}"},
            json={
                "scores": {"coverage": 70, "delivery": 60, "settlement": 65},
                "comment": "门店偏少",
            },
        )
        assert scored.status_code == 201, scored.text
    watched = await open_page()
    page = watched.page

    # The open round by default, not the closed one listed first.
    await sign_in(page, server, "/review", tokens["reviewer"], "reviewer-1")
    rows = page.locator("#ranking tbody tr")
    await rows.nth(1).wait_for()
    assert await page.locator("#round").input_value() == "beijing-2"
    assert await rows.count() == 2
    assert await page.locator("#panel-note").is_hidden()
    ranks = await page.locator('#ranking td[data-col="rank"]').all_inner_texts()
    assert sorted(ranks) == ["1", "2"]
    other_row = page.locator(f'#ranking tr[data-id="{other["id"]}"]')
    assert await other_row.locator('td[data-col="review_count"]').inner_text() == "0"
    assert await other_row.locator('td[data-col="panel_total"]').inner_text() == "—"
    first_row = page.locator(f'#ranking tr[data-id="{created["id"]}"]')
    assert await first_row.locator('td[data-col="review_count"]').inner_text() == "1"
    assert await first_row.locator('td[data-col="panel_total"]').inner_text() != "—"
    await page.get_by_role("button", name="自动得分").click()
    assert await page.locator('th[aria-sort="descending"]').count() == 1
    await page.get_by_label("类型").select_option("ngo")
    assert "没有符合筛选条件" in await page.locator("#ranking tbody").inner_text()
    await page.get_by_label("类型").select_option("")

    # Shortlist with a budget: a wrong budget is explained under its field, in Chinese.
    budget = page.get_by_label("预算", exact=True)
    await budget.fill("0")
    await page.get_by_role("button", name="生成推荐名单").click()
    error = page.locator('[data-pointer="/budget"] .field-error')
    await error.filter(has_text="请输入 1 到 10000 之间的整数").wait_for()
    # Tab follows the form; Enter in a text field does not submit it.
    await budget.focus()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "budget-unit"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "target-k"
    await budget.fill("1")
    await budget.press("Enter")
    assert await page.locator("#shortlist-result h3").count() == 0
    await page.get_by_role("button", name="生成推荐名单").click()
    await page.locator("#shortlist-result h3").filter(has_text="预算 1 家商家").wait_for()
    assert await error.count() == 0
    await screens(watched, "review")
    # On a phone the names keep their width (no one-character-per-line column).
    await page.set_viewport_size({"width": 375, "height": 812})
    box = await page.locator("#ranking td.name a").first.bounding_box()
    assert box is not None and box["width"] > 100
    await page.set_viewport_size({"width": 1280, "height": 900})

    # The application: the other reviews, then my scores, checked next to each field.
    await page.get_by_role("link", name=WUMART).first.click()
    await page.wait_for_url(f"**/review/applications/{created['id']}")
    await page.locator("#card-bars .bar").first.wait_for()
    assert await page.locator("#card-bars .bar").count() == 3
    assert await page.locator("#app-stores li").count() == 1
    assert await page.locator("#app-map path.leaflet-interactive").count() >= 1
    await page.locator("#reviews").filter(has_text="reviewer-2").wait_for()
    assert "门店偏少" in await page.locator("#reviews").inner_text()
    await page.get_by_label("社区覆盖").fill("150")
    await page.get_by_label("配送能力").fill("八十")
    await page.get_by_label("结算与数据准备").fill("85")
    await page.get_by_role("button", name="提交评分").click()
    for field in ("coverage", "delivery"):
        await page.locator(f'[data-pointer="/scores/{field}"] .field-error').filter(
            has_text="请输入 0 到 100 之间的数字"
        ).wait_for()
    assert await page.locator('[data-pointer="/scores/settlement"] .field-error').count() == 0
    assert await page.evaluate("document.activeElement.id") == "score-coverage"
    await page.get_by_label("社区覆盖").fill("90")
    await page.get_by_label("配送能力").fill("８０")  # full-width digits from a Chinese keyboard
    await page.get_by_label("评语").fill("覆盖团结湖中路北社区 配送能力强。")
    await page.get_by_label("结算与数据准备").press("Enter")
    assert await page.locator("#review-saved").is_hidden()
    await page.get_by_role("button", name="提交评分").click()
    await page.locator("#review-saved").filter(has_text="评分已保存").wait_for()
    await page.locator("#reviews").filter(has_text="reviewer-1（我）").wait_for()
    await page.reload()
    await page.locator("#reviews").filter(has_text="reviewer-1（我）").wait_for()
    # The list is drawn before the form is prefilled (both from the same answers): wait for it.
    await expect(page.get_by_label("社区覆盖")).to_have_value("90")
    await expect(page.get_by_label("配送能力")).to_have_value("80")
    await expect(page.get_by_label("结算与数据准备")).to_have_value("85")
    await expect(page.get_by_label("评语")).to_have_value("覆盖团结湖中路北社区 配送能力强。")

    # An information request naming a document.
    await page.get_by_role("button", name="发送补充信息请求").click()
    await page.locator('[data-pointer="/question"] .field-error').wait_for()
    await page.get_by_label("需要补充什么").fill("请上传营业执照，并说明团结湖店的配送人手。")
    await page.get_by_label("营业执照").check()
    await page.get_by_role("button", name="发送补充信息请求").click()
    await page.locator("#info-sent").filter(has_text="需上传：营业执照").wait_for()
    await page.locator("#app-status").filter(has_text="待补充信息").wait_for()
    await page.locator("#info-history").filter(has_text="需上传：营业执照").wait_for()
    async with httpx.AsyncClient(base_url=server) as http:
        seen = await http.get(
            created["status_url"], headers={"Authorization": f"Bearer {created['applicant_token']}"}
        )
        assert seen.json()["info_requests"][0]["requested_documents"] == ["business_licence"]
        # Meanwhile the applicant answers and amends: the version the page read is stale.
        amended = await http.patch(
            created["status_url"],
            json={"trained_staff": 5, "answer": "营业执照已上传，配送员 4 人。"},
            headers={"Authorization": f"Bearer {created['applicant_token']}"},
        )
        assert amended.status_code == 200, amended.text
        version = str(amended.json()["version"])

    # The decision asks first; cancelling sends nothing; a stale page says what changed.
    await page.get_by_label("结论").select_option("approved")
    await page.get_by_label("理由").fill("填补团结湖缺口")
    await page.get_by_role("button", name="提交决定").click()
    dialog = page.get_by_role("dialog")
    await dialog.filter(has_text="此决定不能撤销").wait_for()
    await dialog.get_by_role("button", name="取消").click()
    assert await page.get_by_role("dialog").count() == 0
    assert await page.locator("#decision-problem").is_hidden()
    await page.get_by_role("button", name="提交决定").click()
    await page.get_by_role("dialog").get_by_role("button", name="确认通过").click()
    problem = page.locator("#decision-problem")
    await problem.filter(has_text="已被他人修改，请刷新").wait_for()
    said = await problem.inner_text()
    assert f"→ {version}" in said
    assert "受训员工人数：3 → 5" in said
    assert "状态：待补充信息 → 评审中" in said
    assert "申请人答复了 1 个补充信息请求" in said
    assert "门店" not in said  # unchanged stores are not reported as changed
    await screens(watched, "review-application")

    await page.get_by_role("button", name="刷新").click()
    await page.locator("#app-version").filter(has_text=version).wait_for()
    await page.get_by_role("button", name="提交决定").click()
    await page.get_by_role("dialog").get_by_role("button", name="确认通过").click()
    await page.locator("#decision-done").filter(has_text="已通过").wait_for()
    await page.locator("#app-status").filter(has_text="已通过").wait_for()
    assert "1 家门店已进入门店库" in await page.locator("#decision-done").inner_text()

    # A conflict declared after scoring: confirmed, the forms go, the ranking drops the review.
    await page.goto(f"{server}/review/applications/{other['id']}")
    await page.locator("#card-bars .bar").first.wait_for()
    for label in ("社区覆盖", "配送能力", "结算与数据准备"):
        await page.get_by_label(label).fill("100")
    await page.get_by_role("button", name="提交评分").click()
    await page.locator("#review-saved").wait_for()
    await page.get_by_label("冲突原因").fill("我的亲属在该公司任职")
    await page.get_by_role("button", name="声明利益冲突并回避").click()
    await page.get_by_role("dialog").get_by_role("button", name="确认回避").click()
    await page.locator("#recused-note").filter(has_text="已回避本申请").wait_for()
    assert await page.locator("#review-form").is_hidden()
    assert "已回避，不计入排名" in await page.locator("#reviews").inner_text()
    await page.goto(f"{server}/review")
    other_row = page.locator(f'#ranking tr[data-id="{other["id"]}"]')
    await other_row.wait_for()
    assert await other_row.locator('td[data-col="review_count"]').inner_text() == "0"
    assert await other_row.locator('td[data-col="panel_total"]').inner_text() == "—"
    assert "reviewer-1 已回避" in await other_row.inner_text()


async def test_reviewer_off_the_panel_learns_it_before_scoring(
    server: str, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=41))
    watched = await open_page(phone=True, expected_statuses=())
    page = watched.page
    await sign_in(page, server, "/review", tokens["reviewer2"], "reviewer-2")
    note = page.locator("#panel-note")
    await note.filter(has_text="不在「北京第二批爱心商家招募」的评审组中").wait_for()
    await page.goto(f"{server}/review/applications/{created['id']}")
    await page.locator("#panel-note").filter(has_text="请联系管理员").wait_for()
    await page.locator("#card-bars .bar").first.wait_for()
    assert await page.locator("#review-form").is_hidden()
    assert await page.locator("#info-form").is_hidden()
