"""The ranking as a joint panel sees it: each organisation's scores side by side, where
they disagree most, and for street and community reviewers only their area's candidates."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

import asyncpg

from service.auth.principal import Principal
from service.organisations import service as organisations
from service.organisations.service import area_of


def side_by_side(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """application id -> organisation code -> its reviewers' mean score per criterion."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    meta: dict[str, tuple[str, str]] = {}
    for r in rows:
        grouped[str(r["application_id"])][r["org_code"]].append(r["scores"])
        meta[r["org_code"]] = (r["org_name"], r["kind"])
    out: dict[str, dict[str, Any]] = {}
    for app_id, by_org in grouped.items():
        out[app_id] = {}
        for code, reviews in sorted(by_org.items()):
            criteria = sorted({c for s in reviews for c in s})
            scores = {c: round(fmean(s[c] for s in reviews if c in s), 2) for c in criteria}
            out[app_id][code] = {
                "name": meta[code][0],
                "kind": meta[code][1],
                "reviews": len(reviews),
                "scores": scores,
                "mean": round(fmean(scores.values()), 2) if scores else None,
            }
    return out


def disagreement(by_org: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The criterion on which two organisations' means lie farthest apart."""
    worst: dict[str, Any] | None = None
    criteria = {c for o in by_org.values() for c in o["scores"]}
    for c in sorted(criteria):
        scored = [(o["scores"][c], code) for code, o in by_org.items() if c in o["scores"]]
        if len(scored) < 2:
            continue
        (low, low_org), (high, high_org) = min(scored), max(scored)
        if worst is None or high - low > worst["spread"]:
            worst = {"criterion": c, "spread": round(high - low, 2),
                     "high": high_org, "low": low_org}
    return worst


async def joint_view(
    conn: asyncpg.Connection, principal: Principal, result: dict[str, Any]
) -> dict[str, Any]:
    """Adds `by_organisation` and `disagreement` to each item; confines a street or
    community reviewer to the candidates serving its area (the others are left out, as the
    application routes answer 404 for them). Ranks are kept: they are the round's."""
    area = await area_of(conn, principal)
    orgs = side_by_side(await organisations.org_reviews_in_round(conn, result["round"]))
    items = []
    for item in result["items"]:
        if area is not None and not area.covers_any(item["served_communities"]):
            continue
        by_org = orgs.get(item["id"], {})
        items.append({**item, "by_organisation": by_org, "disagreement": disagreement(by_org)})
    scope = None if area is None else {
        "organisation": area.organisation,
        "name": area.name,
        "communities": sorted(area.communities),
        "streets": sorted(area.streets),
    }
    return {**result, "items": items, "scope": scope}
