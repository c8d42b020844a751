"""Building the benchmark database: schema, round, tokens, the synthetic network, ANALYZE."""

from __future__ import annotations

import time
from typing import Any

from bench import db, load, synth


async def build(dsn: str, n_stores: int, n_communities: int, real_path: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    tokens = await db.prepare(dsn)
    stores = synth.stores(n_stores)
    communities = synth.communities(n_communities)
    generated = time.perf_counter() - t0
    conn = await db.connect(dsn)
    try:
        # communities first: each store written through the write path keeps its store ->
        # community pairs by the triggers, as in production; the bulk COPY after them is
        # paired by one set-based rebuild (load.stores_copy)
        comm_s = await load.communities_copy(conn, communities)
        real_s = await load.stores_real_path(conn, stores, real_path)
        copy_s, pairs_s = await load.stores_copy(conn, stores, real_path)
        analyze_s = await load.analyze(conn)
        size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('stores'))")
        pairs = await conn.fetchval("SELECT count(*) FROM store_serves")
    finally:
        await conn.close()
    return {
        "tokens": tokens,
        "load": {
            "stores": n_stores, "delivering": int(stores.home_delivery.sum()),
            "drawn_zones": int(stores.drawn.sum()), "communities": n_communities,
            "generate_s": round(generated, 1),
            "stores_real_path": real_path, "stores_real_path_s": round(real_s, 1),
            "stores_copy": n_stores - real_path, "stores_copy_s": round(copy_s, 1),
            "store_community_pairs_s": round(pairs_s, 1),
            "communities_copy_s": round(comm_s, 1), "analyze_s": round(analyze_s, 1),
            "stores_table_size": size, "store_community_pairs": pairs,
        },
    }


def describe(load_info: dict[str, Any]) -> str:
    x = load_info
    return (
        f"{x['stores']:,} stores ({x['delivering']:,} delivering: "
        f"{x['delivering'] - x['drawn_zones']:,} radius circles, {x['drawn_zones']:,} drawn "
        f"polygons), {x['communities']:,} pilot communities. "
        f"{x['stores_real_path']:,} stores through the registry's write path "
        f"(service.registry.writer.add_store, {x['stores_real_path_s']} s, "
        f"{x['stores_real_path'] / max(x['stores_real_path_s'], 1e-9):,.0f}/s); "
        f"{x['stores_copy']:,} stores by binary COPY ({x['stores_copy_s']} s; then every "
        f"store -> community pair in one set-based statement, "
        f"{x.get('store_community_pairs_s', 0)} s) after every community by COPY "
        f"({x['communities_copy_s']} s); VACUUM ANALYZE {x['analyze_s']} s; "
        f"stores table {x['stores_table_size']}; "
        f"{x.get('store_community_pairs', 0):,} store -> community pairs kept."
    )
