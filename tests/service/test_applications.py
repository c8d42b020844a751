"""Intake against the real database: submit, normalise, validate, checklist, privacy."""

from __future__ import annotations

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from geo import geodesic_m
from tests.factories import ZHONGLUBEI, credit_code, merchant, ngo, open_round, store
from tests.support import bearer

pytestmark = pytest.mark.usefixtures("beijing2")


@pytest.fixture
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = ("applications", "application_stores", "audit_log", "tokens", "idempotency_keys")
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}


async def test_chain_with_stores_in_mixed_coordinate_systems(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    truth = [(116.4663, 39.9303), (116.4102, 39.9751), (116.5391, 40.0512)]
    stores = [
        store("中路北店", *truth[0], crs="wgs84"),
        store("安贞店", *truth[1], crs="gcj02"),
        store("孙河店", *truth[2], crs="bd09"),
    ]
    response = await client.post("/api/v1/applications", json=merchant(stores=stores))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "under_review"
    assert created["applicant_token"].startswith("boai_a_")
    assert created["requirements"]["currently_due"] == []
    rows = await conn.fetch(
        "SELECT ordinal, location, location_input FROM application_stores "
        "WHERE application_id = $1::uuid ORDER BY ordinal",
        created["id"],
    )
    for row, (lon, lat), crs in zip(rows, truth, ("wgs84", "gcj02", "bd09"), strict=True):
        assert geodesic_m(row["location"].x, row["location"].y, lon, lat) < 0.5
        assert row["location_input"]["crs"] == crs
    # the raw input is kept: a GCJ-02 point differs from its WGS-84 truth by hundreds of metres
    assert (
        geodesic_m(rows[1]["location_input"]["lon"], rows[1]["location_input"]["lat"], *truth[1])
        > 100
    )


async def test_full_width_input_is_normalised(client: AsyncTestClient) -> None:
    code = credit_code(7)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    body = merchant(
        credit_code=full_width,
        legal_name="  北京　好邻居超市有限公司 ",
        wechat_pay_mch_id="１９０００１２３４５",
        settlement_contact={"name": " 赵敏\u200b", "mobile": "+86 138-0013-8000"},
    )
    created = (await client.post("/api/v1/applications", json=body)).json()
    token = created["applicant_token"]
    seen = (await client.get(created["status_url"], headers=bearer(token))).json()
    assert seen["credit_code"] == code
    assert seen["legal_name"] == "北京　好邻居超市有限公司"  # text kept as typed
    assert seen["application"]["wechat_pay_mch_id"] == "1900012345"
    assert seen["application"]["settlement_contact"] == {"name": "赵敏", "mobile": "13800138000"}


async def test_credit_codes_starting_with_a_letter_are_accepted(client: AsyncTestClient) -> None:
    for i, first in enumerate("ANY"):
        response = await client.post(
            "/api/v1/applications",
            json=merchant(seed=50 + i, credit_code=credit_code(50 + i, first)),
        )
        assert response.status_code == 201, response.text


async def test_every_validation_rule_reported_at_once(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[116.46, 39.93], [116.47, 39.94], [116.47, 39.93], [116.46, 39.94], [116.46, 39.93]]
        ],
    }
    huge = {
        "type": "Polygon",
        "coordinates": [[[116.4 + i * 1e-5, 39.9] for i in range(3000)] + [[116.4, 39.9]]],
    }
    bad_code = credit_code(3)[:-1] + ("0" if credit_code(3)[-1] != "0" else "1")
    stores = [
        store(),
        {**store(), "location": {"lon": 2.35, "lat": 48.86, "crs": "wgs84"}},  # Paris
        {**store(), "location": {"lon": 116.4, "lat": 39.9}},  # no crs
        store(radius_m=None, zone=huge),
        {**store(), "categories": ["grain_oil", "caviar"]},
    ]
    body = merchant(
        credit_code=bad_code,
        wechat_pay_mch_id="12ab",
        stores=stores,
        settlement_contact={"name": "王芳", "mobile": "2345"},
    )
    before = await row_counts(conn)
    response = await client.post("/api/v1/applications", json=body)
    assert response.status_code == 422
    errors = {e["pointer"]: e for e in response.json()["errors"]}
    assert errors["/credit_code"]["code"] == "checksum"
    assert errors["/wechat_pay_mch_id"]["code"] == "mch_id"
    assert errors["/settlement_contact/mobile"]["code"] == "mobile"
    assert errors["/stores/1/location"]["code"] == "outside_china"
    assert errors["/stores/2/location/crs"]["code"] == "required"
    assert errors["/stores/3/delivery/zone/coordinates"]["code"] == "too_many_vertices"
    assert errors["/stores/4/categories/1"]["code"] == "category"
    assert all(e["detail_zh"] and e["detail_en"] for e in errors.values())
    assert await row_counts(conn) == before

    self_crossing = await client.post(
        "/api/v1/applications", json=merchant(seed=9, stores=[store(radius_m=None, zone=bowtie)])
    )
    assert self_crossing.status_code == 422  # refused, naming where it crosses
    assert self_crossing.json()["errors"][0]["code"] == "self_intersection"


async def test_configured_store_limit(dsn: str) -> None:
    from service.app import create_app
    from tests.support import make_settings

    strict = create_app(make_settings(dsn, max_stores_per_application=2))
    create_app(make_settings(dsn))  # another app in the process keeps its own limits
    async with AsyncTestClient(app=strict) as c:
        response = await c.post("/api/v1/applications", json=merchant(stores=[store()] * 3))
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/stores"]


async def test_requirements_checklist(client: AsyncTestClient) -> None:
    body = merchant(
        stores=[
            {**store(), "categories": ["tobacco", "alcohol"]},
            {**store("二店"), "categories": ["grain_oil", "alcohol"]},
        ]
    )
    for key in ("wechat_pay_mch_id", "settlement_contact"):
        del body[key]
    created = (await client.post("/api/v1/applications", json=body)).json()
    assert created["status"] == "submitted"
    reqs = created["requirements"]
    assert reqs["currently_due"] == ["wechat_pay_mch_id", "settlement_contact"]
    assert [(e["field"], e["code"]) for e in reqs["errors"]] == [
        ("stores/0/categories", "no_eligible_category")
    ]
    token = created["applicant_token"]
    view = (await client.get(created["status_url"], headers=bearer(token))).json()
    assert view["stores"][1]["till_must_block"] == ["alcohol"]

    fix = {
        "wechat_pay_mch_id": "12345678",
        "settlement_contact": {"name": "周", "mobile": "13700001111"},
        "stores": [store("二店")],
    }
    amended = await client.patch(created["status_url"], json=fix, headers=bearer(token))
    assert amended.status_code == 200, amended.text
    assert amended.json()["status"] == "under_review"
    assert amended.json()["requirements"]["currently_due"] == []


async def test_ngo_application(client: AsyncTestClient) -> None:
    created = await client.post("/api/v1/applications", json=ngo())
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "under_review"
    unknown = await client.post(
        "/api/v1/applications", json=ngo(seed=101, communities_served=["110105999999"])
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/communities_served/0"


async def test_duplicate_credit_code_names_existing(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    first = (await client.post("/api/v1/applications", json=merchant(seed=11))).json()
    before = await row_counts(conn)
    second = await client.post(
        "/api/v1/applications", json=merchant(seed=11, legal_name="别的名字")
    )
    assert second.status_code == 409
    # an anonymous caller who knows a credit code learns nothing about the file holding it
    assert first["id"] not in second.text and "existing_application_id" not in second.text
    assert "王芳" not in second.text and "1900012345" not in second.text
    assert await row_counts(conn) == before
    # once withdrawn, the credit code may apply again
    await client.post(
        f"{first['status_url']}/withdraw",
        json={"reason": "重新申请"},
        headers=bearer(first["applicant_token"]),
    )
    again = await client.post("/api/v1/applications", json=merchant(seed=11))
    assert again.status_code == 201


async def test_applicant_token_isolation_and_masking(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    a = (await client.post("/api/v1/applications", json=merchant(seed=21))).json()
    b = (await client.post("/api/v1/applications", json=merchant(seed=22))).json()
    assert (
        await client.get(a["status_url"], headers=bearer(a["applicant_token"]))
    ).status_code == 200
    assert (
        await client.get(a["status_url"], headers=bearer(b["applicant_token"]))
    ).status_code == 404
    assert (await client.get(a["status_url"])).status_code == 401
    assert (
        await client.patch(
            a["status_url"], json={"trained_staff": 9}, headers=bearer(b["applicant_token"])
        )
    ).status_code == 404
    assert (
        await client.get("/api/v1/applications", headers=bearer(a["applicant_token"]))
    ).status_code == 403
    reviewer = (await client.get(a["status_url"], headers=bearer(tokens["reviewer"]))).json()
    assert reviewer["application"]["settlement_contact"]["mobile"] == "13800138000"
    dispatcher = (await client.get(a["status_url"], headers=bearer(tokens["dispatcher"]))).json()
    assert dispatcher["application"]["settlement_contact"]["mobile"] == "138****8000"
    listed = (
        await client.get(
            "/api/v1/applications?round=beijing-2&kind=merchant&per_page=1",
            headers=bearer(tokens["reviewer"]),
        )
    ).json()
    assert listed["total"] == 2 and len(listed["items"]) == 1
    assert listed["items"][0]["application"]["settlement_contact"]["mobile"] == "138****8000"


async def test_lifecycle_and_audit(
    client: AsyncTestClient, tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    from uuid import UUID

    from service.applications.service import transition

    created = (await client.post("/api/v1/applications", json=merchant(seed=31))).json()
    app_id = UUID(created["id"])
    await transition(conn, app_id, "info_requested", "reviewer-1", "请补充营业执照")
    await transition(conn, app_id, "under_review", "applicant", "已补充")
    withdraw = await client.post(
        f"{created['status_url']}/withdraw", headers=bearer(created["applicant_token"])
    )
    assert withdraw.status_code == 200
    again = await client.post(
        f"{created['status_url']}/withdraw", headers=bearer(created["applicant_token"])
    )
    assert again.status_code == 409
    amend = await client.patch(
        created["status_url"], json={"trained_staff": 5}, headers=bearer(created["applicant_token"])
    )
    assert amend.status_code == 409
    trail = (
        await client.get(f"{created['status_url']}/audit", headers=bearer(tokens["reviewer"]))
    ).json()
    assert [(t["from_status"], t["to_status"]) for t in trail] == [
        (None, "submitted"),
        ("submitted", "under_review"),
        ("under_review", "info_requested"),
        ("info_requested", "under_review"),
        ("under_review", "withdrawn"),
    ]
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await conn.execute("UPDATE audit_log SET actor = 'someone else'")
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await conn.execute("DELETE FROM audit_log")


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("submitted", "approved"),
        ("withdrawn", "under_review"),
        ("approved", "rejected"),
        ("rejected", "approved"),
        ("info_requested", "approved"),
    ],
)
async def test_illegal_transitions_are_409(
    client: AsyncTestClient, conn: asyncpg.Connection, current: str, target: str
) -> None:
    from uuid import UUID

    from service.applications.service import transition
    from service.problems import Conflict

    created = (await client.post("/api/v1/applications", json=merchant(seed=40))).json()
    await conn.execute(
        "UPDATE applications SET status = $2 WHERE id = $1", UUID(created["id"]), current
    )
    with pytest.raises(Conflict):
        await transition(conn, UUID(created["id"]), target, "x", "")


async def test_idempotent_replay_and_conflicts(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    headers = {"Idempotency-Key": "order-42"}
    first = await client.post("/api/v1/applications", json=merchant(seed=61), headers=headers)
    replay = await client.post("/api/v1/applications", json=merchant(seed=61), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    # the same answer, but with a fresh applicant token (the first is never stored)
    without_token = {k: v for k, v in first.json().items() if k != "applicant_token"}
    assert {k: v for k, v in replay.json().items() if k != "applicant_token"} == without_token
    assert await conn.fetchval("SELECT count(*) FROM applications") == 1
    other = await client.post("/api/v1/applications", json=merchant(seed=62), headers=headers)
    assert other.status_code == 422
    # a request still in progress under the same key and body: 409, not a second write
    import msgspec

    from service.applications.schemas import Application
    from service.http import idempotency
    from service.validation import collect

    normalised, _ = collect(Application, merchant(seed=63))
    key = idempotency.from_header("busy", "POST /applications", msgspec.to_builtins(normalised))
    assert key is not None
    await idempotency.claim(conn, key)
    busy = await client.post(
        "/api/v1/applications", json=merchant(seed=63), headers={"Idempotency-Key": "busy"}
    )
    assert busy.status_code == 409 and busy.headers["retry-after"]
    # a failed request releases its key: the corrected body may then use it
    bad = await client.post(
        "/api/v1/applications",
        json=merchant(seed=64, wechat_pay_mch_id="x"),
        headers={"Idempotency-Key": "retry-me"},
    )
    assert bad.status_code == 422
    good = await client.post(
        "/api/v1/applications", json=merchant(seed=64), headers={"Idempotency-Key": "retry-me"}
    )
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers


async def test_concurrent_duplicate_key(dsn: str, conn: asyncpg.Connection) -> None:
    import asyncio

    from service.app import create_app
    from tests.support import make_settings

    async with AsyncTestClient(app=create_app(make_settings(dsn))) as c:
        results = await asyncio.gather(
            *[
                c.post(
                    "/api/v1/applications",
                    json=merchant(seed=70),
                    headers={"Idempotency-Key": "same"},
                )
                for _ in range(5)
            ]
        )
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert await conn.fetchval("SELECT count(*) FROM applications") == 1


async def test_bad_requests_store_nothing(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    before = await row_counts(conn)
    await conn.execute(
        "INSERT INTO rounds (code, name, status) VALUES ('beijing-0', 'old', 'closed')"
    )
    closed = await client.post("/api/v1/applications", json=merchant(seed=80, round="old-0"))
    assert closed.status_code == 422 and closed.json()["errors"][0]["pointer"] == "/round"
    malformed = await client.post(
        "/api/v1/applications",
        content=b'{"kind": "merchant",',
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 400
    wrong_kind = await client.post("/api/v1/applications", json={"kind": "bank"})
    assert wrong_kind.status_code == 422
    assert await row_counts(conn) == before
    assert ZHONGLUBEI


async def test_applicant_routes_are_rate_limited(dsn: str) -> None:
    from service.app import create_app
    from tests.support import make_settings

    async with AsyncTestClient(
        app=create_app(make_settings(dsn, applicant_rate_per_minute=3))
    ) as c:
        statuses = [
            (await c.post("/api/v1/applications", json=merchant(seed=900 + i))).status_code
            for i in range(4)
        ]
        limited = await c.post("/api/v1/applications", json=merchant(seed=950))
    assert statuses == [201, 201, 201, 429]
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"].endswith("/too-many-requests")


async def test_rate_limit_follows_forwarded_address_only_behind_trusted_proxy(dsn: str) -> None:
    from service.app import create_app
    from tests.support import make_settings

    settings = make_settings(
        dsn, applicant_rate_per_minute=2, trusted_proxies=frozenset({"testclient"})
    )
    async with AsyncTestClient(app=create_app(settings)) as c:

        def via(addr: str) -> dict[str, str]:
            return {"X-Forwarded-For": f"6.6.6.6, {addr}"}  # the first hop is forgeable

        a = [
            (
                await c.post(
                    "/api/v1/applications", json=merchant(seed=970 + i), headers=via("10.0.0.1")
                )
            ).status_code
            for i in range(3)
        ]
        b = await c.post("/api/v1/applications", json=merchant(seed=980), headers=via("10.0.0.2"))
    assert a == [201, 201, 429]
    assert b.status_code == 201  # another merchant behind the same proxy has its own limit

    untrusted = make_settings(dsn, applicant_rate_per_minute=1)
    async with AsyncTestClient(app=create_app(untrusted)) as c:
        first = await c.post(
            "/api/v1/applications", json=merchant(seed=990), headers={"X-Forwarded-For": "10.0.0.3"}
        )
        second = await c.post(
            "/api/v1/applications", json=merchant(seed=991), headers={"X-Forwarded-For": "10.0.0.4"}
        )
    assert (first.status_code, second.status_code) == (201, 429)  # header ignored


async def test_a_submission_is_stored_with_its_token_and_audit_rows(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    """One statement writes the application, its applicant token and its audit rows: the rows
    are those written one by one before, in the same order, for either starting status."""
    due = merchant(seed=41)
    del due["wechat_pay_mch_id"]
    rows = {}
    for body in (due, merchant(seed=42)):
        created = (await client.post("/api/v1/applications", json=body)).json()
        view = await client.get(created["status_url"], headers=bearer(created["applicant_token"]))
        assert view.status_code == 200
        rows[created["status"]] = [tuple(r) for r in await conn.fetch(
            "SELECT action, actor, from_status, to_status, reason, details FROM audit_log "
            "WHERE entity = 'application' AND entity_id = $1 ORDER BY id", created["id"])]
    assert rows == {
        "submitted": [("submitted", "applicant", None, "submitted", "", {})],
        "under_review": [("submitted", "applicant", None, "submitted", "", {}),
                         ("transition", "system", "submitted", "under_review", "nothing due", {})],
    }
