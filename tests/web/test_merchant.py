"""Merchants finish their work in the browser: the map, friendly errors, phones and keyboards,
questions answered with evidence uploaded beside them, the decision and what comes next."""

from __future__ import annotations

import hashlib
import json

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, Route

from geo import from_wgs84, to_wgs84
from tests.factories import merchant
from tests.samples import pdf
from tests.serving import ARTIFACTS
from tests.web.conftest import open_round_with_panel, submit_application

pytestmark = pytest.mark.asyncio
SCREENS = ARTIFACTS / "screens"


async def screen(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


async def marker_centre(page: Page) -> tuple[float, float]:
    marker = page.locator('.store-map path[fill="#c0262d"]')
    await marker.wait_for(state="visible")  # drawn, not only attached (Leaflet's "M0 0")
    box = await marker.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def test_store_placed_moved_by_clicks_and_gcj02_drawn_converted(
    server: str, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    watched = await open_page()
    page = watched.page
    await page.goto(f"{server}/apply?round=beijing-2")
    store = page.locator(".store").first
    store_map = store.locator(".store-map")
    await store_map.scroll_into_view_if_needed()
    # Map controls speak Chinese.
    assert await store.get_by_role("button", name="放大地图").count() == 1
    assert await store.get_by_role("button", name="缩小地图").count() == 1
    box = await store_map.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    await page.mouse.click(cx, cy)
    first = (
        float(await store.get_by_label("经度").input_value()),
        float(await store.get_by_label("纬度").input_value()),
    )
    assert await store.get_by_label("坐标系").input_value() == "wgs84"
    mx, my = await marker_centre(page)
    assert abs(mx - cx) < 2 and abs(my - cy) < 2

    # A second click moves the store (one marker, new coordinates).
    await page.mouse.click(cx + 60, cy + 40)
    moved = (
        float(await store.get_by_label("经度").input_value()),
        float(await store.get_by_label("纬度").input_value()),
    )
    assert moved[0] > first[0] and moved[1] < first[1]
    assert await page.locator('.store-map path[fill="#c0262d"]').count() == 1
    mx, my = await marker_centre(page)
    assert abs(mx - cx - 60) < 2 and abs(my - cy - 40) < 2

    # The first place typed in GCJ-02 (as 高德 shows it): drawn where it really is.
    glon, glat = from_wgs84(*first, "gcj02")
    assert abs(glon - first[0]) > 1e-3  # hundreds of metres apart as numbers
    await store.get_by_label("坐标系").select_option("gcj02")
    await store.get_by_label("经度").fill(f"{glon:.7f}")
    await store.get_by_label("纬度").fill(f"{glat:.7f}")
    await store.get_by_label("纬度").press("Tab")
    marker = await store_map.get_attribute("data-marker")
    assert marker is not None
    lon, lat = map(float, marker.split(","))
    assert abs(lon - first[0]) < 2e-7 and abs(lat - first[1]) < 2e-7
    mx, my = await marker_centre(page)
    assert abs(mx - cx) < 2 and abs(my - cy) < 2
    assert "GCJ-02 坐标已换算" in await store.locator(".map-note").inner_text()

    # Clicking again keeps the merchant's system: the numbers stay GCJ-02.
    await page.mouse.click(cx + 60, cy + 40)
    assert await store.get_by_label("坐标系").input_value() == "gcj02"
    typed = (
        float(await store.get_by_label("经度").input_value()),
        float(await store.get_by_label("纬度").input_value()),
    )
    back = to_wgs84(*typed, "gcj02")
    assert abs(back[0] - moved[0]) < 2e-7 and abs(back[1] - moved[1]) < 2e-7
    await screen(page, "apply-1280")


async def test_phone_errors_by_field_cleared_when_fixed_enter_does_not_submit(
    server: str, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    watched = await open_page(phone=True)
    page = watched.page
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.goto(f"{server}/apply?round=beijing-2")
    await page.locator(".store").first.wait_for()

    # Usable at 375 px: nothing wider than the screen, no label squeezed to a column.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    squeezed = await page.evaluate(
        """() => [...document.querySelectorAll('#application-form label, #application-form legend,'
               + ' #application-form .label')]
            .filter((n) => n.offsetParent !== null && n.textContent.trim().length >= 2)
            .filter((n) => n.getBoundingClientRect().width
                < 1.9 * parseFloat(getComputedStyle(n).fontSize))
            .map((n) => n.textContent.trim())"""
    )
    assert squeezed == []

    # Tab follows the form.
    await page.get_by_label("单位全称（与营业执照一致）").focus()
    order = []
    for _ in range(6):
        await page.keyboard.press("Tab")
        order.append(await page.evaluate("document.activeElement.id"))
    assert order == [
        "f-credit_code",
        "f-mch",
        "f-sc-name",
        "f-sc-mobile",
        "f-feedback",
        "f-trained",
    ]

    # Enter in a text field does not send the application.
    await page.evaluate(
        """() => { window.submits = 0;
            document.getElementById('application-form')
              .addEventListener('submit', () => { window.submits += 1; }); }"""
    )
    name = page.get_by_label("单位全称（与营业执照一致）")
    await name.fill("")
    await name.press("Enter")
    await page.get_by_label("已参加项目培训的门店员工人数").fill("三")
    await page.get_by_label("已参加项目培训的门店员工人数").press("Enter")
    assert await page.evaluate("window.submits") == 0

    await page.get_by_role("button", name="提交申请").click()
    assert await page.evaluate("window.submits") == 1
    name_error = page.locator('[data-pointer="/legal_name"] > .field-error')
    staff_error = page.locator('[data-pointer="/trained_staff"] > .field-error')
    await name_error.wait_for()
    assert await name_error.inner_text() == "请填写企业名称"
    assert await staff_error.inner_text() == "请输入 0 到 100000 之间的整数"
    assert "类型错误" not in await page.locator("#application-form").inner_text()
    await screen(page, "apply-375-errors")

    # Fixing a field takes its error away; the others (the empty store's) stay until fixed.
    shown = await page.locator(".field-error").count()
    await name.fill("北京好邻居便利店有限公司")
    assert await name_error.count() == 0
    assert await name.get_attribute("aria-invalid") is None
    assert await staff_error.count() == 1
    assert await page.locator("#problem").is_visible()
    await page.get_by_label("已参加项目培训的门店员工人数").fill("3")
    assert await staff_error.count() == 0
    assert await page.locator(".field-error").count() == shown - 2
    await screen(page, "apply-375")


async def test_service_down_says_service_unavailable(
    server: str, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    watched = await open_page(expected_statuses=(503,))
    page = watched.page
    await page.goto(f"{server}/apply?round=beijing-2")
    problem = page.locator("#problem")

    await page.route("**/api/v1/applications", lambda route: route.abort("connectionrefused"))
    await page.get_by_role("button", name="提交申请").click()
    await problem.filter(has_text="服务暂时不可用").wait_for()
    assert "网络" not in await problem.inner_text()

    async def unavailable(route: Route) -> None:
        await route.fulfill(
            status=503,
            content_type="application/problem+json",
            body=json.dumps({"status": 503, "detail_zh": "数据库暂时不可用，请稍后重试。"}),
        )

    await page.unroute("**/api/v1/applications")
    await page.route("**/api/v1/applications", unavailable)
    await page.get_by_role("button", name="提交申请").click()
    await problem.filter(has_text="服务暂时不可用").wait_for()
    assert "数据库" not in await problem.inner_text()
    # The refused connection is the point of this test, not a page error.
    watched.errors = [e for e in watched.errors if "ERR_CONNECTION_REFUSED" not in e]


async def decide(server: str, tokens: dict[str, str], app_id: str, reason: str) -> None:
    reviewer = {"Authorization": f"Bearer {tokens['reviewer']}"}
    async with httpx.AsyncClient(base_url=server) as http:
        etag = (await http.get(f"/api/v1/applications/{app_id}", headers=reviewer)).headers["etag"]
        made = await http.post(
            f"/api/v1/applications/{app_id}/decision",
            headers={**reviewer, "If-Match": etag},
            json={"decision": "approved", "reason": reason},
        )
        assert made.status_code == 200, made.text


async def ask(server: str, tokens: dict[str, str], app_id: str, question: str,
              documents: list[str] | None = None) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        asked = await http.post(
            f"/api/v1/applications/{app_id}/info-requests",
            headers={"Authorization": f"Bearer {tokens['reviewer']}"},
            json={"question": question, "requested_documents": documents or []},
        )
        assert asked.status_code == 201, asked.text


async def test_status_question_answered_beside_it_licence_uploaded_then_decision(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=31))
    await ask(server, tokens, created["id"], "请上传营业执照，并说明配送车辆情况")
    link = f"{server}/status#id={created['id']}&token={created['applicant_token']}"
    watched = await open_page(expected_statuses=(409, 412, 415, 422))
    page = watched.page
    await page.goto(link)
    await page.locator("#ov-status").filter(has_text="待补充信息").wait_for()

    request = page.locator(".request.open")
    question = request.locator(".question")
    answer_box = request.get_by_label("回复此提问")
    upload = request.locator(".upload")
    assert "请上传营业执照" in await question.inner_text()
    q, a = await question.bounding_box(), await answer_box.bounding_box()
    assert q is not None and a is not None
    assert a["x"] >= q["x"] + q["width"] - 1 and abs(a["y"] - q["y"]) < 80  # beside it

    # A text file named .pdf is refused next to the control, in plain words.
    await upload.get_by_label("材料类型").select_option("business_licence")
    file_input = upload.locator('input[type="file"]')
    await file_input.set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": b"not really a pdf"}
    )
    await upload.get_by_role("button", name="上传", exact=True).click()
    error = upload.locator(".field-error")
    await error.filter(has_text="只能上传").wait_for()
    assert await file_input.get_attribute("aria-invalid") == "true"

    body = pdf()
    await file_input.set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": body}
    )
    assert await error.is_hidden()
    await upload.get_by_role("button", name="上传", exact=True).click()
    await upload.locator(".success").filter(has_text="已上传：营业执照.pdf").wait_for()
    await page.locator("#doc-list").filter(has_text="营业执照.pdf").wait_for()
    row = await conn.fetchrow("SELECT kind, media_type, sha256 FROM application_documents")
    assert row["kind"] == "business_licence" and row["media_type"] == "application/pdf"
    assert row["sha256"] == hashlib.sha256(body).digest()
    await screen(page, "status-1280-question")

    await answer_box.fill("已上传营业执照；有两辆电动三轮车可配送")
    await request.get_by_role("button", name="发送回复").click()
    await page.locator("#ov-status").filter(has_text="评审中").wait_for()
    assert "已回复：已上传营业执照" in await page.locator("#ov-requests").inner_text()

    await decide(server, tokens, created["id"], "覆盖团结湖 配送能力强")
    await page.reload()
    decision = page.locator("#decision")
    await decision.filter(has_text="已通过").wait_for()
    text = await decision.inner_text()
    assert "覆盖团结湖 配送能力强" in text
    assert "收银系统中设置拦截" in text
    for category in ("烟草", "酒类", "保健品"):
        assert category in await page.locator("#dc-block-list").inner_text()
    assert "团结湖店" in await page.locator("#dc-stores").inner_text()
    assert await page.locator("#doc-upload").is_hidden()
    await screen(page, "status-1280")
    await page.set_viewport_size({"width": 375, "height": 812})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await screen(page, "status-375")


async def test_requested_document_has_its_own_upload_beside_the_question(
    server: str, conn: asyncpg.Connection, tokens: dict[str, str], open_page
) -> None:
    """The reviewer names the document (`requested_documents`): an upload for that kind."""
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=32))
    await ask(server, tokens, created["id"], "请上传营业执照", ["business_licence"])
    watched = await open_page(phone=True)
    page = watched.page
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.goto(f"{server}/status#id={created['id']}&token={created['applicant_token']}")
    request = page.locator(".request.open")
    await request.wait_for()
    assert "需要提供：营业执照" in await request.inner_text()
    upload = request.get_by_label("上传营业执照")
    await upload.set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    )
    await request.get_by_role("button", name="上传", exact=True).click()
    await request.locator(".success").filter(has_text="已上传").wait_for()
    assert await conn.fetchval("SELECT kind FROM application_documents") == "business_licence"
    # On a phone the answer box comes under the question, inside the screen.
    q = await request.locator(".question").bounding_box()
    a = await request.get_by_label("回复此提问").bounding_box()
    assert q is not None and a is not None and a["y"] > q["y"] and a["x"] + a["width"] <= 375
    await screen(page, "status-375-question")
