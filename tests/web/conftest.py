"""Browser tests: the real service under granian on a loopback port, headless Chromium.

The server runs in a subprocess against the test's own database (`dsn`); each page records
console errors and uncaught exceptions, and a test fails on any it did not expect.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

from tests.serving import ARTIFACTS, granian_server
from tests.webhook_receiver import Receiver, receiving

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium logs every non-2xx fetch as a console error. The pages show these answers to the
# user (422 field errors, a 412/409 conflict); only those statuses may appear, and a test
# that expects none passes `expected_statuses=()`.
_HTTP_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


@pytest.fixture
def server(dsn: str) -> Iterator[str]:
    # vector layers only: no tile server in the tests
    with granian_server(dsn, BOAI_TILE_URL="") as (base, _proc):
        yield base


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


class Watched:
    """A page whose console errors and uncaught exceptions are kept."""

    def __init__(self, page: Page, expected_statuses: tuple[int, ...]) -> None:
        self.page = page
        self.expected = expected_statuses
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "assert"):
            return
        found = _HTTP_STATUS.match(message.text)
        if found and int(found.group(1)) in self.expected:
            return
        self.errors.append(f"console {message.type}: {message.text} @ {message.location}")

    def assert_clean(self) -> None:
        assert self.errors == [], "browser console errors:\n" + "\n".join(self.errors)

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
async def open_page(browser: Browser) -> AsyncIterator[Callable[..., Awaitable[Watched]]]:
    """`await open_page(phone=True)`: a fresh context and page; all checked at teardown."""
    pages: list[Watched] = []
    contexts = []

    async def make(
        *, phone: bool = False, expected_statuses: tuple[int, ...] = (409, 412, 422)
    ) -> Watched:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = await browser.new_context(
            viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone,
            device_scale_factor=1,
        )
        contexts.append(context)
        watched = Watched(await context.new_page(), expected_statuses)
        watched.page.set_default_timeout(15_000)
        pages.append(watched)
        return watched

    yield make
    for context in contexts:
        await context.close()
    for watched in pages:
        watched.assert_clean()


async def open_round_with_panel(
    server: str, tokens: dict[str, str], code: str = "beijing-2"
) -> None:
    """The round (default rubric) through the API, with reviewer-1 on its panel."""
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    async with httpx.AsyncClient(base_url=server) as http:
        made = await http.post(
            "/api/v1/rounds", headers=admin, json={"code": code, "name": "北京第二批爱心商家招募"}
        )
        assert made.status_code == 201, made.text
        panel = await http.put(f"/api/v1/rounds/{code}/reviewers/reviewer-1", headers=admin)
        assert panel.status_code == 200, panel.text


async def submit_application(server: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server) as http:
        created = await http.post("/api/v1/applications", json=body)
    assert created.status_code == 201, created.text
    return created.json()


WEBHOOK_SECRET = "web-test-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server that records the webhook deliveries it receives."""
    with receiving() as r:
        yield r


@pytest.fixture
def notifying_server(dsn: str, receiver: Receiver) -> Iterator[str]:
    """The service under granian, delivering notifications to `receiver` (fast retries)."""
    env = {
        "BOAI_TILE_URL": "",
        "BOAI_WEBHOOK_URL": receiver.url,
        "BOAI_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "BOAI_WEBHOOK_BACKOFF": "0.1",
    }
    with granian_server(dsn, **env) as (base, _proc):
        yield base


async def draw_square_around_chosen_store(page: Page, half_px: int) -> None:
    """Four disaster-area vertices around the ringed (chosen) store, wherever it is on screen."""
    await page.get_by_label("添加灾区顶点").check()
    ring = page.locator("#dispatch-map path.chosen-store")
    # Visible, not only attached: Leaflet draws a path outside its renderer's bounds as "M0 0".
    await ring.wait_for(state="visible")
    await ring.scroll_into_view_if_needed()
    box = await ring.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        await page.mouse.click(cx + dx * half_px, cy + dy * half_px)
    await page.locator("#area-status").filter(has_text="4 个顶点").wait_for()


async def approve_application(server: str, token: str, application: dict[str, Any],
                              reason: str) -> None:
    """The panel approves, as a reviewer's page would: the current ETag as If-Match."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server) as http:
        etag = (await http.get(application["status_url"], headers=headers)).headers["etag"]
        decided = await http.post(
            f"/api/v1/applications/{application['id']}/decision",
            headers={**headers, "If-Match": etag},
            json={"decision": "approved", "reason": reason},
        )
    assert decided.status_code == 200, decided.text
