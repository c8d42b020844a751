"""One settings object (issue 14, items 4, 5 and 7): every field read from the environment by
one rule and documented, the CLI's options derived from it, the workers handed the same
settings, the limits, tiles and disaster-area limits taken from the app's own Settings; the
caller injected; no assert guarding behaviour; handlers in Litestar 3's explicit style."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient, TestClient

from service.app import create_app
from service.auth import Authenticated, authorize
from service.auth.guard import DEPENDENCIES
from service.cli import serve
from service.config import (
    SECRETS,
    Settings,
    SettingsError,
    env_name,
    export_env,
    is_collection,
    setting_fields,
    settings_from_env,
)
from service.http.errors import problem_response
from tests.support import bearer, make_settings

ROOT = Path(__file__).resolve().parents[2]


def _readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("###", 1)[0]
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, flags=re.M))


def test_every_setting_is_documented_in_the_readme() -> None:
    assert _readme_variables() == {env_name(name) for name, _k, _d in setting_fields()}


def test_documented_names_are_read_and_typed() -> None:
    settings = settings_from_env({
        "DATABASE_URL": "postgresql://svc@db/boai",
        "BOAI_MIGRATION_DATABASE_URL": "postgresql://owner@db/boai",
        "BOAI_DATA_DIR": "/srv/boai",
        "BOAI_PORT": "9000",
        "BOAI_APPLICANT_RATE": "7",
        "BOAI_AUTH_FAILURE_RATE": "3",
        "BOAI_WEBHOOK_BACKOFF": "2.5",
        "BOAI_IDEMPOTENCY_LEASE_S": "12",
        "BOAI_TRUSTED_PROXIES": "10.0.0.2, 10.0.0.1,",
        "BOAI_NOTIFY_WORKER": "off",
        "BOAI_TILE_CRS": "gcj02",
        "BOAI_HOST": "",  # empty = unset
    })
    assert settings.database_url == "postgresql://svc@db/boai"
    assert settings.migration_database_url == "postgresql://owner@db/boai"
    assert settings.data_dir == Path("/srv/boai")
    assert settings.port == 9000
    assert settings.applicant_rate_per_minute == 7
    assert settings.auth_failures_per_minute == 3
    assert settings.webhook_backoff_base == 2.5
    assert settings.idempotency_lease == 12.0
    assert settings.trusted_proxies == frozenset({"10.0.0.1", "10.0.0.2"})
    assert settings.notify_worker is False
    assert settings.tile_crs == "gcj02"
    assert settings.host == "127.0.0.1"


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(SettingsError, match="BOAI_AUTH_FAILURE_RATE"):
        settings_from_env({"BOAI_AUTH_FAILURE_RATE": "many"})


def _unusual(kind: Any, default: Any) -> Any:
    if kind is bool:
        return not default
    if kind is int:
        return 7
    if kind is float:
        return 0.1 + 0.2  # round-trips only if written exactly
    if kind is Path:
        return Path("/srv/boai data")
    if is_collection(kind):
        return frozenset({"10.0.0.1", "192.168.1.1"})
    return "地址，with a comma"


def test_the_environment_carries_every_setting_to_the_workers() -> None:
    unusual = Settings(**{name: _unusual(kind, default)  # type: ignore[arg-type]
                          for name, kind, default in setting_fields()})
    assert settings_from_env(unusual.to_env()) == unusual
    # What `boai serve` does before granian starts its workers: the owner's DSN leaves.
    environ = {"BOAI_MIGRATION_DATABASE_URL": "postgresql://owner@db/boai", "PATH": "/bin",
               "BOAI_PORT": "1"}
    export_env(make_settings("postgresql://svc@db/boai", port=8123), environ)
    assert "BOAI_MIGRATION_DATABASE_URL" not in environ and environ["PATH"] == "/bin"
    assert settings_from_env(environ) == make_settings("postgresql://svc@db/boai", port=8123)


def test_serve_options_are_the_settings_fields() -> None:
    options = {p.name for p in serve.params}
    assert {name for name, _k, _d in setting_fields()} - SECRETS <= options
    assert not SECRETS & options  # a secret on a command line is visible to `ps`
    ctx = serve.make_context("serve", ["--max-body-bytes", "1234", "--no-notify-worker",
                                       "--trusted-proxies", "10.0.0.9,10.0.0.8"])
    given = {k: v for k, v in ctx.params.items() if k not in ("workers", "fixtures", "keep_db")}
    settings = settings_from_env({"BOAI_MAX_BODY_BYTES": "99", "BOAI_DB_POOL_MAX": "4"}, **given)
    assert settings.max_body_bytes == 1234  # the option wins over the environment
    assert settings.db_pool_max == 4  # the environment over the default
    assert settings.notify_worker is False
    assert settings.trusted_proxies == frozenset({"10.0.0.8", "10.0.0.9"})


def _ring(n: int, lon: float = 116.464, lat: float = 39.9268) -> dict[str, Any]:
    import math

    points = [[lon + 0.003 * math.cos(2 * math.pi * i / n),
               lat + 0.003 * math.sin(2 * math.pi * i / n)] for i in range(n)]
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


async def test_disaster_area_limits_come_from_settings(
    service_dsn: str, tokens: dict[str, str]
) -> None:
    strict = create_app(make_settings(service_dsn, max_disaster_area_vertices=8))
    default = create_app(make_settings(service_dsn))
    body = {"name": "演练", "area": _ring(12), "mark_affected": False}
    headers = bearer(tokens["dispatcher"])
    async with AsyncTestClient(app=strict) as c:
        refused = await c.post("/api/v1/disaster-areas", headers=headers, json=body)
    async with AsyncTestClient(app=default) as c:
        taken = await c.post("/api/v1/disaster-areas", headers=headers, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["pointer"].startswith("/area")
    assert taken.status_code == 201, taken.text


async def test_tiles_come_from_settings_not_the_environment(
    service_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOAI_TILE_URL", "https://env.example/{z}/{x}/{y}.png")
    plain = create_app(make_settings(service_dsn))
    tiled = create_app(make_settings(service_dsn, tile_url="https://tiles.example/{z}/{x}/{y}.png"))
    async with AsyncTestClient(app=plain) as c:
        plain_csp = (await c.get("/apply")).headers["content-security-policy"]
    async with AsyncTestClient(app=tiled) as c:
        tiled_csp = (await c.get("/apply")).headers["content-security-policy"]
    assert "env.example" not in plain_csp and "env.example" not in tiled_csp
    assert "https://tiles.example" in tiled_csp


def test_a_route_reading_the_caller_without_roles_is_refused_not_crashed() -> None:
    @get("/who", sync_to_thread=False)
    def who(principal: Authenticated) -> str:
        return principal.name

    app = Litestar([who], guards=[authorize], dependencies=DEPENDENCIES,
                   exception_handlers={Exception: problem_response})
    with TestClient(app=app) as client:
        answer = client.get("/who")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_no_assert_guards_behaviour_in_the_service() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "service").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert found == []


def test_handlers_are_in_litestar_3_style() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        create_app(make_settings("postgresql://unused/none"))


def test_litestar_deprecations_fail_the_tests() -> None:
    """pyproject's filterwarnings turns them into errors, so the old style cannot return."""

    @get("/old/{item_id:int}", sync_to_thread=False)
    def old(item_id: int) -> int:  # inferred path parameter: deprecated
        return item_id

    with pytest.raises(DeprecationWarning):
        Litestar([old])


async def test_answers_outside_the_pages_carry_security_headers(service_dsn: str) -> None:
    """The pages set their own policy; the Swagger page, the router's own 404 and the API's
    JSON get one from the middleware, and a page's own policy is not replaced."""
    async with AsyncTestClient(app=create_app(make_settings(service_dsn))) as c:
        schema = await c.get("/schema/swagger")
        unknown = await c.get("/no-such-page")
        page = await c.get("/apply")
    assert schema.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in schema.headers["content-security-policy"]
    assert "script-src 'self'" in schema.headers["content-security-policy"]
    assert unknown.status_code == 404
    assert unknown.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers.get_list("content-security-policy") == [
        page.headers["content-security-policy"]
    ]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for answer in (schema, unknown, page):
        assert answer.headers["x-content-type-options"] == "nosniff"
