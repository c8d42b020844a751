"""Rounds, rubrics, scorecards and panel review against the real database."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.seed.loader import FIXTURES_DIR, _items
from service.seed.rounds import load_applications, load_network
from tests.factories import merchant, ngo, store
from tests.support import bearer, make_settings

ZLB, SUNHE = "110105013029", "110105037207"


@pytest.fixture
async def rounds(conn: asyncpg.Connection, client: AsyncTestClient, tokens: dict[str, str]) -> None:
    """The fixture rounds: beijing-1's network in the registry, beijing-2 open with its panel."""
    assert (FIXTURES_DIR / "network_beijing1.json").exists()
    await load_network(conn, _items("network_beijing1.json"))
    await load_applications(conn, _items("applications_beijing2.json"))
    for user in ("reviewer-1", "reviewer-2"):
        response = await client.put(
            f"/api/v1/rounds/beijing-2/reviewers/{user}", headers=bearer(tokens["admin"])
        )
        assert response.status_code == 200


async def submit(client: AsyncTestClient, body: dict) -> dict:
    response = await client.post("/api/v1/applications", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_admin_creates_round_with_rubric_and_bad_rubric_is_422(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    made = await client.post(
        "/api/v1/rounds",
        headers=admin,
        json={
            "code": "rongjiang-1",
            "name": "榕江县灾后恢复商家招募",
            "rubric": {"merchant_weights": {"coverage": 0.6, "delivery": 0.3, "settlement": 0.1}},
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["rubric_version"] == 1
    assert made.json()["rubric"]["merchant_weights"]["coverage"] == 0.6
    bad = await client.post(
        "/api/v1/rounds",
        headers=admin,
        json={"code": "bad-1", "name": "坏细则", "rubric": {"merchant_weights": {"coverage": -1}}},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/rubric"
    reviewer = await client.post(
        "/api/v1/rounds", headers=bearer(tokens["reviewer"]), json={"code": "x-1", "name": "不可"}
    )
    assert reviewer.status_code == 403


@pytest.mark.usefixtures("rounds")
async def test_gap_filler_outscores_duplicate_and_ranking_explains(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["reviewer"])
    # A second-batch store approved at Tuanjiehu brings its communities to the target (k=2).
    first = await submit(
        client,
        merchant(
            seed=500,
            legal_name="团结湖第二家",
            stores=[store("团结湖店", 116.4620, 39.9256, radius_m=2000)],
        ),
    )
    etag = (await client.get(first["status_url"], headers=headers)).headers["etag"]
    approved = await client.post(
        f"/api/v1/applications/{first['id']}/decision",
        headers={**headers, "If-Match": etag},
        json={"decision": "approved", "reason": "补足团结湖"},
    )
    assert approved.status_code == 200, approved.text
    gap = await submit(
        client,
        merchant(
            seed=501,
            legal_name="孙河社区超市",
            stores=[store("孙河店", 116.5010, 40.0612, radius_m=2000)],
        ),
    )
    dup = await submit(
        client,
        merchant(
            seed=502,
            legal_name="京客隆团结湖二店",
            stores=[store("团结湖南里店", 116.4618, 39.9246, radius_m=2000)],
        ),
    )
    gap_card = (
        await client.get(f"/api/v1/applications/{gap['id']}/scorecard", headers=headers)
    ).json()
    dup_card = (
        await client.get(f"/api/v1/applications/{dup['id']}/scorecard", headers=headers)
    ).json()
    coverage = {c["code"]: c for c in gap_card["criteria"]}["coverage"]
    dup_coverage = {c["code"]: c for c in dup_card["criteria"]}["coverage"]
    assert coverage["score"] > dup_coverage["score"]
    assert coverage["explanation_zh"] and coverage["explanation_en"]
    ranking = (await client.get("/api/v1/rounds/beijing-2/ranking", headers=headers)).json()
    by_id = {i["id"]: i for i in ranking["items"]}
    assert by_id[gap["id"]]["rank"] < by_id[dup["id"]]["rank"]
    # gated candidates rank after every eligible one, with the gate named
    gated = [i for i in ranking["items"] if not i["eligible"]]
    assert gated and all(i["failed_gates"] for i in gated)
    assert min(i["rank"] for i in gated) > max(i["rank"] for i in ranking["items"] if i["eligible"])
    tobacco = next(i for i in ranking["items"] if i["legal_name"] == "北京孙河烟酒商行")
    assert "eligible_category" in {g["code"] for g in tobacco["failed_gates"]}


@pytest.mark.usefixtures("rounds")
async def test_rescore_after_rubric_change(client: AsyncTestClient, tokens: dict[str, str]) -> None:
    admin, reviewer = bearer(tokens["admin"]), bearer(tokens["reviewer"])
    app = await submit(client, merchant(seed=510))
    before = (
        await client.get(f"/api/v1/applications/{app['id']}/scorecard", headers=reviewer)
    ).json()
    assert before["rubric_version"] == 1
    changed = await client.put(
        "/api/v1/rounds/beijing-2/rubric",
        headers=admin,
        json={
            "rubric": {"merchant_weights": {"coverage": 0.1, "delivery": 0.1, "settlement": 0.8}}
        },
    )
    assert changed.json()["rubric_version"] == 2
    still = (
        await client.get(f"/api/v1/applications/{app['id']}/scorecard", headers=reviewer)
    ).json()
    assert still["rubric_version"] == 1
    ranking = (await client.get("/api/v1/rounds/beijing-2/ranking", headers=reviewer)).json()
    assert all(i["stale_rubric"] for i in ranking["items"])
    rescored = await client.post("/api/v1/rounds/beijing-2/rescore", headers=admin)
    assert rescored.json()["rescored"] >= 22 and rescored.json()["rubric_version"] == 2
    after = (
        await client.get(f"/api/v1/applications/{app['id']}/scorecard", headers=reviewer)
    ).json()
    assert after["rubric_version"] == 2 and after["total"] != before["total"]
    weights = {c["code"]: c["weight"] for c in after["criteria"]}
    assert weights["settlement"] == 0.8


@pytest.mark.usefixtures("rounds")
async def test_conflict_of_interest_blocks_scoring_and_deciding(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    app = await submit(client, merchant(seed=520))
    reviewer = bearer(tokens["reviewer"])
    declared = await client.post(
        f"/api/v1/applications/{app['id']}/conflicts",
        headers=reviewer,
        json={"reason": "我的亲属是该公司股东"},
    )
    assert declared.status_code == 201
    scored = await client.post(
        f"/api/v1/applications/{app['id']}/reviews",
        headers=reviewer,
        json={"scores": {"coverage": 80}, "comment": "好"},
    )
    assert scored.status_code == 403 and "利益冲突" in scored.json()["detail_zh"]
    etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
    decided = await client.post(
        f"/api/v1/applications/{app['id']}/decision",
        headers={**reviewer, "If-Match": etag},
        json={"decision": "approved", "reason": "覆盖好"},
    )
    assert decided.status_code == 403
    other = await client.post(
        f"/api/v1/applications/{app['id']}/reviews",
        headers=bearer(tokens["reviewer2"]),
        json={"scores": {"coverage": 70}, "comment": "可以"},
    )
    assert other.status_code == 201


@pytest.mark.usefixtures("rounds")
async def test_conflict_declared_after_review_leaves_the_aggregates(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    """Issue 12.7: a reviewer scores 100/100/100, then declares a conflict: the review no
    longer counts in the ranking (the ranking says so), and the audit trail keeps it."""
    app = await submit(client, merchant(seed=525))
    url = f"/api/v1/applications/{app['id']}"
    r1 = bearer(tokens["reviewer"])

    async def item() -> dict:
        ranking = (await client.get("/api/v1/rounds/beijing-2/ranking", headers=r1)).json()
        return next(i for i in ranking["items"] if i["id"] == app["id"])

    before = await item()
    assert before["review_count"] == 0 and before["panel_total"] is None
    full = {"coverage": 100, "delivery": 100, "settlement": 100}
    scoring = await client.post(f"{url}/reviews", headers=r1, json={"scores": full})
    assert scoring.status_code == 201
    scored = await item()
    assert scored["review_count"] == 1
    assert scored["panel_total"] > before["automatic_total"]
    declared = await client.post(f"{url}/conflicts", headers=r1, json={"reason": "亲属任职"})
    assert declared.status_code == 201
    after = await item()
    assert after["review_count"] == 0 and after["panel_total"] is None
    assert after["recused"] == ["reviewer-1"]
    reviews = (await client.get(f"{url}/reviews", headers=bearer(tokens["reviewer2"]))).json()
    assert [(r["reviewer"], r["counted"]) for r in reviews] == [("reviewer-1", False)]
    trail = (await client.get(f"{url}/audit", headers=bearer(tokens["admin"]))).json()
    assert [a["details"]["scores"] for a in trail if a["action"] == "review"] == [full]
    assert any(a["action"] == "conflict_declared" for a in trail)


@pytest.mark.usefixtures("rounds")
async def test_reviews_panel_score_and_contested(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    app = await submit(client, merchant(seed=530))
    url = f"/api/v1/applications/{app['id']}/reviews"
    r1, r2 = bearer(tokens["reviewer"]), bearer(tokens["reviewer2"])
    assert (
        await client.post(
            url, headers=r1, json={"scores": {"coverage": 100, "delivery": 100, "settlement": 100}}
        )
    ).status_code == 201
    assert (
        await client.post(
            url,
            headers=r2,
            json={"scores": {"coverage": 0, "delivery": 0, "settlement": 0}, "comment": "门店太远"},
        )
    ).status_code == 201
    # amendable: a second POST replaces the first
    amended = await client.post(url, headers=r2, json={"scores": {"coverage": 5}, "comment": "改"})
    assert amended.json()["created"] is False
    reviews = (await client.get(url, headers=r1)).json()
    assert [r["reviewer"] for r in reviews] == ["reviewer-1", "reviewer-2"]
    item = next(
        i
        for i in (await client.get("/api/v1/rounds/beijing-2/ranking", headers=r1)).json()["items"]
        if i["id"] == app["id"]
    )
    assert item["review_count"] == 2 and item["contested"] is True
    wrong = await client.post(url, headers=r1, json={"scores": {"experience": 50}})
    assert wrong.status_code == 422
    unassigned = await client.post(
        "/api/v1/users",
        headers=bearer(tokens["admin"]),
        json={"name": "outsider", "role": "reviewer"},
    )
    outsider = bearer(unassigned.json()["token"])
    denied = await client.post(url, headers=outsider, json={"scores": {}})
    assert denied.status_code == 403, denied.text


@pytest.mark.usefixtures("rounds")
async def test_info_request_reaches_applicant_and_answer_returns_to_review(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    app = await submit(client, merchant(seed=540))
    reviewer, applicant = bearer(tokens["reviewer"]), bearer(app["applicant_token"])
    asked = await client.post(
        f"/api/v1/applications/{app['id']}/info-requests",
        headers=reviewer,
        json={"question": "请上传食品经营许可证编号"},
    )
    assert asked.status_code == 201 and asked.json()["status"] == "info_requested"
    seen = (await client.get(app["status_url"], headers=applicant)).json()
    assert seen["status"] == "info_requested"
    assert seen["requirements"]["info_requests"][0]["question"] == "请上传食品经营许可证编号"
    assert seen["requirements"]["currently_due"] == [f"info_requests/{asked.json()['id']}"]
    answered = await client.patch(
        app["status_url"], headers=applicant, json={"answer": "JY11105000000000"}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "under_review"


@pytest.mark.usefixtures("rounds")
async def test_info_request_names_documents_and_bad_kinds_are_422(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    app = await submit(client, merchant(seed=545))
    url = f"/api/v1/applications/{app['id']}/info-requests"
    reviewer = bearer(tokens["reviewer"])
    bad = await client.post(
        url, headers=reviewer, json={"question": "请上传", "requested_documents": ["营业执照"]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"].startswith(
        "/requested_documents"
    )
    docs = ["business_licence", "food_licence", "business_licence"]
    asked = await client.post(
        url,
        headers=reviewer,
        json={"question": "请上传营业执照和食品经营许可证", "requested_documents": docs},
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["requested_documents"] == ["business_licence", "food_licence"]
    seen = (await client.get(app["status_url"], headers=bearer(app["applicant_token"]))).json()
    assert seen["info_requests"][0]["requested_documents"] == ["business_licence", "food_licence"]


async def test_rounds_say_who_is_on_the_panel_and_list_rubric_versions(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    assert (
        await client.post("/api/v1/rounds", headers=admin, json={"code": "yq-1", "name": "延庆"})
    ).status_code == 201
    assert (await client.put("/api/v1/rounds/yq-1/reviewers/reviewer-1", headers=admin)).is_success
    weights = {"merchant_weights": {"coverage": 0.2, "delivery": 0.2, "settlement": 0.6}}
    assert (
        await client.put("/api/v1/rounds/yq-1/rubric", headers=admin, json={"rubric": weights})
    ).is_success

    def panel(listing: list[dict]) -> bool:
        return next(r["on_panel"] for r in listing if r["code"] == "yq-1")

    r1 = (await client.get("/api/v1/rounds", headers=bearer(tokens["reviewer"]))).json()
    r2 = (await client.get("/api/v1/rounds", headers=bearer(tokens["reviewer2"]))).json()
    assert panel(r1) is True and panel(r2) is False
    versions = (await client.get("/api/v1/rounds/yq-1/rubrics", headers=admin)).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["rubric"]["merchant_weights"]["settlement"] == 0.6
    assert (await client.get("/api/v1/rounds/nope-1/rubrics", headers=admin)).status_code == 404


@pytest.mark.usefixtures("rounds")
async def test_two_concurrent_decisions_one_wins(
    dsn: str, client: AsyncTestClient, tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    await conn.execute("UPDATE users SET can_decide = true WHERE name = 'reviewer-2'")
    app = await submit(client, merchant(seed=550))
    etag = (await client.get(app["status_url"], headers=bearer(tokens["reviewer"]))).headers["etag"]
    url = f"/api/v1/applications/{app['id']}/decision"
    async with AsyncTestClient(app=create_app(make_settings(dsn))) as other:
        results = await asyncio.gather(
            client.post(
                url,
                headers={**bearer(tokens["reviewer"]), "If-Match": etag},
                json={"decision": "approved", "reason": "覆盖孙河空白"},
            ),
            other.post(
                url,
                headers={**bearer(tokens["reviewer2"]), "If-Match": etag},
                json={"decision": "rejected", "reason": "重复覆盖"},
            ),
        )
    statuses = sorted(r.status_code for r in results)
    assert statuses[0] == 200 and statuses[1] in (409, 412), [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()["status"]
    final = await conn.fetchval("SELECT status FROM applications WHERE id = $1::uuid", app["id"])
    assert final == winner
    decisions = await conn.fetch(
        "SELECT to_status FROM audit_log WHERE entity_id = $1 AND to_status = ANY($2)",
        app["id"],
        ["approved", "rejected"],
    )
    assert [d["to_status"] for d in decisions] == [winner]
    missing = await client.post(
        url, headers=bearer(tokens["reviewer"]), json={"decision": "approved", "reason": "无版本"}
    )
    assert missing.status_code == 428


@pytest.mark.usefixtures("rounds")
async def test_approval_puts_stores_into_registry(
    client: AsyncTestClient, tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    app = await submit(
        client, merchant(seed=560, stores=[store("一店"), store("二店", 116.47, 39.93)])
    )
    reviewer = bearer(tokens["reviewer"])
    etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
    no_decide = await client.post(
        f"/api/v1/applications/{app['id']}/decision",
        headers={**bearer(tokens["reviewer2"]), "If-Match": etag},
        json={"decision": "approved", "reason": "很好"},
    )
    assert no_decide.status_code == 403
    decided = await client.post(
        f"/api/v1/applications/{app['id']}/decision",
        headers={**reviewer, "If-Match": etag},
        json={"decision": "approved", "reason": "填补团结湖缺口"},
    )
    assert decided.status_code == 200, decided.text
    assert len(decided.json()["registry_stores"]) == 2
    active = await conn.fetchval(
        "SELECT count(*) FROM stores WHERE application_id = $1::uuid AND status = 'active'",
        app["id"],
    )
    assert active == 2
    late = await client.post(
        f"/api/v1/applications/{app['id']}/reviews",
        headers=reviewer,
        json={"scores": {"coverage": 1}},
    )
    assert late.status_code == 409


@pytest.mark.usefixtures("rounds")
async def test_shortlist_names_uncovered_communities(
    client: AsyncTestClient, tokens: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/rounds/beijing-2/shortlist",
        headers=bearer(tokens["reviewer"]),
        json={"budget": 3, "budget_unit": "merchants", "target_k": 2},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert len(result["picks"]) == 3
    gains = [p["marginal_gain"] for p in result["picks"]]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    below = {b["code"]: b for b in result["below_target"]}
    assert below and all(b["missing"] > 0 for b in below.values())
    assert all(b["name"] for b in below.values())
    # the ineligible tobacco shop is never recommended
    names = {p["legal_name"] for p in result["picks"]}
    assert "北京孙河烟酒商行" not in names


async def test_ngo_scorecard(
    client: AsyncTestClient, tokens: dict[str, str], conn: asyncpg.Connection
) -> None:
    from tests.factories import open_round

    await open_round(conn)
    app = await submit(client, ngo())
    card = (
        await client.get(
            f"/api/v1/applications/{app['id']}/scorecard", headers=bearer(app["applicant_token"])
        )
    ).json()
    assert card["kind"] == "ngo"
    assert {c["code"] for c in card["criteria"]} == {
        "communities",
        "experience",
        "people",
        "capabilities",
    }
    assert ZLB in card["served_communities"] and SUNHE not in card["served_communities"]
