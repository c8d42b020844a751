"""Load the pilot fixtures; every step is idempotent."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg
import msgspec

from service.communities.repository import upsert_feature
from service.db.pool import register_codecs

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
log = logging.getLogger("boai.fixtures")


async def load_communities(conn: asyncpg.Connection) -> int:
    collection = msgspec.json.decode((FIXTURES_DIR / "pilot_communities.geojson").read_bytes())
    async with conn.transaction():
        for feature in collection["features"]:
            await upsert_feature(conn, feature)
    return len(collection["features"])


async def load_fixtures(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        await register_codecs(conn)
        counts = {"communities": await load_communities(conn)}
    finally:
        await conn.close()
    log.info("fixtures loaded", extra={"fields": counts})
    return counts
