"""EXPLAIN (ANALYZE) of every spatial query at full scale: which indexes each one uses."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import asyncpg
from shapely.geometry import Point

from bench.synth import CORE
from service.db.queries import load

REGISTRY, DISPATCH, SERVES = load("registry"), load("dispatch"), load("serves")
REVIEW = load("review")
_INDEX = re.compile(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) "
                    r"(\w+)")
_SEQ = re.compile(r"Seq Scan on (\w+)")
_TIME = re.compile(r"Execution Time: ([\d.]+) ms")


def queries(day: date, codes: list[str]) -> dict[str, tuple[str, tuple[Any, ...]]]:
    here = Point(*CORE)
    return {
        "serving_stores": (REGISTRY.serving_stores, (here, None, day)),
        "nearest_stores": (REGISTRY.nearest_stores, (here, 5, None, 20, day)),
        "coverage": (SERVES.coverage, (1000.0, 1, 10, False, 0, 1)),
        "store_serves_pairs (one community changed)": (
            "SELECT * FROM store_serves_pairs(NULL, $1::text[])", (codes[:1],)),
        "community_at": (REGISTRY.community_at, (here,)),
        "route_delivery_candidates": (DISPATCH.route_delivery_candidates,
                                      (here, [], day, 50, 1)),
        "route_walkin_candidates": (DISPATCH.route_walkin_candidates,
                                    (here, [], day, 1000.0, 50, 1)),
        "assign_delivery_pairs": (DISPATCH.assign_delivery_pairs,
                                  ([116.40, 116.45], [39.90, 39.95], [], day, 10)),
        "network_counts (scoring)": (REVIEW.network_counts, (codes, 1000.0, uuid.uuid4(), 2)),
    }


async def explain_all(conn: asyncpg.Connection, day: date) -> dict[str, dict[str, Any]]:
    # the communities a five-store urban merchant typically reaches (scoring on submission)
    codes = [r["code"] for r in await conn.fetch(
        "SELECT code FROM communities WHERE ST_DWithin(geom::geography, "
        "ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 1500)", *CORE)]
    out = {}
    for name, (sql, args) in queries(day, codes).items():
        text = "\n".join(r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql,
                                                        *args))
        seq = sorted(set(_SEQ.findall(text)))
        found = _TIME.search(text)
        out[name] = {
            "indexes": sorted(set(_INDEX.findall(text))),
            "seq_scans": seq,
            "ms": float(found.group(1)) if found else None,
            "jit": "JIT:" in text,
            "plan": text,
        }
    return out
