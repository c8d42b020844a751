"""Issue 13's acceptance: every role finishes its work in the browser, in one connected journey.

Nothing but the first admin token (as `boai users add NAME --role admin` prints it), the
webhook receiver (the WeChat bridge's stand-in) and database reads for assertions lies outside
the pages. The merchant and the dispatcher work on a 375 px phone; staff at a desk at 1280 px.
Every page is screenshotted at both widths (artifacts/screens/<page>-1280.png and -375.png);
the browser console stays clean and no request answers 5xx.
"""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Page, Response

from service.auth.repository import add_user
from service.notify.signing import verify
from tests.factories import credit_code
from tests.samples import pdf
from tests.web.conftest import WEBHOOK_SECRET, draw_square_around_chosen_store
from tests.web.test_review import screens as screens_at
from tests.web.test_review import sign_in
from tests.webhook_receiver import Receiver, eventually

pytestmark = pytest.mark.asyncio
PHONE = {"width": 375, "height": 812}
ZLB = "110105013029"  # 团结湖街道中路北社区
SHOP = "北京团结湖邻里便利店有限公司"


class Journey:
    """Opens watched pages and records every 5xx answer any of them receives."""

    def __init__(self, open_page) -> None:
        self.open_page = open_page
        self.server_errors: list[str] = []

    async def page(self, *, phone: bool = False, expected: tuple[int, ...] = ()):
        watched = await self.open_page(phone=phone, expected_statuses=expected)
        if phone:
            await watched.page.set_viewport_size(PHONE)
        watched.page.on("response", self._response)
        return watched

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")


async def fits(page: Page, width: int) -> None:
    """Nothing wider than the screen; no visible label squeezed to a character per line."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    squeezed = await page.evaluate(
        """() => [...document.querySelectorAll('main label, main legend, main button, main th,'
               + ' main .label, main h2, main h3')]
            .filter((n) => n.offsetParent !== null && n.textContent.trim().length >= 2)
            .filter((n) => n.getBoundingClientRect().width
                < 1.9 * parseFloat(getComputedStyle(n).fontSize))
            .map((n) => n.textContent.trim())"""
    )
    assert squeezed == [], squeezed
    # A short caption (a button's 解除, a heading) broken over lines is as bad.
    wrapped = await page.evaluate(
        """() => [...document.querySelectorAll('main button, main label, main legend, main th,'
               + ' main h1, main h2, main h3, main .badge, main .label')]
            .filter((n) => n.offsetParent !== null)
            .filter((n) => n.textContent.trim().length >= 2)
            .filter((n) => n.textContent.trim().length <= 8)
            .filter((n) => { const walk = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
                for (let t = walk.nextNode(); t; t = walk.nextNode()) {
                    if (!t.textContent.trim()) continue;
                    const r = document.createRange(); r.selectNodeContents(t);
                    const lines = new Set([...r.getClientRects()].filter((x) => x.width > 0)
                        .map((x) => Math.round(x.bottom)));
                    if (lines.size > 1) return true;
                }
                return false; })
            .map((n) => n.textContent.trim())"""
    )
    assert wrapped == [], wrapped


async def screens(watched, name: str) -> None:
    """Both widths saved; at 375 px nothing squeezed to a column, no English left on a control."""
    await screens_at(watched, name)
    page = watched.page
    size = page.viewport_size
    await page.set_viewport_size(PHONE)
    await fits(page, 375)
    if name != "schema":  # Swagger UI is the integrators' English page
        english = await page.evaluate(
            """() => [...document.querySelectorAll('main button, main label, main th, main a,'
                   + ' main h1, main h2, main h3, main option, .leaflet-control a')]
                .filter((n) => n.offsetParent !== null || n.tagName === 'OPTION')
                .map((n) => (n.textContent + ' ' + (n.title || '')).trim())
                .filter((t) => /\\b(?!WGS|GCJ|BD|GPS|PDF|OpenStreetMap|KB|MB)[A-Za-z]{3,}/.test(t)
                               && !/[\\u4e00-\\u9fff]/.test(t))"""
        )
        assert english == [], (name, english)
    await page.set_viewport_size(size)


async def come_back(page: Page) -> None:
    """The tab goes to the background and returns, as when the phone switches apps."""
    for state in ("hidden", "visible"):
        await page.evaluate(
            """(state) => {
                Object.defineProperty(
                    document, 'visibilityState', { value: state, configurable: true });
                document.dispatchEvent(new Event('visibilitychange'));
            }""",
            state,
        )


async def count_submits(page: Page, *forms: str) -> None:
    """window.submits counts submit events of these forms (fired at once on Enter)."""
    await page.evaluate(
        """(forms) => { window.submits = 0; for (const f of forms)
            document.querySelector(f)
                .addEventListener('submit', () => { window.submits += 1; }); }""",
        list(forms),
    )


async def click_label(page: Page, scope, text: str) -> None:
    """Click the map where a (click-through) community label is drawn."""
    label = scope.locator(".community-label", has_text=text)
    await label.wait_for(state="visible")
    await label.scroll_into_view_if_needed()
    box = await label.bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


async def test_every_role_finishes_in_the_browser(
    notifying_server: str, conn: asyncpg.Connection, receiver: Receiver, open_page
) -> None:
    server = notifying_server
    journey = Journey(open_page)
    first_admin = await add_user(conn, "admin-1", "admin", can_decide=True)

    # 1. The admin opens a round and creates the first reviewer (asks, does not decide).
    admin = await journey.page(expected=(401,))
    apage = admin.page
    await sign_in(apage, server, "/admin", first_admin, "admin-1")
    await apage.locator("#rounds-card summary").click()
    await apage.get_by_label("批次代码").fill("beijing-2")
    await apage.get_by_label("名称").fill("北京第二批爱心商家招募")
    await apage.get_by_role("button", name="创建批次").click()
    await apage.locator('#rounds tr[data-round="beijing-2"]').wait_for()

    async def new_staff(name: str, role: str, can_decide: bool) -> str:
        await apage.get_by_label("用户名").fill(name)
        await apage.get_by_label("角色").select_option(role)
        await apage.get_by_label("可以作出决定").set_checked(can_decide)
        await apage.get_by_role("button", name="创建并生成令牌").click()
        await apage.locator("#new-token").filter(has_text="令牌只显示这一次").wait_for()
        token = (await apage.locator("#new-token-value").inner_text()).strip()
        await apage.locator(f'#users tr[data-user="{name}"]').wait_for()
        await apage.get_by_role("button", name="我已保存，隐藏令牌").click()
        return token

    async def onto_panel(name: str) -> None:
        await apage.locator('#rounds tr[data-round="beijing-2"]').get_by_role(
            "button", name="评审组与细则"
        ).click()
        await apage.get_by_label("加入评审组").select_option(name)
        await apage.get_by_role("button", name="加入评审组").click()
        await apage.locator(f'#panel li[data-member="{name}"]').wait_for()

    li_token = await new_staff("reviewer-li", "reviewer", False)
    await onto_panel("reviewer-li")

    # 2. A merchant applies from a phone, placing the store with a click on the map.
    merchant = await journey.page(phone=True)
    mpage = merchant.page
    await mpage.goto(f"{server}/apply")
    await mpage.get_by_label("单位全称（与营业执照一致）").fill(SHOP)
    await mpage.get_by_label("统一社会信用代码（18 位）").fill(credit_code(77))
    await mpage.get_by_label("微信支付直连商户号（8–10 位数字）").fill("1900077777")
    await mpage.get_by_label("结算对账联系人").fill("李秀英")
    await mpage.get_by_label("联系人手机号").first.fill("13800138077")
    await mpage.get_by_label("承诺及时、准确反馈核销与商品数据").select_option("true")
    await mpage.get_by_label("已参加项目培训的门店员工人数").fill("4")
    store = mpage.locator(".store").first
    await store.get_by_label("门店名称").fill("中路北店")
    await store.get_by_label("门店地址").fill("北京市朝阳区团结湖中路北2号")
    await click_label(mpage, store, "中路北社区")
    assert await store.get_by_label("坐标系").input_value() == "wgs84"
    await store.get_by_label("粮油").check()
    await store.get_by_label("日用品").check()
    await store.get_by_label("营业时间").fill("07:00-22:00")
    await store.get_by_label("提供送货上门").check()
    await store.get_by_label("配送半径（米）").fill("1500")
    await store.get_by_label("每日可配送单数").fill("30")
    await fits(mpage, 375)
    await screens(merchant, "apply")
    await mpage.get_by_role("button", name="提交申请").click()
    await mpage.locator("#created:not([hidden]), #problem:not([hidden])").first.wait_for()
    problem = mpage.locator("#problem")
    assert await problem.is_hidden(), await mpage.locator("#application-form").inner_text()
    assert "请立即妥善保存此令牌" in await mpage.locator("#created").inner_text()
    status_link = await mpage.get_by_role("link", name="打开申请状态页").get_attribute("href")
    assert status_link is not None
    app_id = str(await conn.fetchval("SELECT id FROM applications"))
    assert await conn.fetchval("SELECT status FROM applications") == "under_review"

    # 3. The first reviewer asks for the business licence.
    li = await journey.page()
    lpage = li.page
    await sign_in(lpage, server, "/review", li_token, "reviewer-li")
    await lpage.get_by_role("link", name=SHOP).first.click()
    await lpage.wait_for_url(f"**/review/applications/{app_id}")
    await lpage.get_by_label("需要补充什么").fill("请上传营业执照，并说明配送人手。")
    await lpage.get_by_label("营业执照").check()
    await lpage.get_by_role("button", name="发送补充信息请求").click()
    await lpage.locator("#info-sent").filter(has_text="需上传：营业执照").wait_for()
    await lpage.locator("#app-status").filter(has_text="待补充信息").wait_for()

    # 4. The merchant answers beside the question and uploads the licence.
    await mpage.get_by_role("link", name="打开申请状态页").click()
    request = mpage.locator(".request.open")
    await request.wait_for()
    assert "需要提供：营业执照" in await request.inner_text()
    await request.get_by_label("上传营业执照").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    )
    await request.get_by_role("button", name="上传", exact=True).click()
    await request.locator(".success").filter(has_text="已上传").wait_for()
    await request.get_by_label("回复此提问").fill("营业执照已上传；两名店员负责送货。")
    await request.get_by_role("button", name="发送回复").click()
    await mpage.locator("#ov-status").filter(has_text="评审中").wait_for()
    assert await conn.fetchval("SELECT kind FROM application_documents") == "business_licence"

    # 5. The admin creates a reviewer who may decide and puts them on the panel.
    zhang_token = await new_staff("reviewer-zhang", "reviewer", True)
    await onto_panel("reviewer-zhang")
    await screens(admin, "admin")

    # 6. That reviewer scores and decides.
    zhang = await journey.page()
    zpage = zhang.page
    await sign_in(zpage, server, "/review", zhang_token, "reviewer-zhang")
    await zpage.locator(f'#ranking tr[data-id="{app_id}"]').wait_for()
    await screens(zhang, "review")
    await zpage.get_by_role("link", name=SHOP).first.click()
    await zpage.wait_for_url(f"**/review/applications/{app_id}")
    await zpage.locator("#app-docs li.doc").filter(has_text="营业执照.pdf").wait_for()
    async with zpage.expect_download() as licence:
        await zpage.get_by_role("button", name="下载 营业执照.pdf").click()
    assert (await licence.value).suggested_filename == "营业执照.pdf"
    await zpage.get_by_label("社区覆盖").fill("85")
    await zpage.get_by_label("配送能力").fill("80")
    await zpage.get_by_label("结算与数据准备").fill("90")
    await zpage.get_by_role("button", name="提交评分").click()
    await zpage.locator("#review-saved").filter(has_text="评分已保存").wait_for()
    await zpage.get_by_label("结论").select_option("approved")
    await zpage.get_by_label("理由").fill("覆盖中路北社区，配送能力强")
    await zpage.get_by_role("button", name="提交决定").click()
    await zpage.get_by_role("dialog").get_by_role("button", name="确认通过").click()
    await zpage.locator("#decision-done").filter(has_text="已通过").wait_for()
    await screens(zhang, "review-application")

    # 7. The merchant sees the decision; the bridge got each event exactly once.
    # She switched to WeChat meanwhile (where the notice arrived) and comes back to the page.
    await come_back(mpage)
    decision = mpage.locator("#decision")
    await decision.filter(has_text="已通过").wait_for()
    assert "覆盖中路北社区，配送能力强" in await decision.inner_text()
    assert "中路北店" in await mpage.locator("#dc-stores").inner_text()
    await mpage.set_viewport_size(PHONE)
    await fits(mpage, 375)
    await screens(merchant, "status")

    async def all_delivered() -> bool:
        return await conn.fetchval(
            "SELECT count(*) = 3 AND bool_and(status = 'delivered') FROM notification_events"
        )

    await eventually(all_delivered, "the three webhook deliveries")
    events = {
        str(r["id"]): r["type"]
        for r in await conn.fetch("SELECT id, type FROM notification_events")
    }
    assert sorted(events.values()) == ["decision", "info_answered", "info_requested"]
    assert receiver.taken() == {event_id: 1 for event_id in events}
    for delivery in receiver.deliveries:
        verify(WEBHOOK_SECRET, delivery.signature, delivery.body)

    # 8. A dispatcher (created in /admin) takes a call on a phone: finds the community,
    #    routes the household, declares a disaster area around the store and lifts it.
    dispatcher_token = await new_staff("dispatcher-wang", "dispatcher", False)
    dispatcher = await journey.page(phone=True, expected=(401,))
    dpage = dispatcher.page
    await sign_in(dpage, server, "/dispatch", dispatcher_token, "dispatcher-wang")
    await dpage.locator(f'#coverage-list [data-community="{ZLB}"][data-gap="false"]').wait_for()
    await dpage.get_by_label("社区名称或代码").fill("中路北")
    await dpage.get_by_label("社区名称或代码").press("Enter")  # a search: Enter finds
    await dpage.locator(f'#coverage-list li.chosen[data-community="{ZLB}"]').wait_for()
    await click_label(dpage, dpage.locator("#dispatch-map"), "中路北社区")
    await dpage.locator("#serving-list").filter(has_text="能送货到此处的门店：1 家").wait_for()
    await dpage.get_by_label("粮油").check()
    await dpage.get_by_label("住户编号（可选）").fill("ZLB-0077")
    # Enter after typing the household's number does not dispatch (a reservation) by itself.
    await count_submits(dpage, "#point-form", "#area-form")
    await dpage.get_by_label("住户编号（可选）").press("Enter")
    await dpage.get_by_label("纬度").press("Enter")
    assert await dpage.evaluate("window.submits") == 0
    assert await conn.fetchval("SELECT count(*) FROM reservations") == 0
    await dpage.get_by_role("button", name="派单并预留今日配送").click()
    routed = dpage.locator("#route-result .routed")
    await routed.wait_for()
    assert "中路北店" in await routed.inner_text()
    await fits(dpage, 375)

    await draw_square_around_chosen_store(dpage, 40)
    await dpage.get_by_label("宣布灾区并将区内门店标记为受灾").check()
    await dpage.get_by_label("灾区名称").fill("团结湖内涝")
    await dpage.get_by_label("灾区名称").press("Enter")  # declaring takes the button
    assert await dpage.evaluate("window.submits") == 1  # the one click on 派单
    assert await conn.fetchval("SELECT count(*) FROM disaster_areas") == 0
    await dpage.get_by_role("button", name="查看影响").click()
    await dpage.locator("#area-result .declared").wait_for()
    assert "住户 ZLB-0077" in await dpage.locator("#area-result .reroute").inner_text()
    await dpage.locator("#area-list .area-item", has_text="团结湖内涝").wait_for()
    assert await conn.fetchval("SELECT status FROM stores") == "affected"
    await screens(dispatcher, "dispatch")
    await dpage.get_by_role("button", name="解除灾区 团结湖内涝").click()
    await dpage.get_by_role("button", name="确认解除灾区 团结湖内涝").click()
    await dpage.locator('#lift-result [data-outcome="restored"]', has_text="中路北店").wait_for()
    await dpage.locator("#area-list", has_text="当前没有已宣布的灾区").wait_for()
    assert await conn.fetchval("SELECT status FROM stores") == "active"

    # 9. The API's own page, for the integrators.
    schema = await journey.page()
    await schema.page.goto(f"{server}/schema")
    await schema.page.locator(".opblock").first.wait_for()
    await screens(schema, "schema")

    assert journey.server_errors == []
    roles = {"admin": admin, "merchant": merchant, "reviewer-li": li,
             "reviewer-zhang": zhang, "dispatcher": dispatcher, "schema": schema}
    for name, watched in roles.items():
        assert watched.errors == [], (name, watched.errors)
