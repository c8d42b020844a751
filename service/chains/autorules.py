"""A round's rules that approve a change request without the panel (rubric.change_rules).

A rule fires only for a change that passes every gate an application's stores pass and that
adds to the network: new branches that each bring a pilot community nearer its target k, or a
delivering store's capacity or delivery radius raised within the round's factor. Closing a
branch, lowering anything and changing opening hours never fire: those go to the panel. The
request itself was validated by the same walker as an application's stores (the Store struct's
checks, reach and zone rules included) before it gets here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import asyncpg
from shapely.geometry import Point

from scoring import gates
from scoring.rubric import ChangeRules, Rubric
from scoring.scorecard import served_by_store
from service.applications.stores import prepare
from service.chains.coverage import marginal_coverage
from service.chains.schemas import ChangeRequestIn, StoreUpdate
from service.review.facts import merchant_facts
from service.review.scorecards import community_index, round_rubric

SYSTEM = "system"  # decided_by of a change the round's rules approved


@dataclass(frozen=True, slots=True)
class Fired:
    """The rule that approved a change, and the reason recorded with the decision."""

    rule: str
    reason_zh: str
    reason_en: str

    @property
    def reason(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


async def fired(
    conn: asyncpg.Connection, app: asyncpg.Record, change: ChangeRequestIn,
    store: asyncpg.Record | None,
) -> Fired | None:
    """The rule of the application's round that approves `change`, or None (the panel)."""
    rubric = await round_rubric(conn, app["round_code"])
    rules = rubric.change_rules
    if change.kind == "add_stores" and rules.auto_add_stores:
        return await _branches_add_coverage(conn, app, change, rubric)
    if change.kind == "update_store" and rules.auto_increases and store is not None:
        return _raised_within(store, change.changes or StoreUpdate(), rules)
    return None


def _new_store_rows(change: ChangeRequestIn) -> list[dict[str, Any]]:
    """The new branches shaped as application store rows (what merchant_facts reads)."""
    rows = []
    for i, s in enumerate(change.stores):
        p = prepare(s)
        d = s.delivery
        rows.append({
            "id": f"new-{i}", "name": s.name, "categories": list(s.categories),
            "location": Point(p.lon, p.lat), "home_delivery": d.home_delivery, "zone": p.zone,
            "daily_capacity": d.daily_capacity, "emergency_24h": d.emergency_24h,
            "mobility_assist": d.mobility_assist,
        })
    return rows


async def _branches_add_coverage(
    conn: asyncpg.Connection, app: asyncpg.Record, change: ChangeRequestIn, rubric: Rubric
) -> Fired | None:
    facts = merchant_facts(app["payload"], _new_store_rows(change))  # type: ignore[arg-type]
    index = await community_index(conn)
    by_store = served_by_store(facts, index, rubric)
    for s in facts.stores:  # every gate, for each new branch on its own
        alone = replace(facts, stores=(s,))
        checks = (gates.wechat_pay(alone, rubric), gates.eligible_category(alone, rubric),
                  gates.merchant_near_pilot(alone, by_store[s.key], index, rubric))
        if not all(g.passed for g in checks):
            return None
    # The registry as it is, the merchant's own open branches included.
    added: set[str] = set()
    for adds in (await marginal_coverage(conn, by_store, rubric, None)).values():
        if not adds:  # this branch duplicates stores already there: the panel decides
            return None
        added |= adds
    codes = "、".join(sorted(added))
    return Fired(
        "auto_add_stores",
        f"本批次规则自动通过：每家新门店均通过全部门槛，并为试点社区增加覆盖（{codes}）",
        f"Approved by the round's rule: every new branch passes every gate and adds coverage"
        f" ({', '.join(sorted(added))})",
    )


def _raised_within(store: asyncpg.Record, c: StoreUpdate, rules: ChangeRules) -> Fired | None:
    if c.opening_hours is not None or not store["home_delivery"]:
        return None
    if c.daily_capacity is None and c.radius_m is None:
        return None
    factor = rules.max_increase_factor
    if c.daily_capacity is not None:
        before = store["daily_capacity"]
        if not before < c.daily_capacity <= max(before, 1) * factor:
            return None
    if c.radius_m is not None:
        before = store["radius_m"]  # None: a drawn zone, which a radius would replace
        if before is None or not before < c.radius_m <= before * factor:
            return None
    return Fired(
        "auto_increases",
        f"本批次规则自动通过：配送门店提高每日配送能力或配送半径，"
        f"不超过原来的 {factor:g} 倍，且在配送距离上限内",
        f"Approved by the round's rule: a delivering store raises its capacity or radius by at"
        f" most {factor:g}x, within the delivery reach",
    )
