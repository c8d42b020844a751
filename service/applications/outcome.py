"""The decision as the applicant reads it: outcome, the panel's reason, and what comes next.

An approved merchant also learns what its tills must refuse (the categories vouchers never
buy) and which of its stores are now in the registry.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from scoring.vocabulary import CATEGORIES
from service.applications import repository as repo
from service.applications.lifecycle import STATUS_ZH

DECIDED = ("approved", "rejected", "waitlisted")

# (code, Chinese, English) for each outcome; shown in this order.
NEXT_STEPS: dict[str, list[tuple[str, str, str]]] = {
    "approved": [
        (
            "till_block",
            "在收银系统中设置拦截：赈济券不得购买下列品类。",
            "Set up the tills to refuse vouchers for the categories listed.",
        ),
        (
            "training",
            "安排门店员工参加项目培训。",
            "Have store staff attend the programme's training.",
        ),
        (
            "reporting",
            "按要求及时、准确报送各门店的核销数据与所售商品。",
            "Report each store's redemptions and goods bought, promptly and accurately.",
        ),
        (
            "registry",
            "下列门店已进入爱心商家名录，灾时可能被调度配送。",
            "The stores below are in the registry and may be asked to deliver in an emergency.",
        ),
    ],
    "waitlisted": [
        (
            "waitlist",
            "申请进入候补名单：如有名额，将直接转为通过，无需重新申请。",
            "The application is on the waiting list; if a place opens it is approved directly.",
        ),
        (
            "keep_current",
            "请保持联系方式有效；如不再参加，可随时撤回申请。",
            "Keep your contact details current; you may withdraw at any time.",
        ),
    ],
    "rejected": [
        (
            "reapply",
            "可在以后的招募批次中重新申请；请先参照上述原因完善条件。",
            "You may apply again in a later recruitment round, after addressing the reason.",
        ),
    ],
}


def excluded_categories() -> list[dict[str, str]]:
    return [{"code": c.code, "zh": c.zh, "en": c.en} for c in CATEGORIES.values() if c.excluded]


async def decision_view(
    conn: asyncpg.Connection, application_id: UUID, status: str, kind: str
) -> dict[str, Any] | None:
    """The latest decision while the application is in a decided state, else None."""
    if status not in DECIDED:
        return None
    row = await repo.latest_decision(conn, application_id)
    view: dict[str, Any] = {
        "outcome": status,
        "outcome_zh": STATUS_ZH[status],
        "reason": row["reason"] if row else "",
        "decided_at": row["at"].isoformat() if row else None,
        "next_steps": [{"code": code, "zh": zh, "en": en} for code, zh, en in NEXT_STEPS[status]],
    }
    if status == "approved" and kind == "merchant":
        view["till_must_block"] = excluded_categories()
        view["registry_stores"] = [
            {"id": str(r["id"]), "name": r["name"], "address": r["address"], "status": r["status"],
             "daily_capacity": r["daily_capacity"], "radius_m": r["radius_m"],
             "opening_hours": r["opening_hours"]}
            for r in await repo.registry_stores(conn, application_id)
        ]
    return view
