"""The round's ranking and shortlist, explained from scorecards and panel reviews."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import asyncpg

from scoring import (
    Candidate,
    ReviewScores,
    aggregate_panel,
    shortlist,
)
from scoring.scorecard import served_by_store
from service.applications import repository as applications
from service.organisations.service import Area
from service.review import repository as repo
from service.review.facts import merchant_facts
from service.review.schemas import ShortlistIn
from service.review.scorecards import (
    card_from_dict,
    community_index,
    network_counts,
    round_rubric,
)

OPEN_FOR_SHORTLIST = ("under_review", "info_requested", "waitlisted", "submitted")


async def ranking(conn: asyncpg.Connection, round_code: str) -> dict[str, Any]:
    rubric = await round_rubric(conn, round_code)
    reviews: dict[Any, list[ReviewScores]] = defaultdict(list)
    for r in await repo.reviews_in_round(conn, round_code):
        reviews[r["application_id"]].append(ReviewScores(r["reviewer"], r["scores"]))
    recused: dict[Any, list[str]] = defaultdict(list)
    for r in await repo.conflicts_in_round(conn, round_code):
        recused[r["application_id"]].append(r["reviewer"])
    items = []
    for row in await repo.ranking_rows(conn, round_code):
        if row["card"] is None:
            continue
        card = card_from_dict(row["card"])
        panel = aggregate_panel(card, reviews[row["id"]], rubric)
        items.append(
            {
                "id": str(row["id"]),
                "kind": row["kind"],
                "legal_name": row["legal_name"],
                "status": row["status"],
                "version": row["version"],
                "eligible": card.eligible,
                "automatic_total": round(card.total, 2),
                # Blank while nobody's review counts: the aggregate would only echo the
                # automatic score and read as if the panel had agreed with it.
                "panel_total": round(panel.panel_total, 2) if panel.review_count else None,
                "order_total": panel.panel_total,
                "contested": panel.contested,
                "spread": panel.spread,
                "review_count": panel.review_count,
                "recused": recused[row["id"]],
                "rubric_version": row["rubric_version"],
                "stale_rubric": row["rubric_version"] != rubric.version,
                "criteria": {
                    c.code: {
                        "score": c.score,
                        "weight": c.weight,
                        "explanation_zh": c.explanation_zh,
                        "explanation_en": c.explanation_en,
                    }
                    for c in card.criteria
                },
                "failed_gates": [
                    {"code": g.code, "reason_zh": g.reason_zh, "reason_en": g.reason_en}
                    for g in card.gates
                    if not g.passed
                ],
                "served_communities": list(card.served_communities),
            }
        )
    # Eligible first, then the panel score (the automatic one while unreviewed); ties broken
    # by the automatic score, then id.
    items.sort(key=lambda i: (not i["eligible"], -i["order_total"], -i["automatic_total"], i["id"]))
    for rank, item in enumerate(items, start=1):
        item["rank"] = rank
        del item["order_total"]
    return {
        "round": round_code,
        "rubric_version": rubric.version,
        "order": "eligible first, then panel_total (automatic_total while unreviewed), "
        "automatic_total, id",
        "items": items,
    }


async def recommend(
    conn: asyncpg.Connection, round_code: str, ask: ShortlistIn, area: Area | None = None
) -> dict[str, Any]:
    """The shortlist; a street or community reviewer (`area`) chooses among the candidates
    serving its area only, as its ranking shows only those."""
    rubric = await round_rubric(conn, round_code)
    index = await community_index(conn)
    k = ask.target_k or rubric.target_stores_per_community
    candidates: list[Candidate] = []
    names: dict[str, str] = {}
    for row in await repo.ranking_rows(conn, round_code):
        if row["kind"] != "merchant" or row["status"] not in OPEN_FOR_SHORTLIST:
            continue
        if row["card"] is None or not row["eligible"]:
            continue
        stores = await applications.get_stores(conn, row["id"])
        facts = merchant_facts({}, stores)
        served = served_by_store(facts, index, rubric)
        if area is not None and not area.covers_any(c for codes in served.values() for c in codes):
            continue
        candidates.append(Candidate.from_served_sets(str(row["id"]), served))
        names[str(row["id"])] = row["legal_name"]
    codes = sorted(index.by_code)
    existing = await network_counts(conn, codes, rubric, None, up_to=k)
    weights = index.weights(rubric.priority_weights)
    result = shortlist(candidates, weights, existing, k, ask.budget, ask.budget_unit)
    by_code = index.by_code
    return {
        "round": round_code,
        "budget": ask.budget,
        "budget_unit": ask.budget_unit,
        "target_k": k,
        "method": result.method,
        "total_gain": round(result.total_gain, 2),
        "picks": [
            {
                "id": p.id,
                "legal_name": names[p.id],
                "marginal_gain": round(p.marginal_gain, 2),
                "communities_added": list(p.communities_added),
            }
            for p in result.picks
        ],
        "below_target": [
            {"code": b.code, "name": by_code[b.code].name, "stores": b.count, "missing": b.missing}
            for b in result.below_target
        ],
    }
