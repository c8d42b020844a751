"""/admin: an admin issues a merchant's data feed key (shown once), the merchant reports with
it, a rotation makes the old key stop working."""

from __future__ import annotations

import httpx
import pytest

from tests.service.redemption_world import WUMART, approved_network, record
from tests.web.test_review import sign_in

pytestmark = pytest.mark.asyncio


async def test_admin_issues_and_rotates_a_merchant_key(
    server: str, tokens: dict[str, str], open_page, conn
) -> None:
    merchants = await approved_network(conn)
    app_id, stores = merchants[WUMART]
    watched = await open_page(expected_statuses=())
    page = watched.page
    await sign_in(page, server, "/admin", tokens["admin"], "admin-1")
    row = page.locator(f'#merchant-keys tr[data-application="{app_id}"]')
    await row.filter(has_text="未签发").wait_for()
    await row.get_by_role("button", name="签发密钥").click()
    await page.locator("#new-key").filter(has_text="只显示这一次").wait_for()
    key = (await page.locator("#new-key-value").inner_text()).strip()
    assert key.startswith("boai_m_")
    await row.filter(has_text="有效").wait_for()

    batch = {"records": [record(stores[0], "WEB-1")]}
    async with httpx.AsyncClient(base_url=server) as http:
        sent = await http.post("/api/v1/redemptions", json=batch,
                               headers={"Authorization": f"Bearer {key}"})
    # the key opens the feed (without a household key configured the feed answers 503)
    assert sent.status_code not in (401, 403), sent.text

    await page.get_by_role("button", name="我已保存，隐藏密钥").click()
    assert key not in await page.content()
    await row.get_by_role("button", name="轮换密钥").click()
    await page.locator("#new-key").filter(has_text="旧密钥已失效").wait_for()
    new = (await page.locator("#new-key-value").inner_text()).strip()
    assert new != key
    async with httpx.AsyncClient(base_url=server) as http:
        old = await http.post("/api/v1/redemptions", json=batch,
                              headers={"Authorization": f"Bearer {key}"})
    assert old.status_code == 401
