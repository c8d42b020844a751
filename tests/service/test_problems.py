"""Every error is RFC 9457 problem details, naming every invalid field."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.support import bearer, make_settings


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in problem
    assert problem["status"] == status
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"]
    return problem


async def test_malformed_json(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/users",
        content=b'{"name": "x", ',
        headers={**bearer(tokens["admin"]), "content-type": "application/json"},
    )
    problem = assert_problem(response, 400)
    assert problem["type"].endswith("/malformed-body")


async def test_wrong_content_type(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/users",
        content=b"name=x",
        headers={**bearer(tokens["admin"]), "content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)


async def test_three_invalid_fields_all_reported(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"name": "x" * 101, "role": "king", "can_decide": "yes"},
        headers=bearer(tokens["admin"]),
    )
    problem = assert_problem(response, 422)
    pointers = {e["pointer"] for e in problem["errors"]}
    assert pointers == {"/name", "/role", "/can_decide"}
    for error in problem["errors"]:
        assert error["detail_en"] and error["detail_zh"] and error["code"]


async def test_missing_and_unknown_fields(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/users", json={"nmae": "x"}, headers=bearer(tokens["admin"])
    )
    problem = assert_problem(response, 422)
    codes = {(e["pointer"], e["code"]) for e in problem["errors"]}
    assert codes == {("/nmae", "unknown_field"), ("/name", "required"), ("/role", "required")}


async def test_oversize_body_is_413(dsn: str, tokens: dict[str, str]) -> None:
    app = create_app(make_settings(dsn, max_body_bytes=1000))
    async with AsyncTestClient(app=app) as small:
        response = await small.post(
            "/api/v1/users",
            json={"name": "x" * 5000, "role": "admin"},
            headers=bearer(tokens["admin"]),
        )
    assert_problem(response, 413)


async def test_unknown_route_and_method(client: AsyncTestClient) -> None:
    assert_problem(await client.get("/api/v1/nowhere"), 404)
    assert_problem(await client.put("/health/live"), 405)


async def test_request_id_is_echoed_or_made(client: AsyncTestClient) -> None:
    response = await client.get("/health/live", headers={"x-request-id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    for hostile in ("bad id; drop", "x" * 65):
        other = await client.get("/health/live", headers={"x-request-id": hostile})
        assert other.headers["x-request-id"] != hostile and len(other.headers["x-request-id"]) == 32


async def test_log_lines_are_json_with_the_request_id(client: AsyncTestClient) -> None:
    import io
    import json
    import logging

    from service.http.logging import JsonFormatter

    root = logging.getLogger()
    assert isinstance(root.handlers[0].formatter, JsonFormatter)  # not replaced at startup
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("boai.access")
    access.addHandler(handler)
    previous = access.level
    access.setLevel(logging.INFO)
    try:
        await client.get("/api/v1/nowhere", headers={"x-request-id": "trace-77"})
    finally:
        access.removeHandler(handler)
        access.setLevel(previous)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert any(
        line["request_id"] == "trace-77" and line["path"] == "/api/v1/nowhere"
        and line["status"] == 404 for line in lines
    ), lines
