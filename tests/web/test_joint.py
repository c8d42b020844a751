"""Field recruitment and joint assessment in Chromium: a street-office worker records a lead
on /leads and creates an invitation; the merchant opens the link, finds /apply prefilled,
submits, and the link is used up; a street-office reviewer's /review shows only candidates
of its area, with each organisation's scores side by side."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from service.auth.repository import add_user
from service.seed.loader import _items
from service.seed.organisations import load_organisations
from tests.factories import credit_code, merchant, store
from tests.web.conftest import open_round_with_panel, submit_application

pytestmark = pytest.mark.asyncio


async def sign_in(page: Any, server: str, path: str, token: str, name: str) -> None:
    await page.goto(f"{server}{path}")
    await page.get_by_label("工作人员令牌").fill(token)
    await page.get_by_role("button", name="登录").click()
    await page.locator("#whoami").filter(has_text=name).wait_for()


async def street_worker(conn: asyncpg.Connection, server: str, tokens: dict[str, str]) -> str:
    """tjh-1, a reviewer of Tuanjiehu's street office, on beijing-2's panel."""
    await load_organisations(conn, _items("organisations_beijing.json"))
    token = await add_user(conn, "tjh-1", "reviewer", can_decide=False)
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    async with httpx.AsyncClient(base_url=server) as http:
        for path in ("/api/v1/organisations/tuanjiehu-street/members/tjh-1",
                     "/api/v1/organisations/programme-foundation/members/reviewer-1",
                     "/api/v1/rounds/beijing-2/reviewers/tjh-1"):
            r = await http.put(path, headers=admin)
            assert r.status_code == 200, r.text
    return token


async def test_lead_invitation_application(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    token = await street_worker(conn, server, tokens)
    watched = await open_page()
    page = watched.page
    await sign_in(page, server, "/leads", token, "tjh-1")
    await page.locator('#lead-round option[value="beijing-2"]').wait_for(state="attached")
    await page.get_by_label("商家名称").fill("团结湖老王粮油店")
    await page.get_by_label("地址").fill("北京市朝阳区团结湖路5号")
    box = await page.locator("#lead-map").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert float(await page.get_by_label("经度").input_value()) > 116
    await page.get_by_label("经度").fill("116.4725")
    await page.get_by_label("纬度").fill("39.9318")
    await page.get_by_label("坐标系").select_option("gcj02")
    await page.get_by_label("联系人", exact=True).fill("王建国")
    await page.get_by_label("联系人手机").fill("13900139000")
    await page.get_by_role("button", name="保存线索").click()
    row = page.locator("#leads tbody tr").filter(has_text="团结湖老王粮油店")
    await row.wait_for()
    await row.get_by_role("button", name="生成邀请链接").click()
    url_box = page.locator("#invite-url")
    await page.locator("#invite-box:not([hidden])").wait_for()
    link = await url_box.input_value()
    assert "/apply#invite=inv_" in link
    stored = await conn.fetchval("SELECT count(*) FROM lead_invitations")
    assert stored == 1
    await watched.screenshot("web-leads")

    # The merchant opens the link on a phone: the form is prefilled from the lead.
    merchant_page = (await open_page(phone=True)).page
    await merchant_page.goto(link)
    await merchant_page.locator("#invite-note:not([hidden])").wait_for()
    assert await merchant_page.get_by_label("单位全称（与营业执照一致）").input_value() == (
        "团结湖老王粮油店"
    )
    assert await merchant_page.get_by_label("结算对账联系人").input_value() == "王建国"
    first = merchant_page.locator(".store").nth(0)
    assert await first.get_by_label("门店地址").input_value() == "北京市朝阳区团结湖路5号"
    assert await first.get_by_label("坐标系").input_value() == "wgs84"
    # What the lead does not know, the merchant adds.
    await merchant_page.get_by_label("统一社会信用代码（18 位）").fill(credit_code(41))
    await merchant_page.get_by_label("微信支付直连商户号（8–10 位数字）").fill("1900012345")
    await merchant_page.get_by_label("承诺及时、准确反馈核销与商品数据").select_option("true")
    await merchant_page.get_by_label("已参加项目培训的门店员工人数").fill("2")
    await first.get_by_label("粮油").check()
    await first.get_by_label("营业时间").fill("07:00-21:00")
    await merchant_page.get_by_role("button", name="提交申请").click()
    await merchant_page.locator("#created:not([hidden]), #problem:not([hidden])").first.wait_for()
    assert await merchant_page.locator("#problem").is_hidden(), (
        await merchant_page.locator("#problem").inner_text()
    )
    linked = await conn.fetchrow(
        "SELECT l.application_id, a.legal_name, i.used_at FROM leads l "
        "JOIN applications a ON a.id = l.application_id "
        "JOIN lead_invitations i ON i.lead_id = l.id"
    )
    assert linked is not None and linked["legal_name"] == "团结湖老王粮油店"
    assert linked["used_at"] is not None

    # The same link again: used up, said on the page, the form still usable.
    again = (await open_page(phone=True, expected_statuses=(409,))).page
    await again.goto(link)
    note = again.locator("#invite-note:not([hidden])")
    await note.wait_for()
    assert "已被使用" in await note.inner_text()

    # The lead now shows the application's status on /leads.
    await page.reload()
    await page.locator("#leads tbody tr").filter(has_text="评审中").wait_for()


async def test_street_reviewer_sees_its_area_side_by_side(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    token = await street_worker(conn, server, tokens)
    ours = await submit_application(server, merchant(
        seed=51, legal_name="团结湖便民超市", stores=[store("团结湖店", 116.4660, 39.9300)]))
    await submit_application(server, merchant(
        seed=52, legal_name="孙河便民超市", stores=[store("孙河店", 116.5302, 40.0479)]))
    async with httpx.AsyncClient(base_url=server) as http:
        for who, coverage in ((tokens["reviewer"], 92), (token, 40)):
            r = await http.post(
                f"/api/v1/applications/{ours['id']}/reviews",
                headers={"Authorization": f"Bearer {who}"},
                json={"scores": {"coverage": coverage, "delivery": 70, "settlement": 70}},
            )
            assert r.status_code == 201, r.text

    watched = await open_page()
    page = watched.page
    await sign_in(page, server, "/review", token, "tjh-1")
    await page.locator("#ranking tbody tr[data-id]").first.wait_for()
    names = await page.locator("#ranking tbody td.name a").all_inner_texts()
    assert names == ["团结湖便民超市"]
    scope = await page.locator("#scope-note").inner_text()
    assert "110105013" in scope and "朝阳区团结湖街道办事处" in scope
    head = await page.locator("#ranking-head").inner_text()
    assert "博爱赈济券项目基金会" in head and "朝阳区团结湖街道办事处" in head
    row = page.locator(f'#ranking tbody tr[data-id="{ours["id"]}"]')
    assert "相差" not in await row.inner_text()
    disagreement = await row.locator('td[data-col="disagreement"]').inner_text()
    assert "博爱赈济券项目基金会 比 朝阳区团结湖街道办事处 高 52 分" in disagreement
    await watched.screenshot("web-review-street-office")

    # The foundation's reviewer sees both candidates and no area note.
    foundation = (await open_page()).page
    await sign_in(foundation, server, "/review", tokens["reviewer"], "reviewer-1")
    await foundation.locator("#ranking tbody tr[data-id]").nth(1).wait_for()
    assert await foundation.locator("#scope-note").is_hidden()
