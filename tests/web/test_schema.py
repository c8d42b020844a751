"""/schema renders its UI with no internet: vendored Swagger UI, the bearer scheme declared,
a schema for every response, errors as problem details."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Route

from tests.serving import ARTIFACTS

pytestmark = pytest.mark.asyncio


async def test_schema_ui_renders_offline(server: str, open_page) -> None:
    outside: list[str] = []

    async def local_only(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    for width, name in ((1280, "schema-1280"), (375, "schema-375")):
        watched = await open_page(phone=width < 400, expected_statuses=())
        page = watched.page
        await page.set_viewport_size({"width": width, "height": 900})
        await page.route("**/*", local_only)
        await page.goto(f"{server}/schema")
        # the operations are listed, grouped by tag, with the Authorize button of the scheme
        path = page.locator(".opblock-summary-path", has_text="/api/v1/disaster-areas")
        await path.first.wait_for()
        assert await page.locator(".opblock").count() >= 40
        assert await page.locator("button.authorize").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "screens").mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "screens" / f"{name}.png"))
    assert outside == []


async def test_document_declares_bearer_and_schemas(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        doc = (await http.get("/schema/openapi.json")).json()
        page = (await http.get("/schema")).text
    assert "cdn" not in page.lower() and "/static/vendor/swagger-ui/" in page
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"][
            "bearer"]["description"]}
    created = doc["paths"]["/api/v1/applications"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"id", "applicant_token", "status_url", "requirements"} <= set(schema["required"])
    assert "security" not in doc["paths"]["/api/v1/applications"]["post"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for code, response in op["responses"].items():
                if code == "204":
                    continue
                content = response.get("content")
                assert content, f"{method} {path} {code} has no content"
                for media in content.values():
                    assert media.get("schema"), f"{method} {path} {code} has no schema"
                if code.startswith(("4", "5")):
                    assert list(content) == ["application/problem+json"], (method, path, code)
            if path.startswith("/api/v1/") and op.get("security"):
                assert {"401", "403"} <= set(op["responses"]), (method, path)
    route = doc["paths"]["/api/v1/dispatch/route"]["post"]
    assert route["security"] == [{"bearer": []}]
    assert {"400", "401", "403", "413", "422", "503"} <= set(route["responses"])
