"""A store on a service day is defined once, by stores_on(day) (migration 0014), and that
definition stays transparent to the planner everywhere it is used."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
from shapely.geometry import Point, box

from service.db.queries import load
from service.dispatch import repository as dispatch
from service.registry.schemas import StoreSummary
from tests.service.test_registry_builders import store

REGISTRY = load("registry")
DISPATCH = load("dispatch")
DAY = date(2026, 1, 1)
HERE = Point(116.40, 39.90)

# Arguments to plan every named query that reads stores_on; a new such query must be added.
PLANNED = {
    "store_detail": (REGISTRY, (None, DAY)),
    "serving_stores": (REGISTRY, (HERE, None, DAY)),
    "nearest_stores": (REGISTRY, (HERE, 5, None, 20, DAY)),
    "delivering_into_area": (REGISTRY, (box(116.3, 39.8, 116.5, 40.0), DAY)),
    "route_delivery_candidates": (DISPATCH, (HERE, [], DAY, 50, 1)),
    "route_walkin_candidates": (DISPATCH, (HERE, [], DAY, 1000.0, 50, 1)),
    "assign_delivery_pairs": (DISPATCH, ([116.4], [39.9], [], DAY, 10)),
    "assign_walkin_pairs": (DISPATCH, ([116.4], [39.9], [], DAY, 10, 1000.0)),
    "assign_store_info": (DISPATCH, ([], DAY)),
}


async def test_summary_type_matches_the_struct(conn: asyncpg.Connection) -> None:
    """SQL's `(s.summary).*` and StoreSummary share one column list: same names, same order."""
    names = await conn.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'store_summary'::regclass "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
    expected = [f for f in StoreSummary.__struct_fields__ if f != "distance_m"]
    assert [r["attname"] for r in names] == expected


async def test_capacity_left_on_a_day(conn: asyncpg.Connection) -> None:
    sid = await store(conn, 116.40, 39.90, daily_capacity=5)

    async def on(day: date) -> asyncpg.Record:
        return await conn.fetchrow(
            "SELECT capacity_today, reserved_today, capacity_left, (summary).capacity_left AS s"
            " FROM stores_on($1) WHERE id = $2", day, sid)

    assert tuple(await on(DAY)) == (5, 0, 5, 5)  # no reservation yet: daily_capacity
    for _ in range(2):
        assert await dispatch.reserve(conn, sid, DAY, None, "test") is not None
    # the day's row fixes the capacity: lowering daily_capacity changes only later days
    await conn.execute("UPDATE stores SET daily_capacity = 1 WHERE id = $1", sid)
    assert tuple(await on(DAY)) == (5, 2, 3, 3)
    assert tuple(await on(DAY + timedelta(days=1))) == (1, 0, 1, 1)


async def test_every_query_on_stores_on_gets_it_inlined(conn: asyncpg.Connection) -> None:
    """A Function Scan would read every store: the GiST indexes on stores would go unused."""
    using = {n for q in (REGISTRY, DISPATCH) for n, text in q.items() if "stores_on(" in text}
    assert using == set(PLANNED)
    for name, (queries, args) in PLANNED.items():
        rows = await conn.fetch("EXPLAIN " + queries[name], *args)
        text = "\n".join(r[0] for r in rows)
        assert "stores_on" not in text, (name, text)  # else "Function Scan on stores_on"


def test_no_query_restates_the_capacity_rule() -> None:
    """Reads take capacity left from stores_on; only the writes touch store_capacity (taking a
    unit is reserve_unit's, migration 0025)."""
    touching = {n for q in (REGISTRY, DISPATCH) for n, text in q.items()
                if "store_capacity" in text}
    assert touching == {"unreserve_capacity"}
