"""The spatial queries keep using their indexes (a later change must not silently drop one).

A few thousand stores and ANALYZE make the planner's choice realistic; seq scans stay enabled,
so an index shows up only when it is the better plan, as in production.
"""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
import pytest
from shapely.geometry import Point

from service.db.queries import load

REGISTRY = load("registry")
DISPATCH = load("dispatch")
SERVES = load("serves")
HERE = Point(116.40, 39.90)
DAY = date(2026, 1, 1)


@pytest.fixture
async def many_stores(conn: asyncpg.Connection) -> asyncpg.Connection:
    await conn.execute("""
        INSERT INTO stores (merchant_name, name, categories, geom, zone, radius_m,
                            home_delivery, daily_capacity)
        SELECT 'm', 's' || g, ARRAY['grain_oil', 'daily_goods'], p,
               CASE WHEN g % 3 = 0 THEN ST_Multi(ST_Buffer(p::geography, 1500, 8)::geometry) END,
               CASE WHEN g % 3 = 0 THEN 1500 END, g % 3 = 0, 10
        FROM (SELECT g, ST_SetSRID(ST_MakePoint(115.9 + (g % 97) * 0.011,
                                                39.5 + (g / 97) * 0.011), 4326) AS p
              FROM generate_series(1, 4000) g) x
    """)
    await conn.execute("ANALYZE stores; ANALYZE communities")
    return conn


async def plan(conn: asyncpg.Connection, sql: str, *args: object) -> str:
    rows = await conn.fetch("EXPLAIN " + sql, *args)
    return "\n".join(r[0] for r in rows)


async def test_serving_uses_the_zone_index(many_stores: asyncpg.Connection) -> None:
    text = await plan(many_stores, REGISTRY.serving_stores, HERE, None, DAY)
    assert "stores_zone_idx" in text, text


async def test_nearest_is_knn_on_the_geography_index(many_stores: asyncpg.Connection) -> None:
    text = await plan(many_stores, REGISTRY.nearest_stores, HERE, 5, None, 20, DAY)
    assert "Index Scan using stores_geog_idx" in text and "Order By" in text, text


async def test_coverage_reads_the_relation_not_the_stores(
    many_stores: asyncpg.Connection,
) -> None:
    text = await plan(many_stores, SERVES.coverage, 1000.0, 1, 10, False, 0, 1)
    assert "store_serves" in text and " stores " not in text.replace("stores_", ""), text


async def test_keeping_the_relation_probes_indexes(many_stores: asyncpg.Connection) -> None:
    """A changed community probes both store indexes; a changed store, the communities'."""
    one_community = await plan(many_stores,
                               "SELECT * FROM store_serves_pairs(NULL, ARRAY[$1::text])",
                               "110105006008")
    assert "stores_zone_idx" in one_community and "stores_geog_idx" in one_community, \
        one_community
    assert "Seq Scan on stores" not in one_community, one_community
    store_id = await many_stores.fetchval("SELECT id FROM stores LIMIT 1")
    one_store = await plan(many_stores, "SELECT * FROM store_serves_pairs(ARRAY[$1::uuid], NULL)",
                           store_id)
    assert "communities_geog_idx" in one_store, one_store
    assert "communities_interior_idx" in one_store, one_store
    assert "Seq Scan on stores" not in one_store, one_store


async def test_routing_and_batch_queries_use_indexes(many_stores: asyncpg.Connection) -> None:
    delivery = await plan(many_stores, DISPATCH.route_delivery_candidates, HERE, [], DAY, 50, 1)
    walkin = await plan(many_stores, DISPATCH.route_walkin_candidates, HERE, [], DAY, 1000.0,
                        50, 1)
    batch = await plan(many_stores, DISPATCH.assign_walkin_pairs, [116.4], [39.9], [], DAY, 10,
                       1000.0)
    assert "stores_zone_idx" in delivery, delivery
    assert "stores_geog_idx" in walkin, walkin
    assert "stores_geog_idx" in batch, batch


async def test_network_counts_read_the_kept_counts(many_stores: asyncpg.Connection) -> None:
    """Review's network counts read the relation and counts of migration 0020 by index, at the
    standard reach and at any other, and touch `stores` only for the candidate's own."""
    codes = [r["code"] for r in await many_stores.fetch("SELECT code FROM communities LIMIT 20")]
    standard = await plan(many_stores, load("review").network_counts, codes, 1000.0, None, 3)
    assert "community_store_counts_pkey" in standard, standard
    other = await plan(many_stores, load("review").network_counts, codes, 300.0, uuid.uuid4(), 3)
    assert "store_serves" in other and "stores_application_idx" in other, other
    assert "Seq Scan on stores" not in standard + other


async def test_coverage_lists_delivering_stores_from_their_own_index(
    many_stores: asyncpg.Connection,
) -> None:
    """A community's first delivering stores come from the partial index of migration 0030,
    not from the primary key with every pair's heap row checked for `delivers`. (The pairs
    are made up: every store for every pilot community, hundreds per community as at scale.)"""
    await many_stores.execute("""
        INSERT INTO store_serves (store_id, code, delivers, walk_m)
        SELECT s.id, c.code, s.home_delivery, 900 FROM stores s, communities c
        WHERE c.is_pilot ON CONFLICT DO NOTHING;
        ANALYZE store_serves""")
    text = await plan(many_stores, SERVES.coverage, 1000.0, 1, 10, False, 0, 1)
    assert "store_serves_delivers_idx" in text, text
