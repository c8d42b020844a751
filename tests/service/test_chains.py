"""Chains against the real database: store lists from CSV/XLSX files, a 1,000-store
application, per-store coverage and partial approval."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.chains.storefile import XLSX_TYPE, xlsx_from_rows
from tests.chains_data import HEADER, chain_stores, csv_bytes, row
from tests.factories import merchant, open_round, store
from tests.support import bearer

pytestmark = pytest.mark.usefixtures("beijing2")
CHECK = "/api/v1/store-files/check"


@pytest.fixture
async def beijing2(conn: asyncpg.Connection) -> None:
    await open_round(conn)


async def submit(client: AsyncTestClient, body: dict) -> dict:
    response = await client.post("/api/v1/applications", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def store_count(conn: asyncpg.Connection, application_id: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM application_stores WHERE application_id = $1::uuid", application_id
    )


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
async def test_template_downloads_and_round_trips(client: AsyncTestClient, kind: str) -> None:
    template = await client.get(f"/api/v1/store-files/template.{kind}")
    assert template.status_code == 200
    assert "attachment" in template.headers["content-disposition"]
    if kind == "csv":
        assert template.content.startswith(b"\xef\xbb\xbf")  # Excel on Windows needs the BOM
        assert template.content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)
    checked = await client.post(CHECK, content=template.content)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["count"] == 1 and body["rows"] == [2]
    example = body["stores"][0]
    assert example["location"] == {"lon": 116.4663, "lat": 39.9303, "crs": "wgs84"}
    assert example["categories"] == ["grain_oil", "daily_goods", "fresh_food"]
    # What the check returns is what the form submits: it is a valid application.
    await submit(client, merchant(seed=11 if kind == "csv" else 12, stores=body["stores"]))


_TAIL = ["否", "否", "8-20"]
_AT = "北京市朝阳区"
BAD_ROWS = [
    ["甲店", _AT, "116.46", "三十九", "WGS84", "粮油", "是", "1500", "40", *_TAIL],
    ["", _AT, "116.46", "39.93", "火星", "粮油、啤酒", "是", "1500", "40", *_TAIL],
    ["丙店", _AT, "116.46", "39.93", "GCJ02", "粮油", "是", "", "0", *_TAIL],
    ["丁店", _AT, "39.93", "116.46", "WGS84", "粮油", "否", "", "", *_TAIL],
]


async def test_every_bad_cell_reported_by_row_and_column_and_nothing_stored(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    app = await submit(client, merchant(seed=21))
    own = bearer(app["applicant_token"])
    good = [row(s) for s in chain_stores(40)]
    rows = good[:36] + BAD_ROWS + good[36:]  # the first bad row is the file's row 38
    for data in (csv_bytes(rows, "gbk"), csv_bytes(rows), xlsx_from_rows([HEADER, *rows])):
        response = await client.put(f"{app['status_url']}/stores", content=data, headers=own)
        assert response.status_code == 422, response.text
        details = {e["detail_zh"].split("：", 1)[0] for e in response.json()["errors"]}
        assert details == {
            "第 38 行「纬度」",
            "第 39 行「门店名称」", "第 39 行「坐标系」", "第 39 行「商品品类」",
            "第 40 行「配送半径」", "第 40 行「每日服务能力」",
            "第 41 行「经度、纬度」",
        }
        errors = response.json()["errors"]
        assert all(e["detail_en"].startswith("Row ") for e in errors)
        lat = next(e for e in errors if e["detail_zh"].startswith("第 38 行"))
        assert lat["pointer"] == "/stores/36/location/lat"
        assert await store_count(conn, app["id"]) == 1  # the submitted store, untouched


@pytest.mark.parametrize("kind", ["xlsx", "csv-gbk", "csv-utf8"])
async def test_store_list_file_replaces_the_stores(
    client: AsyncTestClient, conn: asyncpg.Connection, kind: str
) -> None:
    app = await submit(client, merchant(seed={"xlsx": 31, "csv-gbk": 32, "csv-utf8": 33}[kind]))
    rows = [row(s) for s in chain_stores(120)]
    data = {
        "xlsx": lambda: xlsx_from_rows([HEADER, *rows]),
        "csv-gbk": lambda: csv_bytes(rows, "gbk"),
        "csv-utf8": lambda: csv_bytes(rows, "utf-8"),
    }[kind]()
    etag = (await client.get(app["status_url"], headers=bearer(app["applicant_token"]))).headers[
        "etag"
    ]
    response = await client.put(
        f"{app['status_url']}/stores",
        content=data,
        headers={**bearer(app["applicant_token"]), "If-Match": etag,
                 "Content-Type": XLSX_TYPE if kind == "xlsx" else "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["stores"] == 120
    assert await store_count(conn, app["id"]) == 120
    names = await conn.fetch(
        "SELECT name FROM application_stores WHERE application_id = $1::uuid ORDER BY ordinal",
        app["id"],
    )
    assert names[0]["name"] == "第1分店" and names[-1]["name"] == "第120分店"
    audit = await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'amended'", app["id"]
    )
    assert audit == 1
    stale = await client.put(
        f"{app['status_url']}/stores", content=data,
        headers={**bearer(app["applicant_token"]), "If-Match": etag},
    )
    assert stale.status_code == 412


async def test_file_refusals_name_the_problem(client: AsyncTestClient) -> None:
    undecodable = await client.post(CHECK, content=b"\xff\xfe\x00" + b"\x81\x20" * 10 + b"\xff")
    assert undecodable.status_code == 422
    latin = await client.post(CHECK, content=",".join(HEADER).encode() + b"\n\xff\xfe\xfd\xfc\n")
    assert latin.status_code == 422
    assert latin.json()["errors"][0]["code"] == "encoding"
    xls = await client.post(CHECK, content=b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert xls.status_code == 422 and xls.json()["errors"][0]["code"] == "xls"
    broken = await client.post(CHECK, content=b"PK\x03\x04 not really a zip")
    assert broken.status_code == 422 and broken.json()["errors"][0]["code"] == "unreadable"
    renamed = await client.post(
        CHECK, content=csv_bytes([["甲店"]]).replace("门店名称".encode(), "店名".encode())
    )
    assert renamed.status_code == 422
    codes = {e["code"] for e in renamed.json()["errors"]}
    assert codes == {"unknown_column", "missing_column"}
    huge = await client.post(CHECK, content=b"x" * (4_194_304 + 1))
    assert huge.status_code == 413


async def test_row_limit(client: AsyncTestClient) -> None:
    rows = [row(s) for s in chain_stores(2_001)]
    response = await client.post(CHECK, content=csv_bytes(rows))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "too_many"
    assert "2000" in response.json()["errors"][0]["detail_zh"]


# (column index, bad value, its header): one bad cell each, spread over the file.
_BAD_CELLS = [(3, "北纬39度", "纬度"), (6, "也许", "送货上门"), (4, "火星", "坐标系"),
              (0, "", "门店名称")]


async def test_thousand_row_xlsx_with_twenty_bad_cells_then_fixed_and_scored(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    app = await submit(client, merchant(seed=40))
    own = bearer(app["applicant_token"])
    rows = [row(s) for s in chain_stores(1_000)]
    expected = set()
    for n in range(20):
        i = 17 + n * 49  # a data row; the file's row is i + 2 (the header is row 1)
        column, value, header = _BAD_CELLS[n % len(_BAD_CELLS)]
        rows[i][column] = value
        expected.add(f"第 {i + 2} 行「{header}」")
    bad = xlsx_from_rows([HEADER, *rows])
    for response in (await client.post(CHECK, content=bad),
                     await client.put(f"{app['status_url']}/stores", content=bad, headers=own)):
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert len(errors) == 20
        assert {e["detail_zh"].split("：", 1)[0] for e in errors} == expected
        assert all(e["detail_en"].startswith("Row ") and e["pointer"].startswith("/stores/")
                   for e in errors)
    assert await store_count(conn, app["id"]) == 1  # nothing stored by half

    # The same file with the twenty cells fixed: read, then submitted as a new application.
    fixed = await client.post(CHECK, content=xlsx_from_rows(
        [HEADER, *[row(s) for s in chain_stores(1_000)]]))
    assert fixed.status_code == 200 and fixed.json()["count"] == 1_000
    app = await submit(client, merchant(seed=41, stores=fixed.json()["stores"]))
    assert await store_count(conn, app["id"]) == 1_000
    card = await client.get(f"{app['status_url']}/scorecard", headers=bearer(tokens["reviewer"]))
    assert card.status_code == 200 and card.json()["served_communities"]
    coverage = await client.get(
        f"{app['status_url']}/store-coverage", headers=bearer(tokens["reviewer"])
    )
    assert coverage.status_code == 200
    stores = coverage.json()["stores"]
    assert len(stores) == 1_000
    assert {s["verdict"] for s in stores} <= {"adds", "duplicates", "no_pilot"}


async def test_marginal_coverage_tells_adders_from_duplicates(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    # Two branches side by side at Zhonglubei and one far out at Sunhe: with k=2 both
    # Zhonglubei branches are needed there; a third one next to them duplicates.
    app = await submit(client, merchant(seed=51, stores=[
        store("中路北一店"), store("中路北二店", 116.4665, 39.9305),
        store("中路北三店", 116.4661, 39.9301), store("孙河店", 116.5391, 40.0512),
    ]))
    body = (await client.get(
        f"{app['status_url']}/store-coverage", headers=bearer(tokens["reviewer"])
    )).json()
    by_name = {s["name"]: s for s in body["stores"]}
    assert body["target_per_community"] == 2
    assert by_name["孙河店"]["verdict"] == "adds"
    # Three branches serve the same communities: none of them alone brings one to target.
    assert {by_name[n]["verdict"] for n in ("中路北一店", "中路北二店", "中路北三店")} == {
        "duplicates"
    }


async def _panel(client: AsyncTestClient, tokens: dict[str, str]) -> dict[str, str]:
    response = await client.put(
        "/api/v1/rounds/beijing-2/reviewers/reviewer-1", headers=bearer(tokens["admin"])
    )
    assert response.status_code == 200
    return bearer(tokens["reviewer"])


async def test_partial_approval_puts_only_approved_stores_in_the_registry(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    reviewer = await _panel(client, tokens)
    app = await submit(client, merchant(seed=61, stores=[
        store("一店"), store("二店", 116.47, 39.93), store("三店", 116.5391, 40.0512),
    ]))
    read = await client.get(app["status_url"], headers=reviewer)
    etag, ids = read.headers["etag"], [s["id"] for s in read.json()["stores"]]
    url = f"{app['status_url']}/store-decisions"
    groups = [
        {"decision": "approved", "stores": ids[:2], "reason": "填补团结湖缺口"},
        {"decision": "rejected", "stores": ids[2:], "reason": "孙河店尚无配送人手"},
    ]
    missing_etag = await client.post(url, headers=reviewer, json={"groups": groups})
    assert missing_etag.status_code == 428
    undecided = await client.post(
        url, headers={**reviewer, "If-Match": etag}, json={"groups": groups[:1]}
    )
    assert undecided.status_code == 422
    assert undecided.json()["errors"][0]["code"] == "undecided"
    twice = await client.post(url, headers={**reviewer, "If-Match": etag}, json={"groups": [
        groups[0], {**groups[1], "stores": ids[1:]},
    ]})
    assert twice.status_code == 422 and twice.json()["errors"][0]["pointer"] == "/groups/1/stores/0"
    assert await conn.fetchval("SELECT count(*) FROM stores") == 0  # nothing by half

    headers = {**reviewer, "If-Match": etag}
    decided = await client.post(url, headers=headers, json={"groups": groups})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["approved_stores"] == 2
    registry = await conn.fetch(
        "SELECT application_store_id FROM stores WHERE application_id = $1::uuid", app["id"]
    )
    assert sorted(str(r["application_store_id"]) for r in registry) == sorted(ids[:2])
    audit = await conn.fetchrow(
        "SELECT actor, details FROM audit_log WHERE entity_id = $1 AND action = 'store_decisions'",
        app["id"],
    )
    assert audit["actor"] == "reviewer-1"
    reasons = [g["reason"] for g in audit["details"]["groups"]]
    assert reasons == ["填补团结湖缺口", "孙河店尚无配送人手"]
    stale = await client.post(url, headers=headers, json={"groups": groups})
    assert stale.status_code in (409, 412)
    listed = await client.get(url, headers=bearer(app["applicant_token"]))
    assert [s["decision"] for s in listed.json()] == ["approved", "approved", "rejected"]
    assert listed.json()[2]["registry_store_id"] is None
    assert listed.json()[2]["reason"] == "孙河店尚无配送人手"


async def test_rejecting_every_store_rejects_the_application(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    reviewer = await _panel(client, tokens)
    app = await submit(client, merchant(seed=71))
    read = await client.get(app["status_url"], headers=reviewer)
    ids = [s["id"] for s in read.json()["stores"]]
    decided = await client.post(
        f"{app['status_url']}/store-decisions",
        headers={**reviewer, "If-Match": read.headers["etag"]},
        json={"groups": [{"decision": "rejected", "stores": ids, "reason": "重复覆盖"}]},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    assert await conn.fetchval("SELECT count(*) FROM stores") == 0


async def _approved(client: AsyncTestClient, tokens: dict[str, str], seed: int) -> dict:
    reviewer = await _panel(client, tokens)
    app = await submit(client, merchant(seed=seed, stores=[
        store("一店"), store("二店", 116.47, 39.93),
    ]))
    etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
    decided = await client.post(
        f"{app['status_url']}/decision", headers={**reviewer, "If-Match": etag},
        json={"decision": "approved", "reason": "覆盖好"},
    )
    assert decided.status_code == 200, decided.text
    return {**app, "registry": decided.json()["registry_stores"], "reviewer": reviewer}


async def test_change_requests_change_the_registry_only_when_approved(
    client: AsyncTestClient, conn: asyncpg.Connection, tokens: dict[str, str]
) -> None:
    app = await _approved(client, tokens, seed=91)
    own, reviewer = bearer(app["applicant_token"]), app["reviewer"]
    url = f"{app['status_url']}/change-requests"

    async def decide(request_id: str, decision: str, reason: str) -> dict:
        response = await client.post(
            f"/api/v1/change-requests/{request_id}/decision",
            headers={**reviewer, "If-Match": '"1"'},
            json={"decision": decision, "reason": reason},
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"'
        return response.json()

    # New branches: pending until approved, then in the registry.
    added = await client.post(url, headers=own, json={
        "kind": "add_stores", "stores": [store("新开三店", 116.5391, 40.0512)],
        "reason": "新店开业",
    })
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "pending"
    assert await conn.fetchval("SELECT count(*) FROM stores") == 2
    done = await decide(added.json()["id"], "approved", "补孙河空白")
    assert len(done["registry_stores"]) == 1
    assert await conn.fetchval("SELECT count(*) FROM stores") == 3
    assert await conn.fetchval("SELECT count(*) FROM stores WHERE name = '新开三店'") == 1
    again = await client.post(
        f"/api/v1/change-requests/{added.json()['id']}/decision",
        headers={**reviewer, "If-Match": '"2"'}, json={"decision": "approved", "reason": "重复"},
    )
    assert again.status_code == 409

    # Capacity: the store's row changes on approval, with an audit row on the store.
    first = app["registry"][0]
    updated = await client.post(url, headers=own, json={
        "kind": "update_store", "store_id": first, "changes": {"daily_capacity": 80},
    })
    assert updated.status_code == 201, updated.text
    assert await conn.fetchval("SELECT daily_capacity FROM stores WHERE id = $1::uuid", first) == 40
    await decide(updated.json()["id"], "approved", "增加配送人手")
    assert await conn.fetchval("SELECT daily_capacity FROM stores WHERE id = $1::uuid", first) == 80
    trail = await conn.fetchrow(
        "SELECT actor, details FROM audit_log WHERE entity = 'store' AND entity_id = $1", first
    )
    assert trail["actor"] == "reviewer-1" and trail["details"]["before"]["daily_capacity"] == 40

    # Closing a branch with a reservation today lists it for re-routing; rejected = no change.
    second = app["registry"][1]
    from service.registry.places import service_day

    await conn.execute(
        "INSERT INTO reservations (store_id, day, household_ref, created_by)"
        " VALUES ($1::uuid, $2, 'HH-0007', 'dispatcher-1')", second, service_day(),
    )
    closing = await client.post(url, headers=own, json={"kind": "close_store", "store_id": second})
    assert closing.status_code == 201, closing.text
    assert [r["household_ref"] for r in closing.json()["reservations_today"]] == ["HH-0007"]
    rejected = await client.post(url, headers=own, json={"kind": "close_store", "store_id": first})
    await decide(rejected.json()["id"], "rejected", "该店为片区唯一门店")
    assert await conn.fetchval("SELECT status FROM stores WHERE id = $1::uuid", first) == "active"
    closed = await decide(closing.json()["id"], "approved", "门店装修停业")
    assert [r["household_ref"] for r in closed["reservations_today"]] == ["HH-0007"]
    history = await conn.fetch(
        "SELECT to_status, reason FROM store_status_history WHERE store_id = $1::uuid ORDER BY id",
        second,
    )
    assert [(h["to_status"], h["reason"]) for h in history][-1] == ("closed", "门店装修停业")
    listed = await client.get(url, headers=own)
    assert [c["status"] for c in listed.json()] == ["approved", "approved", "approved", "rejected"]


async def test_change_requests_are_refused_before_approval_and_for_strangers(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    app = await submit(client, merchant(seed=95))
    early = await client.post(
        f"{app['status_url']}/change-requests", headers=bearer(app["applicant_token"]),
        json={"kind": "add_stores", "stores": [store("三店")]},
    )
    assert early.status_code == 409
    approved = await _approved(client, tokens, seed=96)
    foreign = await client.post(
        f"{approved['status_url']}/change-requests", headers=bearer(approved["applicant_token"]),
        json={"kind": "close_store", "store_id": str(uuid.uuid4())},
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "/store_id"
