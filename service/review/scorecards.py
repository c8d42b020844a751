"""Compute, store and read automatic scorecards.

The community index is built once per process and rebuilt only when the pilot
communities change; network counts come from the registry through indexed SQL, only
for the communities a candidate can serve.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

import asyncpg

from scoring import (
    CommunityIndex,
    Rubric,
    Scorecard,
    TrackRecord,
    rubric_from_dict,
    score_merchant,
    score_ngo,
)
from scoring.card import CriterionScore, Gate
from scoring.scorecard import served_by_store
from service.applications import repository as applications
from service.problems import NotFound
from service.review import repository as repo
from service.review.facts import community_facts, merchant_facts, ngo_facts

_index_cache: dict[tuple[int, str], CommunityIndex] = {}



async def community_index(conn: asyncpg.Connection) -> CommunityIndex:
    stamp = await repo.communities_version(conn)
    key = (stamp["communities_version"], stamp["db"])
    if key not in _index_cache:
        rows = await repo.pilot_communities(conn)
        _index_cache.clear()
        _index_cache[key] = CommunityIndex(community_facts(r) for r in rows)
    return _index_cache[key]


async def round_rubric(conn: asyncpg.Connection, round_code: str) -> Rubric:
    row = await repo.latest_rubric(conn, round_code)
    if row is None:
        raise NotFound(f"Round {round_code!r} has no rubric.", "该批次没有评分细则。")
    return rubric_from_dict({**row["rubric"], "version": row["version"]})


async def network_counts(
    conn: asyncpg.Connection, codes: list[str], rubric: Rubric, exclude_application: UUID | None,
    up_to: int | None = None,
) -> dict[str, int]:
    """Registry stores serving each community, counted up to `up_to` (default: the rubric's k)."""
    counts = dict.fromkeys(codes, 0)
    if codes:
        rows = await repo.network_counts(
            conn, codes, rubric.walking_distance_m, exclude_application,
            up_to or rubric.target_stores_per_community,
        )
        counts.update({r["code"]: r["n"] for r in rows})
    return counts


async def compute(conn: asyncpg.Connection, application_id: UUID) -> Scorecard:
    return await _compute(conn, await _application(conn, application_id))


async def _application(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record:
    app = await applications.get_application(conn, application_id)
    if app is None:
        raise NotFound("No such application.", "申请不存在。")
    return app


async def _compute(conn: asyncpg.Connection, app: asyncpg.Record) -> Scorecard:
    application_id = app["id"]
    rubric = await round_rubric(conn, app["round_code"])
    index = await community_index(conn)
    if app["kind"] == "ngo":
        return score_ngo(ngo_facts(app["payload"]), index, rubric)
    stores = await applications.get_stores(conn, application_id)
    facts = merchant_facts(app["payload"], stores)
    if rubric.merchant_weights.track_record > 0:
        facts = replace(facts, track_record=await track_record(conn, app["credit_code"],
                                                               application_id))
    by_store = served_by_store(facts, index, rubric)
    reach = sorted(set().union(*by_store.values()))
    counts = await network_counts(conn, reach, rubric, application_id)
    return score_merchant(facts, index, rubric, counts, by_store)


async def rescore(conn: asyncpg.Connection, application_id: UUID) -> Scorecard:
    app = await _application(conn, application_id)
    card = await _compute(conn, app)
    await repo.upsert_scorecard(
        conn,
        application_id,
        app["round_code"],
        card.rubric_version,
        card.to_dict(),
        card.total,
        card.eligible,
    )
    return card


# Reservations are judged once this old (the monitoring's missing-feedback deadline).
TRACK_RECORD_DEADLINE_H = 48.0


async def track_record(conn: asyncpg.Connection, credit_code: str,
                       application_id: UUID) -> TrackRecord | None:
    """The merchant's record from its stores already in the network; None when it has none."""
    row = await repo.merchant_track_record(conn, credit_code, application_id,
                                           TRACK_RECORD_DEADLINE_H)
    if not row["known"]:
        return None
    return TrackRecord(row["reservations"], row["fulfilled"], row["records"], row["timely"],
                       row["violations"])


def card_from_dict(card: dict[str, Any]) -> Scorecard:
    return Scorecard(
        rubric_version=card["rubric_version"],
        kind=card["kind"],
        criteria=tuple(CriterionScore(**c) for c in card["criteria"]),
        gates=tuple(Gate(**g) for g in card["gates"]),
        eligible=card["eligible"],
        total=card["total"],
        served_communities=tuple(card["served_communities"]),
    )


async def stored_scorecard(conn: asyncpg.Connection, application_id: UUID) -> dict[str, Any]:
    row = await repo.get_scorecard(conn, application_id)
    if row is None:
        raise NotFound("No scorecard yet.", "尚无评分卡。")
    return {**row["card"], "computed_at": row["computed_at"].isoformat()}
