"""Notifications end to end under granian, as `boai serve` runs them: the worker in the
server's lifespan delivers the reviewer's question to the webhook receiver once, and the
applicant's status page lists it as delivered."""

from __future__ import annotations

import httpx
import pytest

from service.notify.signing import verify
from tests.factories import merchant
from tests.web.conftest import WEBHOOK_SECRET, open_round_with_panel, submit_application
from tests.webhook_receiver import Receiver, eventually

pytestmark = pytest.mark.asyncio


async def test_status_page_lists_the_delivered_question(
    notifying_server: str, receiver: Receiver, tokens: dict[str, str], open_page
) -> None:
    server = notifying_server
    await open_round_with_panel(server, tokens)
    created = await submit_application(server, merchant(seed=41))
    async with httpx.AsyncClient(base_url=server) as http:
        asked = await http.post(
            f"/api/v1/applications/{created['id']}/info-requests",
            headers={"Authorization": f"Bearer {tokens['reviewer']}"},
            json={"question": "请补充门店食品经营许可证编号"},
        )
        assert asked.status_code == 201, asked.text

    applicant = {"Authorization": f"Bearer {created['applicant_token']}"}

    async def delivered() -> bool:
        async with httpx.AsyncClient(base_url=server) as http:
            r = await http.get(f"/api/v1/applications/{created['id']}/events", headers=applicant)
        return [e["delivery"] for e in r.json()] == ["delivered"]

    await eventually(delivered, "the webhook delivery")
    [delivery] = receiver.deliveries
    verify(WEBHOOK_SECRET, delivery.signature, delivery.body)

    watched = await open_page()
    page = watched.page
    await page.goto(f"{server}/status#id={created['id']}&token={created['applicant_token']}")
    item = page.locator("#ov-events li.event[data-delivery='delivered']")
    await item.wait_for()
    assert "评审提问" in await item.inner_text() and "已送达" in await item.inner_text()
    await watched.screenshot("web-status-events")
    assert receiver.taken() == {delivery.event_id: 1}
