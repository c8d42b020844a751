"""Joint assessment: which organisations must have reviewed a candidate before a decision.

A round without joint rules keeps the flat panel: any panel member who may decide, decides.
With rules, a decision waits for the quorum of counted reviews, for a review by each
required kind of organisation (for `per_community` kinds: one covering each pilot
community the candidate serves, e.g. the street office of each), and, when the round
asks for it, for a recorded site visit before an approval.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from service.organisations import service as organisations
from service.organisations.schemas import KIND_ZH
from service.organisations.service import Area
from service.problems import Conflict
from service.visits import service as visits


def _missing(code: str, en: str, zh: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": en, "detail_zh": zh, **extra}


async def joint_status(
    conn: asyncpg.Connection, application: asyncpg.Record, decision: str | None = None
) -> dict[str, Any]:
    """What the round's joint rules still miss for this application (empty = may decide)."""
    rules = await organisations.joint_rules(conn, application["round_code"])
    if rules is None:
        return {"joint": False, "missing": []}
    reviews = await organisations.counted_reviews(conn, application["id"])
    communities = await organisations.served_pilot_communities(conn, application["id"])
    missing: list[dict[str, Any]] = []
    if len(reviews) < rules["quorum"]:
        missing.append(_missing(
            "quorum",
            f"{len(reviews)} of the {rules['quorum']} reviews the quorum needs",
            f"已有 {len(reviews)} 份评审，法定人数需要 {rules['quorum']} 份",
            have=len(reviews), need=rules["quorum"],
        ))
    for req in rules["required"]:
        kind = req["kind"]
        of_kind = [r for r in reviews if r["kind"] == kind]
        if not req.get("per_community"):
            if not of_kind:
                missing.append(_missing(
                    f"review_by:{kind}", f"a review by a {kind.replace('_', ' ')}",
                    f"{KIND_ZH[kind]}的评审", kind=kind,
                ))
            continue
        areas = [Area(r["org_code"], frozenset(r["communities"]), frozenset(r["streets"]))
                 for r in of_kind]
        for c in communities:
            if not any(a.covers(c["code"]) for a in areas):
                missing.append(_missing(
                    f"review_by:{kind}:{c['code']}",
                    f"a review by the {kind.replace('_', ' ')} of community {c['code']}",
                    f"{c['name']}所在{KIND_ZH[kind]}的评审",
                    kind=kind, community=c["code"],
                ))
    needs_visit = rules["site_visit_required"] and application["kind"] == "merchant"
    if needs_visit and decision in (None, "approved"):
        if not await visits.visit_count(conn, application["id"]):
            missing.append(_missing(
                "site_visit", "a recorded site visit before approval",
                "批准前需有一次实地核查记录",
            ))
    return {
        "joint": True,
        "rules": {k: rules[k] for k in ("required", "quorum", "site_visit_required")},
        "reviews": [
            {"reviewer": r["reviewer"], "organisation": r["org_code"], "kind": r["kind"]}
            for r in reviews
        ],
        "communities": [c["code"] for c in communities],
        "missing": missing,
    }


async def require_joint(
    conn: asyncpg.Connection, application: asyncpg.Record, decision: str
) -> None:
    """409 naming everything the joint rules still miss; nothing for rounds without rules."""
    status = await joint_status(conn, application, decision)
    missing = status["missing"]
    if missing:
        raise Conflict(
            "The joint assessment is incomplete: "
            + "; ".join(m["detail"] for m in missing) + ".",
            "联合评审尚未完成，还缺：" + "；".join(m["detail_zh"] for m in missing) + "。",
            missing=missing,
        )
