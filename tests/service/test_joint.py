"""Joint assessment and field recruitment against the real database: organisations and
their areas, the quorum, the area scope, site visits, invitations, training."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.auth.principal import Principal
from service.auth.repository import add_user
from service.db.pool import register_codecs
from service.problems import Conflict
from service.review import service as review_service
from service.review.schemas import DecisionIn
from service.seed.loader import _items
from service.seed.organisations import load_organisations
from service.seed.rounds import load_applications, load_network
from tests.factories import merchant, store
from tests.samples import pdf, png
from tests.support import bearer

ZLB = "110105013029"  # 中路北社区, 团结湖街道 (street 110105013)
SUNHE_STORE = (116.5302, 40.0479)  # near 下辛堡村, 孙河地区


@pytest.fixture
async def joint(
    conn: asyncpg.Connection, client: AsyncTestClient, tokens: dict[str, str]
) -> dict[str, Any]:
    """beijing-2 with the pilot's organisations; reviewer-1 for the foundation, one reviewer
    per street office of Tuanjiehu and Sunhe, all on the panel and allowed to decide."""
    await load_network(conn, _items("network_beijing1.json"))
    await load_applications(conn, _items("applications_beijing2.json"))
    await load_organisations(conn, _items("organisations_beijing.json"))
    admin = bearer(tokens["admin"])
    heads = {
        "foundation": bearer(tokens["reviewer"]),
        "tuanjiehu": bearer(await add_user(conn, "tjh-1", "reviewer", can_decide=True)),
        "sunhe": bearer(await add_user(conn, "sunhe-1", "reviewer", can_decide=True)),
        "admin": admin,
    }
    for user, org in (
        ("reviewer-1", "programme-foundation"),
        ("tjh-1", "tuanjiehu-street"),
        ("sunhe-1", "sunhe-area"),
    ):
        r = await client.put(f"/api/v1/organisations/{org}/members/{user}", headers=admin)
        assert r.status_code == 200, r.text
        r = await client.put(f"/api/v1/rounds/beijing-2/reviewers/{user}", headers=admin)
        assert r.status_code == 200, r.text
    return heads


async def submit(client: AsyncTestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/applications", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def decide(
    client: AsyncTestClient, app: dict[str, Any], headers: dict[str, str], decision: str
) -> Any:
    etag = (await client.get(app["status_url"], headers=headers)).headers["etag"]
    return await client.post(
        f"/api/v1/applications/{app['id']}/decision",
        headers={**headers, "If-Match": etag},
        json={"decision": decision, "reason": "联合评审结论"},
    )


async def review(client: AsyncTestClient, app: dict[str, Any], headers: dict[str, str],
                 coverage: float) -> None:
    r = await client.post(
        f"/api/v1/applications/{app['id']}/reviews",
        headers=headers,
        json={"scores": {"coverage": coverage, "delivery": 70, "settlement": 80}},
    )
    assert r.status_code == 201, r.text


RULES = {
    "required": [
        {"kind": "foundation"},
        {"kind": "street_office", "per_community": True},
    ],
    "quorum": 2,
    "site_visit_required": True,
}


async def test_organisation_areas_are_checked(
    client: AsyncTestClient, tokens: dict[str, str], joint: dict[str, Any]
) -> None:
    admin = joint["admin"]
    bad = await client.post(
        "/api/v1/organisations",
        headers=admin,
        json={"code": "nowhere-street", "name": "无此街道", "kind": "street_office",
              "streets": ["999999999"],
              "communities": ["１１０１０５０１３０２９", "110105999999"]},
    )
    assert bad.status_code == 422, bad.text
    assert [e["pointer"] for e in bad.json()["errors"]] == ["/communities/1", "/streets/0"]
    listed = await client.get("/api/v1/organisations", headers=bearer(tokens["dispatcher"]))
    assert listed.status_code == 200
    by_code = {o["code"]: o for o in listed.json()}
    assert "nowhere-street" not in by_code
    assert by_code["tuanjiehu-street"]["streets"] == ["110105013"]
    assert by_code["tuanjiehu-street"]["members"] == ["tjh-1"]
    assert by_code["programme-foundation"]["kind"] == "foundation"


async def test_decision_waits_for_quorum_organisations_and_site_visit(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    app = await submit(client, merchant(seed=700, stores=[store("团结湖新店", 116.4660, 39.9300)]))
    put = await client.put("/api/v1/rounds/beijing-2/joint-rules", headers=joint["admin"],
                           json=RULES)
    assert put.status_code == 200, put.text

    refused = await decide(client, app, joint["foundation"], "approved")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    codes = {m["code"] for m in problem["extensions"]["missing"]}
    assert {"quorum", "review_by:foundation", f"review_by:street_office:{ZLB}",
            "site_visit"} <= codes
    assert "street office" in problem["detail"] and "街道办事处" in problem["detail_zh"]

    await review(client, app, joint["foundation"], 90)
    # Sunhe's street office is not Zhonglubei's: its review cannot stand in for it (it does
    # not even see the candidate).
    hidden = await client.post(
        f"/api/v1/applications/{app['id']}/reviews", headers=joint["sunhe"],
        json={"scores": {"coverage": 10}},
    )
    assert hidden.status_code == 404
    still = await decide(client, app, joint["foundation"], "approved")
    codes = {m["code"] for m in still.json()["extensions"]["missing"]}
    assert "quorum" in codes and f"review_by:street_office:{ZLB}" in codes
    assert "review_by:foundation" not in codes

    await review(client, app, joint["tuanjiehu"], 40)
    status = await client.get(f"/api/v1/applications/{app['id']}/joint-status",
                              headers=joint["tuanjiehu"])
    assert [m["code"] for m in status.json()["missing"]] == ["site_visit"]
    only_visit = await decide(client, app, joint["foundation"], "approved")
    assert only_visit.status_code == 409
    assert [m["code"] for m in only_visit.json()["extensions"]["missing"]] == ["site_visit"]

    visit = await client.post(
        f"/api/v1/applications/{app['id']}/site-visits", headers=joint["tuanjiehu"],
        json={"visited_on": "2026-11-20", "essentials_stocked": True, "till_ready": True,
              "delivery_means": True, "trained_staff": 2, "notes": "收银台已可先抵扣赈济券"},
    )
    assert visit.status_code == 201, visit.text
    card = await client.get(f"/api/v1/applications/{app['id']}/scorecard",
                            headers=joint["foundation"])
    evidence = card.json()["evidence"]
    assert evidence["site_visits"][0]["organisation"] == "tuanjiehu-street"
    assert evidence["site_visits"][0]["till_ready"] is True
    assert evidence["trained_staff"] == {"declared": 3, "attended_training": 0, "sessions": 0,
                                         "seen_on_last_visit": 2, "confirmed": None}

    approved = await decide(client, app, joint["foundation"], "approved")
    assert approved.status_code == 200, approved.text


async def test_rejection_needs_quorum_but_no_site_visit(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    app = await submit(client, merchant(seed=701, stores=[store("团结湖二店", 116.4662, 39.9301)]))
    await client.put("/api/v1/rounds/beijing-2/joint-rules", headers=joint["admin"], json=RULES)
    await review(client, app, joint["foundation"], 30)
    await review(client, app, joint["tuanjiehu"], 20)
    rejected = await decide(client, app, joint["tuanjiehu"], "rejected")
    assert rejected.status_code == 200, rejected.text


async def test_rounds_without_rules_decide_as_before(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    app = await submit(client, merchant(seed=702))
    decided = await decide(client, app, joint["foundation"], "approved")
    assert decided.status_code == 200, decided.text
    rules = await client.get("/api/v1/rounds/beijing-2/joint-rules", headers=joint["foundation"])
    assert rules.json()["joint"] is False


async def test_street_reviewer_sees_only_its_area(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    ours = await submit(client, merchant(seed=710, legal_name="团结湖便民超市",
                                         stores=[store("团结湖店", 116.4660, 39.9300)]))
    theirs = await submit(client, merchant(seed=711, legal_name="孙河便民超市",
                                           stores=[store("孙河店", *SUNHE_STORE)]))
    await review(client, ours, joint["foundation"], 95)
    await review(client, ours, joint["tuanjiehu"], 35)

    ranking = await client.get("/api/v1/rounds/beijing-2/ranking", headers=joint["tuanjiehu"])
    assert ranking.status_code == 200, ranking.text
    body = ranking.json()
    ids = {i["id"] for i in body["items"]}
    assert ours["id"] in ids and theirs["id"] not in ids
    assert body["scope"]["streets"] == ["110105013"]
    assert all(any(c.startswith("110105013") for c in i["served_communities"])
               for i in body["items"])
    item = next(i for i in body["items"] if i["id"] == ours["id"])
    assert item["by_organisation"]["programme-foundation"]["scores"]["coverage"] == 95
    assert item["by_organisation"]["tuanjiehu-street"]["scores"]["coverage"] == 35
    assert item["disagreement"] == {"criterion": "coverage", "spread": 60.0,
                                    "high": "programme-foundation", "low": "tuanjiehu-street"}

    for path in ("", "/scorecard", "/reviews", "/joint-status", "/site-visits"):
        other = await client.get(f"/api/v1/applications/{theirs['id']}{path}",
                                 headers=joint["tuanjiehu"])
        assert other.status_code == 404, (path, other.text)
        mine = await client.get(f"/api/v1/applications/{ours['id']}{path}",
                                headers=joint["tuanjiehu"])
        assert mine.status_code == 200, (path, mine.text)
    listed = await client.get("/api/v1/applications", headers=joint["tuanjiehu"],
                              params={"per_page": 100})
    assert ours["id"] in {i["id"] for i in listed.json()["items"]}
    assert theirs["id"] not in {i["id"] for i in listed.json()["items"]}
    assert listed.json()["total"] == len(listed.json()["items"])
    # The foundation is not confined to an area.
    everything = await client.get("/api/v1/rounds/beijing-2/ranking",
                                  headers=joint["foundation"])
    assert {ours["id"], theirs["id"]} <= {i["id"] for i in everything.json()["items"]}
    all_listed = await client.get("/api/v1/applications", headers=joint["foundation"],
                                  params={"per_page": 100})
    assert theirs["id"] in {i["id"] for i in all_listed.json()["items"]}
    assert everything.json()["scope"] is None

    # The shortlist chooses among the same candidates the ranking shows.
    ask = {"budget": 10_000, "budget_unit": "stores"}  # every candidate that adds coverage
    mine = await client.post("/api/v1/rounds/beijing-2/shortlist", headers=joint["tuanjiehu"],
                             json=ask)
    assert mine.status_code == 200, mine.text
    picked = {p["id"] for p in mine.json()["picks"]}
    assert theirs["id"] not in picked and picked <= ids
    whole = await client.post("/api/v1/rounds/beijing-2/shortlist", headers=joint["foundation"],
                              json=ask)
    assert theirs["id"] in {p["id"] for p in whole.json()["picks"]}


async def test_site_visit_checks_its_store_and_photos(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    app = await submit(client, merchant(seed=720))
    bad = await client.post(
        f"/api/v1/applications/{app['id']}/site-visits", headers=joint["foundation"],
        json={"visited_on": "2026-11-20", "essentials_stocked": True, "till_ready": False,
              "delivery_means": True, "trained_staff": 1,
              "store_id": "00000000-0000-0000-0000-000000000001",
              "photo_ids": ["00000000-0000-0000-0000-000000000002"]},
    )
    assert bad.status_code == 422, bad.text
    assert [e["pointer"] for e in bad.json()["errors"]] == ["/store_id", "/photo_ids/0"]
    missing = await client.post(
        f"/api/v1/applications/{app['id']}/site-visits", headers=joint["foundation"],
        json={"visited_on": "2026-11-20"},
    )
    assert missing.status_code == 422
    listed = await client.get(f"/api/v1/applications/{app['id']}/site-visits",
                              headers=joint["foundation"])
    assert listed.json() == []

    # A photo taken on the visit: uploaded by the reviewer, kept with the documents.
    photos = f"/api/v1/applications/{app['id']}/site-visit-photos"
    not_image = await client.post(photos, params={"filename": "记录.pdf"}, content=pdf(),
                                  headers={**joint["foundation"],
                                           "Content-Type": "application/pdf"})
    assert not_image.status_code == 415
    photo = await client.post(photos, params={"filename": "货架.png"}, content=png(),
                              headers={**joint["foundation"], "Content-Type": "image/png"})
    assert photo.status_code == 201, photo.text
    photo_id = photo.json()["id"]
    visit = await client.post(
        f"/api/v1/applications/{app['id']}/site-visits", headers=joint["foundation"],
        json={"visited_on": "2026-11-21", "essentials_stocked": True, "till_ready": True,
              "delivery_means": False, "trained_staff": 0, "photo_ids": [photo_id]},
    )
    assert visit.status_code == 201, visit.text
    docs = await client.get(f"/api/v1/applications/{app['id']}/documents",
                            headers=joint["foundation"])
    assert [d["kind"] for d in docs.json()] == ["site_visit_photo"]
    card = await client.get(f"/api/v1/applications/{app['id']}/scorecard",
                            headers=joint["foundation"])
    assert card.json()["evidence"]["site_visits"][0]["photo_ids"] == [photo_id]


async def test_invitation_is_single_use_and_expires(
    client: AsyncTestClient, joint: dict[str, Any], conn: asyncpg.Connection
) -> None:
    field = joint["tuanjiehu"]
    lead = await client.post(
        "/api/v1/leads", headers=field,
        json={"round": "beijing-2", "merchant_name": "团结湖老王粮油店",
              "address": "团结湖路 5 号",
              "location": {"lon": 116.4725, "lat": 39.9318, "crs": "gcj02"},
              "contact": {"name": "王建国", "mobile": "１３９００１３９０００"},
              "notes": "愿意参加，有三轮车可送货"},
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    invited = await client.post(f"/api/v1/leads/{lead_id}/invitation", headers=field, json={})
    assert invited.status_code == 201, invited.text
    token = invited.json()["token"]
    assert invited.json()["url"] == f"/apply#invite={token}"
    stored = await conn.fetchval("SELECT token_hash FROM lead_invitations")
    assert token.encode() not in bytes(stored) and len(stored) == 32

    opened = await client.post("/api/v1/invitations/open", json={"token": token})
    assert opened.status_code == 200, opened.text
    prefill = opened.json()
    assert prefill["legal_name"] == "团结湖老王粮油店"
    assert prefill["contact"] == {"name": "王建国", "mobile": "13900139000"}
    assert prefill["location"]["crs"] == "wgs84"
    again = await client.post("/api/v1/invitations/open", json={"token": token})
    assert again.status_code == 200  # opening does not use it up

    app = await submit(client, merchant(seed=730, legal_name=prefill["legal_name"]))
    own = bearer(app["applicant_token"])
    redeemed = await client.post(f"/api/v1/applications/{app['id']}/invitation",
                                 headers=own, json={"token": token})
    assert redeemed.status_code == 200, redeemed.text
    twice = await client.post(f"/api/v1/applications/{app['id']}/invitation",
                              headers=own, json={"token": token})
    assert twice.status_code == 409 and twice.json()["extensions"]["reason"] == "used"
    used = await client.post("/api/v1/invitations/open", json={"token": token})
    assert used.status_code == 409
    no_more = await client.post(f"/api/v1/leads/{lead_id}/invitation", headers=field, json={})
    assert no_more.status_code == 409

    # Expiry: a second lead's invitation whose time has passed is refused both ways.
    lead2 = (await client.post(
        "/api/v1/leads", headers=field,
        json={"round": "beijing-2", "merchant_name": "团结湖果蔬店",
              "location": {"lon": 116.4700, "lat": 39.9300, "crs": "wgs84"}},
    )).json()
    token2 = (await client.post(f"/api/v1/leads/{lead2['id']}/invitation", headers=field,
                                json={"valid_days": 1})).json()["token"]
    await conn.execute("UPDATE lead_invitations SET expires_at = now() - interval '1 second' "
                       "WHERE lead_id = $1::uuid", lead2["id"])
    expired = await client.post("/api/v1/invitations/open", json={"token": token2})
    assert expired.status_code == 409 and expired.json()["extensions"]["reason"] == "expired"
    app2 = await submit(client, merchant(seed=731))
    late = await client.post(f"/api/v1/applications/{app2['id']}/invitation",
                             headers=bearer(app2["applicant_token"]), json={"token": token2})
    assert late.status_code == 409 and late.json()["extensions"]["reason"] == "expired"
    unknown = await client.post("/api/v1/invitations/open",
                                json={"token": "inv_" + "x" * 43})
    assert unknown.status_code == 404

    conversion = await client.get("/api/v1/leads/conversion", headers=joint["foundation"])
    row = next(r for r in conversion.json() if r["organisation"] == "tuanjiehu-street")
    assert (row["leads"], row["invited"], row["applied"], row["decided"]) == (2, 2, 1, 0)


async def test_leads_near_communities_that_lack_stores(
    client: AsyncTestClient, joint: dict[str, Any], tokens: dict[str, str]
) -> None:
    field = joint["sunhe"]
    for name, (lon, lat) in (("孙河小卖部", SUNHE_STORE), ("远郊农家店", (116.9, 40.6))):
        r = await client.post(
            "/api/v1/leads", headers=field,
            json={"round": "beijing-2", "merchant_name": name,
                  "location": {"lon": lon, "lat": lat, "crs": "wgs84"}},
        )
        assert r.status_code == 201, r.text
    near = await client.get("/api/v1/leads", headers=field, params={"near_gaps": "true"})
    assert near.status_code == 200, near.text
    assert [i["merchant_name"] for i in near.json()] == ["孙河小卖部"]
    assert "110105037207" in {g["code"] for g in near.json()[0]["gaps"]}
    everything = await client.get("/api/v1/leads", headers=field)
    assert len(everything.json()) == 2
    # Another organisation's staff do not see these leads; the admin does.
    others = await client.get("/api/v1/leads", headers=joint["tuanjiehu"])
    assert others.json() == []
    assert len((await client.get("/api/v1/leads", headers=joint["admin"])).json()) == 2


async def test_training_for_approved_merchants_confirms_trained_staff(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    app = await submit(client, merchant(seed=740))  # declares 3 trained staff
    session = {"held_on": "2026-11-22", "trainer": "项目培训师", "attendees": ["张三", "李四"]}
    early = await client.post(f"/api/v1/applications/{app['id']}/trainings",
                              headers=joint["foundation"], json=session)
    assert early.status_code == 409
    assert (await decide(client, app, joint["foundation"], "approved")).status_code == 200
    for attendees in (["张三", "李四"], ["李四", "王五"]):
        r = await client.post(f"/api/v1/applications/{app['id']}/trainings",
                              headers=joint["foundation"], json={**session,
                                                                 "attendees": attendees})
        assert r.status_code == 201, r.text
    card = (await client.get(f"/api/v1/applications/{app['id']}/scorecard",
                             headers=joint["foundation"])).json()
    assert card["evidence"]["trained_staff"]["attended_training"] == 3
    assert card["evidence"]["trained_staff"]["confirmed"] is True
    own = (await client.get(f"/api/v1/applications/{app['id']}/scorecard",
                            headers=bearer(app["applicant_token"]))).json()
    assert own["evidence"] is None  # the field's notes are for staff


async def test_fixtures_load_the_pilot_organisations_idempotently(
    dsn: str, conn: asyncpg.Connection
) -> None:
    from service.seed.loader import load_fixtures

    first = await load_fixtures(dsn)
    again = await load_fixtures(dsn)
    assert first["organisations"] == again["organisations"] == 12
    rows = await conn.fetch("SELECT code, kind, streets FROM organisations ORDER BY code")
    assert len(rows) == 12
    kinds = {r["kind"] for r in rows}
    assert {"foundation", "platform_foundation", "street_office"} <= kinds
    # Every pilot community lies in the street of some street office.
    streets = {s for r in rows if r["kind"] == "street_office" for s in r["streets"]}
    pilot = await conn.fetch("SELECT code FROM communities WHERE is_pilot")
    pilots = {r["code"][:9] for r in pilot}
    assert pilots <= streets


async def test_conflict_declared_while_a_decision_counts_is_not_counted(
    client: AsyncTestClient, conn: asyncpg.Connection, dsn: str, joint: dict[str, Any]
) -> None:
    """tjh-1's review makes the quorum; tjh-1 declares a conflict in a transaction still open
    when the foundation decides. The decision waits for it and then finds the quorum short
    (without the lock it decided at once, counting a review that no longer counted)."""
    app = await submit(client, merchant(seed=703, stores=[store("团结湖三店", 116.4661, 39.9302)]))
    quorum_only = {"required": [], "quorum": 2, "site_visit_required": False}
    put = await client.put("/api/v1/rounds/beijing-2/joint-rules", headers=joint["admin"],
                           json=quorum_only)
    assert put.status_code == 200, put.text
    await review(client, app, joint["foundation"], 80)
    await review(client, app, joint["tuanjiehu"], 60)
    app_id = UUID(app["id"])
    users = dict(await conn.fetch("SELECT name, id FROM users"))
    declarer = Principal(token_id=0, name="tjh-1", role="reviewer", user_id=users["tjh-1"],
                         can_decide=True)
    decider = Principal(token_id=0, name="reviewer-1", role="reviewer",
                        user_id=users["reviewer-1"], can_decide=True)
    version = await conn.fetchval("SELECT version FROM applications WHERE id = $1", app_id)

    declaring, deciding = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        for c in (declaring, deciding):
            await register_codecs(c)
        open_declaration = declaring.transaction()
        await open_declaration.start()
        await review_service.declare_conflict(declaring, declarer, app_id, "申请人是我的亲属")
        decision = asyncio.create_task(review_service.decide(
            deciding, decider, app_id, DecisionIn(decision="approved", reason="法定人数已满"),
            version,
        ))
        pid = deciding.get_server_pid()
        for _ in range(400):  # until the decision waits on a lock (or, without one, is done)
            waits = await conn.fetchval(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid
            )
            if decision.done() or waits == "Lock":
                break
            await asyncio.sleep(0.05)
        assert not decision.done(), "decided while a conflict declaration was in flight"
        await open_declaration.commit()
        with pytest.raises(Conflict) as refused:
            await decision
    finally:
        await declaring.close()
        await deciding.close()
    missing = refused.value.extensions["missing"]
    assert [m["code"] for m in missing] == ["quorum"] and missing[0]["have"] == 1
    assert await conn.fetchval("SELECT status FROM applications WHERE id = $1", app_id) != (
        "approved"
    )


async def test_a_review_counts_for_the_organisation_it_was_written_for(
    client: AsyncTestClient, joint: dict[str, Any]
) -> None:
    """tjh-1 reviews for Tuanjiehu's street office and then moves to the foundation: the
    review still stands for the street office (before: it moved with its reviewer)."""
    app = await submit(client, merchant(seed=704, stores=[store("团结湖四店", 116.4663, 39.9299)]))
    rules = {"required": [{"kind": "street_office", "per_community": True}], "quorum": 1,
             "site_visit_required": False}
    put = await client.put("/api/v1/rounds/beijing-2/joint-rules", headers=joint["admin"],
                           json=rules)
    assert put.status_code == 200, put.text
    await review(client, app, joint["tuanjiehu"], 60)
    moved = await client.put("/api/v1/organisations/programme-foundation/members/tjh-1",
                             headers=joint["admin"])
    assert moved.status_code == 200, moved.text
    status = await client.get(f"/api/v1/applications/{app['id']}/joint-status",
                              headers=joint["foundation"])
    assert status.status_code == 200, status.text
    assert status.json()["missing"] == []
    assert status.json()["reviews"] == [
        {"reviewer": "tjh-1", "organisation": "tuanjiehu-street", "kind": "street_office"}
    ]
