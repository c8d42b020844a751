"""Who may call what: every API route × every kind of caller, against an explicit table.

Callers: no token (`anonymous`), the applicant token of the application in the path
(`own`), an applicant token of a different application (`other`), and the staff roles
`reviewer`, `dispatcher` and `admin`. For each cell:

- anonymous on a non-public route: 401 problem details with a Bearer challenge;
- `other` on a route that admits applicants for one application: 404, exactly as if the
  application did not exist (never 403, which would reveal it does);
- any other caller the table does not list: 403 problem details;
- a caller the table lists: neither 401 nor 403 nor 5xx (the request carries a minimal or
  empty body, so 2xx or a 4xx about the body or the state are both fine).

The table's keys must equal the app's API routes, so a new route without an entry fails.
Masking of contacts is checked at the end; rate limiting of failed authentication is
covered by `test_auth.py::test_failed_authentication_is_rate_limited`.
The number of cells checked is printed and written to `artifacts/access-matrix.json`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.rounds.repository import assign_reviewer
from tests.factories import merchant, ngo, open_round
from tests.support import bearer, make_settings

ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "access-matrix.json"
CALLERS = ("anonymous", "other", "own", "reviewer", "dispatcher", "admin")
EVERYONE = frozenset(CALLERS)
STAFF = frozenset({"reviewer", "dispatcher", "admin"})
APPLICANTS = frozenset({"own", "other"})

# "METHOD /path" -> the callers allowed. Admins are listed wherever the guard implies them.
ACCESS: dict[str, frozenset[str]] = {
    # who am I: any valid token
    "GET /api/v1/me": STAFF | APPLICANTS,
    # staff users
    "GET /api/v1/users": frozenset({"admin"}),
    "POST /api/v1/users": frozenset({"admin"}),
    "DELETE /api/v1/users/{name}/tokens": frozenset({"admin"}),
    # communities
    "GET /api/v1/communities": EVERYONE,
    "GET /api/v1/communities.geojson": EVERYONE,
    "GET /api/v1/districts": EVERYONE,
    "POST /api/v1/communities/import": frozenset({"admin"}),
    # applications: anyone applies; the applicant sees, amends and withdraws their own
    "POST /api/v1/applications": EVERYONE,
    "GET /api/v1/applications": STAFF,
    "GET /api/v1/applications/{application_id}": STAFF | {"own"},
    "PATCH /api/v1/applications/{application_id}": frozenset({"admin", "own"}),
    "POST /api/v1/applications/{application_id}/withdraw": frozenset({"admin", "own"}),
    "GET /api/v1/applications/{application_id}/audit": frozenset({"reviewer", "admin"}),
    # documents: the applicant uploads (admins may act for it); the panel reads
    "POST /api/v1/applications/{application_id}/documents": frozenset({"admin", "own"}),
    "GET /api/v1/applications/{application_id}/documents": frozenset({"reviewer", "admin", "own"}),
    "GET /api/v1/applications/{application_id}/documents/{document_id}": frozenset(
        {"reviewer", "admin", "own"}
    ),
    # panel review
    "GET /api/v1/applications/{application_id}/scorecard": frozenset({"reviewer", "admin", "own"}),
    "GET /api/v1/applications/{application_id}/reviews": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/reviews": frozenset({"reviewer", "admin"}),
    "GET /api/v1/applications/{application_id}/conflicts": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/conflicts": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/info-requests": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/decision": frozenset({"reviewer", "admin"}),
    # notifications: the applicant's own events; staff also see why a delivery failed
    "GET /api/v1/applications/{application_id}/events": frozenset({"reviewer", "admin", "own"}),
    # chains: store-list files (public, like applying), coverage and decisions per store
    "GET /api/v1/store-files/template.xlsx": EVERYONE,
    "GET /api/v1/store-files/template.csv": EVERYONE,
    "POST /api/v1/store-files/check": EVERYONE,
    "PUT /api/v1/applications/{application_id}/stores": frozenset({"admin", "own"}),
    "GET /api/v1/applications/{application_id}/store-coverage": frozenset({"reviewer", "admin"}),
    "GET /api/v1/applications/{application_id}/store-decisions": frozenset(
        {"reviewer", "admin", "own"}
    ),
    "POST /api/v1/applications/{application_id}/store-decisions": frozenset(
        {"reviewer", "admin"}
    ),
    "POST /api/v1/applications/{application_id}/change-requests": frozenset({"admin", "own"}),
    "GET /api/v1/applications/{application_id}/change-requests": frozenset(
        {"reviewer", "admin", "own"}
    ),
    "POST /api/v1/change-requests/{request_id}/decision": frozenset({"reviewer", "admin"}),
    "GET /api/v1/change-requests": frozenset({"reviewer", "admin"}),
    # rounds
    "GET /api/v1/rounds": STAFF,
    "POST /api/v1/rounds": frozenset({"admin"}),
    "PATCH /api/v1/rounds/{code}": frozenset({"admin"}),
    "PUT /api/v1/rounds/{code}/rubric": frozenset({"admin"}),
    "GET /api/v1/rounds/{code}/rubrics": frozenset({"admin"}),
    "POST /api/v1/rounds/{code}/rescore": frozenset({"admin"}),
    "GET /api/v1/rounds/{code}/reviewers": frozenset({"reviewer", "admin"}),
    "PUT /api/v1/rounds/{code}/reviewers/{user}": frozenset({"admin"}),
    "DELETE /api/v1/rounds/{code}/reviewers/{user}": frozenset({"admin"}),
    "GET /api/v1/rounds/{code}/ranking": frozenset({"reviewer", "admin"}),
    "POST /api/v1/rounds/{code}/shortlist": frozenset({"reviewer", "admin"}),
    # registry
    "GET /api/v1/stores/serving": STAFF,
    "GET /api/v1/stores/nearest": STAFF,
    "GET /api/v1/stores/{store_id}": STAFF,
    "PATCH /api/v1/stores/{store_id}/status": frozenset({"dispatcher", "admin"}),
    "GET /api/v1/stores.geojson": STAFF,
    "GET /api/v1/coverage": STAFF,
    "POST /api/v1/disaster-areas": frozenset({"dispatcher", "admin"}),
    "GET /api/v1/disaster-areas": STAFF,
    "POST /api/v1/disaster-areas/{area_id}/lift": frozenset({"dispatcher", "admin"}),
    # dispatch
    "POST /api/v1/dispatch/route": frozenset({"dispatcher", "admin"}),
    "POST /api/v1/dispatch/assign": frozenset({"dispatcher", "admin"}),
    "GET /api/v1/dispatch/reservations": frozenset({"dispatcher", "admin"}),
    "POST /api/v1/dispatch/reservations/{reservation_id}/release": frozenset(
        {"dispatcher", "admin"}
    ),
    # joint assessment (issue 17): organisations, joint rules, site visits, training
    "GET /api/v1/organisations": STAFF,
    "POST /api/v1/organisations": frozenset({"admin"}),
    "PUT /api/v1/organisations/{code}/members/{user}": frozenset({"admin"}),
    "DELETE /api/v1/organisations/{code}/members/{user}": frozenset({"admin"}),
    "GET /api/v1/rounds/{code}/joint-rules": frozenset({"reviewer", "admin"}),
    "PUT /api/v1/rounds/{code}/joint-rules": frozenset({"admin"}),
    "DELETE /api/v1/rounds/{code}/joint-rules": frozenset({"admin"}),
    # street/community reviewers outside their area get 404 here (tests/service/test_joint.py)
    "GET /api/v1/applications/{application_id}/joint-status": frozenset({"reviewer", "admin"}),
    "GET /api/v1/applications/{application_id}/site-visits": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/site-visits": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/site-visit-photos": frozenset(
        {"reviewer", "admin"}
    ),
    "GET /api/v1/applications/{application_id}/trainings": frozenset({"reviewer", "admin"}),
    "POST /api/v1/applications/{application_id}/trainings": frozenset({"reviewer", "admin"}),
    # field leads: any staff member records and invites; the link opens for anyone holding
    # it; the applicant it reached redeems it for its own application
    "POST /api/v1/leads": STAFF,
    "GET /api/v1/leads": STAFF,
    "GET /api/v1/leads/conversion": frozenset({"reviewer", "admin"}),
    "POST /api/v1/leads/{lead_id}/invitation": STAFF,
    "POST /api/v1/invitations/open": EVERYONE,
    "POST /api/v1/applications/{application_id}/invitation": frozenset({"admin", "own"}),
    # the feedback loop: admins issue merchants' keys; only a merchant key (none of these
    # callers: tests/service/test_redemptions.py) reports redemptions; staff monitor
    "POST /api/v1/merchants/{application_id}/key": frozenset({"admin"}),
    "GET /api/v1/merchants/{application_id}/key": frozenset({"admin"}),
    "DELETE /api/v1/merchants/{application_id}/key": frozenset({"admin"}),
    "POST /api/v1/redemptions": frozenset(),
    "GET /api/v1/monitoring/alerts": STAFF,
    "PATCH /api/v1/monitoring/alerts/{alert_id}": frozenset({"dispatcher", "admin"}),
    "POST /api/v1/monitoring/alerts/{alert_id}/suspend-store": frozenset(
        {"dispatcher", "admin"}
    ),
    "GET /api/v1/reports/consumption": STAFF,
}

# Not API routes: the OpenAPI document, static files, health probes and the HTML pages
# (which call the API with the user's token).
NOT_API = re.compile(r"^/(schema|static|health)(/|$)")
PAGES = {
    "GET /",
    "GET /apply",
    "GET /status",
    "GET /review",
    "GET /review/applications/{application_id}",
    "GET /admin",
    "GET /dispatch",
    "GET /leads",
    "GET /monitor",
}

# Bodies chosen so that no cell changes what a later cell sees: the review routes get an
# empty (invalid) body, PATCH an empty merge patch; the withdraw of the own application
# happens last in its row and later answers are 409, which is fine.
BODIES: dict[str, Any] = {
    "PATCH /api/v1/applications/{application_id}": {},
    "POST /api/v1/applications/{application_id}/withdraw": {"reason": "访问矩阵测试"},
    # invalid, so no cell sets joint rules that would change what later cells see
    "PUT /api/v1/rounds/{code}/joint-rules": {"quorum": -1},
    "GET": None,
    "DELETE": None,
}
QUERIES: dict[str, dict[str, Any]] = {
    "GET /api/v1/stores/serving": {"lon": 116.4663, "lat": 39.9303},
    "GET /api/v1/stores/nearest": {"lon": 116.4663, "lat": 39.9303},
    "GET /api/v1/dispatch/reservations": {"household_ref": "ZLB-0001"},
}


def template(path: str) -> str:
    """`/a/{id:uuid}` -> `/a/{id}`."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


def app_routes() -> set[str]:
    app = create_app(make_settings("postgresql://unused/none"))
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or NOT_API.match(route.path):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                found.add(f"{method} {template(route.path)}")
    return found - PAGES


def announce(config: pytest.Config, line: str) -> None:
    """Print past pytest's output capture, so the count shows in every run's output."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def expected(key: str, caller: str) -> int | None:
    """The status a caller must get, or None for "allowed" (anything but 401/403/5xx)."""
    allowed = ACCESS[key]
    if caller in allowed:
        return None
    if caller == "anonymous":
        return 401
    if caller == "other" and "own" in allowed and "{application_id}" in key:
        return 404
    return 403


def test_table_covers_exactly_the_api_routes() -> None:
    routes = app_routes()
    assert set(ACCESS) - routes == set(), "table entries without a route"
    assert routes - set(ACCESS) == set(), "routes without an entry in ACCESS"


@pytest.fixture
async def matrix_client(dsn: str) -> AsyncIterator[AsyncTestClient]:
    # Every caller comes from one test address; keep the applicant limit out of the way.
    app = create_app(make_settings(dsn, applicant_rate_per_minute=100_000))
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
async def world(
    conn: asyncpg.Connection, matrix_client: AsyncTestClient, tokens: dict[str, str]
) -> dict[str, Any]:
    """Two applications (tokens for each), reviewer-1 on beijing-2's panel."""
    await open_round(conn)
    await assign_reviewer(conn, "beijing-2", "reviewer-1", "test")
    mine = (await matrix_client.post("/api/v1/applications", json=merchant(seed=1))).json()
    theirs = (await matrix_client.post("/api/v1/applications", json=ngo(seed=101))).json()
    headers = {role: bearer(tokens[role]) for role in ("reviewer", "dispatcher", "admin")}
    headers["own"] = bearer(mine["applicant_token"])
    headers["other"] = bearer(theirs["applicant_token"])
    headers["anonymous"] = {}
    return {"id": mine["id"], "ngo_id": theirs["id"], "headers": headers}


def concrete(key: str, application_id: str) -> tuple[str, str]:
    method, path = key.split(" ", 1)
    path = path.format(
        application_id=application_id,
        store_id=uuid.uuid4(),
        reservation_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        area_id=uuid.uuid4(),
        lead_id=uuid.uuid4(),
        alert_id=1,
        code="beijing-2",
        name="nobody",
        user="reviewer-2",
    )
    return method, path


async def test_every_route_and_caller(
    matrix_client: AsyncTestClient, world: dict[str, Any], pytestconfig: pytest.Config
) -> None:
    wrong: list[str] = []
    cells = 0
    for key in sorted(ACCESS):
        method, path = concrete(key, world["id"])
        body = BODIES.get(key, BODIES.get(method, {}))
        # The own applicant goes last, so a withdrawal does not change the others' answers.
        for caller in sorted(CALLERS, key=lambda c: c == "own"):
            response = await matrix_client.request(
                method,
                path,
                headers=world["headers"][caller],
                params=QUERIES.get(key),
                json=body,
            )
            cells += 1
            got, want = response.status_code, expected(key, caller)
            cell = f"{key} as {caller}: {got} {response.text[:160]}"
            if "content-security-policy" not in response.headers:
                wrong.append(f"{cell} (no Content-Security-Policy)")
            if response.headers.get("x-content-type-options") != "nosniff":
                wrong.append(f"{cell} (no X-Content-Type-Options: nosniff)")
            if want is None:
                if got in (401, 403) or got >= 500:
                    wrong.append(f"{cell} (expected allowed)")
                continue
            if got != want:
                wrong.append(f"{cell} (expected {want})")
                continue
            if not response.headers["content-type"].startswith("application/problem+json"):
                wrong.append(f"{cell} (not problem details)")
            if want == 401 and not response.headers.get("www-authenticate", "").startswith(
                "Bearer"
            ):
                wrong.append(f"{cell} (no Bearer challenge)")
    assert not wrong, "\n".join(wrong)
    assert cells == len(ACCESS) * len(CALLERS)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(
        json.dumps(
            {
                "routes": len(ACCESS),
                "callers": list(CALLERS),
                "cells": cells,
                "allowed": {key: sorted(ACCESS[key]) for key in sorted(ACCESS)},
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    announce(
        pytestconfig,
        f"access matrix: {cells} route×caller cells over {len(ACCESS)} routes "
        f"(artifacts/access-matrix.json)",
    )


async def test_refusals_do_not_depend_on_the_body(
    matrix_client: AsyncTestClient, world: dict[str, Any]
) -> None:
    """A caller who may not use a route is refused before its body is looked at."""
    wrong: list[str] = []
    for key in sorted(ACCESS):
        method, path = concrete(key, world["id"])
        if method not in ("POST", "PUT", "PATCH"):
            continue
        for caller in CALLERS:
            want = expected(key, caller)
            if want is None:
                continue
            response = await matrix_client.request(
                method, path, headers=world["headers"][caller], json=[1]
            )
            if response.status_code != want:
                wrong.append(f"{key} as {caller}: {response.status_code}, expected {want}")
    assert not wrong, "\n".join(wrong)


async def test_contacts_masked_for_roles_that_do_not_need_them(
    matrix_client: AsyncTestClient, world: dict[str, Any]
) -> None:
    headers = world["headers"]
    full = {"name": "王芳", "mobile": "13800138000"}
    masked = {"name": "王*", "mobile": "138****8000"}

    async def contact(caller: str) -> dict[str, str]:
        response = await matrix_client.get(
            f"/api/v1/applications/{world['id']}", headers=headers[caller]
        )
        assert response.status_code == 200, response.text
        return response.json()["application"]["settlement_contact"]

    assert await contact("dispatcher") == masked
    for caller in ("reviewer", "admin", "own"):
        assert await contact(caller) == full, caller

    for caller in ("reviewer", "dispatcher", "admin"):
        listed = await matrix_client.get("/api/v1/applications", headers=headers[caller])
        assert listed.status_code == 200, listed.text
        items = {item["id"]: item["application"] for item in listed.json()["items"]}
        assert items[world["id"]]["settlement_contact"] == masked, caller
        assert items[world["ngo_id"]]["contact"] == {"name": "李*", "mobile": "139****2222"}
        assert "13800138000" not in listed.text and "13911112222" not in listed.text
