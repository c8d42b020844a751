"""A chain in the browser: its regional manager uploads the store spreadsheet in /apply (a
bad file first: every bad cell listed by row and column), and a reviewer approves some
branches and rejects the others in the review page's store table."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from service.chains.storefile import xlsx_from_rows
from tests.chains_data import HEADER, chain_stores, csv_bytes, row
from tests.factories import credit_code, merchant, store
from tests.web.conftest import open_round_with_panel, submit_application

pytestmark = pytest.mark.asyncio
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_chain_uploads_its_store_spreadsheet_in_apply(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    watched = await open_page()
    page = watched.page
    await page.goto(f"{server}/apply?round=beijing-2")
    await page.get_by_label("单位全称（与营业执照一致）").fill("北京超市发连锁股份有限公司")
    await page.get_by_label("统一社会信用代码（18 位）").fill(credit_code(81))
    await page.get_by_label("微信支付直连商户号（8–10 位数字）").fill("1900012345")
    await page.get_by_label("结算对账联系人").fill("王芳")
    await page.get_by_label("联系人手机号").first.fill("13800138000")

    # A GBK-encoded CSV from Excel on Chinese Windows, with two bad cells in rows 3 and 5.
    rows = [row(s) for s in chain_stores(60)]
    rows[1][3] = "北纬39度"
    rows[3][6] = "也许"
    upload = page.get_by_label("上传门店表（.xlsx 或 .csv）")
    await upload.set_input_files(
        files=[{"name": "门店.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows, "gbk")}]
    )
    problem = page.locator("#store-file-problem")
    await problem.filter(has_text="第 3 行「纬度」").wait_for()
    assert "第 5 行「送货上门」" in await problem.inner_text()
    assert await problem.locator("li").count() == 2
    await watched.screenshot("web-chain-apply-file-errors")

    # Fixed in the spreadsheet and saved as XLSX: 60 stores imported, then submitted.
    rows = [row(s) for s in chain_stores(60)]
    await upload.set_input_files(
        files=[{"name": "门店.xlsx", "mimeType": XLSX,
                "buffer": xlsx_from_rows([HEADER, *rows])}]
    )
    await page.locator("#store-file-done").filter(has_text="导入 60 家门店").wait_for()
    assert await problem.is_hidden()
    assert await page.locator("#stores").is_hidden()
    await page.get_by_role("button", name="提交申请").click()
    await page.locator("#created:not([hidden]), #problem:not([hidden])").first.wait_for()
    assert await page.locator("#problem").is_hidden(), await page.locator("#problem").inner_text()
    assert await conn.fetchval("SELECT count(*) FROM application_stores") == 60
    watched.assert_clean()


async def test_reviewer_approves_some_branches_in_the_store_table(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    stores = [store("孙河店", 116.5391, 40.0512), *chain_stores(80)]
    created = await submit_application(server, merchant(seed=82, stores=stores))
    watched = await open_page()
    page = watched.page
    await page.goto(f"{server}/review/applications/{created['id']}")
    await page.get_by_label("工作人员令牌").fill(tokens["reviewer"])
    await page.get_by_role("button", name="登录").click()
    table = page.locator("#chain-table tbody tr")
    await table.nth(80).wait_for()
    assert await table.count() == 81
    # The map clusters 81 markers.
    await page.locator("#app-map .marker-cluster").first.wait_for()

    # Filter, sort, and pick: the Sunhe branch and branches 1-9 approved, the rest not.
    await page.get_by_label("筛选门店").fill("孙河")
    assert await table.count() == 1
    await page.get_by_role("button", name="勾选筛选结果", exact=True).click()
    await page.get_by_label("筛选门店").fill("第1")  # 第1, 第10-19, 第100…: 11 rows
    visible = await table.count()
    assert visible == 11
    await page.get_by_role("button", name="勾选筛选结果", exact=True).click()
    await page.get_by_label("筛选门店").fill("")
    await page.locator("#chain-count").filter(has_text="已勾选 12 家").wait_for()
    await page.locator('#chain-table th[data-sort="name"]').click()
    first_name = await table.nth(0).locator("td").nth(2).inner_text()
    await page.locator('#chain-table th[data-sort="name"]').click()
    assert await table.nth(0).locator("td").nth(2).inner_text() != first_name

    await page.get_by_label("通过门店的依据").fill("覆盖孙河与中心城区缺口")
    await page.get_by_label("不通过门店的原因").fill("与已有门店重复覆盖")
    await page.get_by_role("button", name="提交逐店决定").click()
    await page.get_by_role("button", name="确认逐店决定").click()
    await page.locator("#chain-done").filter(has_text="12 家门店通过").wait_for()
    await watched.screenshot("web-chain-partial-approval")

    names = await conn.fetch("SELECT name FROM stores ORDER BY name")
    assert len(names) == 12
    assert "孙河店" in {r["name"] for r in names}
    assert await conn.fetchval("SELECT status FROM applications") == "approved"
    async with httpx.AsyncClient(base_url=server) as http:
        decisions = await http.get(
            f"/api/v1/applications/{created['id']}/store-decisions",
            headers={"Authorization": f"Bearer {created['applicant_token']}"},
        )
    rejected = [d for d in decisions.json() if d["decision"] == "rejected"]
    assert len(rejected) == 69 and rejected[0]["reason"] == "与已有门店重复覆盖"
    watched.assert_clean()
