"""Load the pilot fixtures; every step is idempotent."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from service.communities.repository import upsert_feature
from service.config import Settings, settings_from_env
from service.db.pool import register_codecs
from service.redemptions.household import key_from
from service.seed.organisations import load_organisations
from service.seed.redemptions import load_redemptions
from service.seed.rounds import load_applications, load_network

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
log = logging.getLogger("boai.fixtures")


async def load_communities(conn: asyncpg.Connection) -> int:
    collection = msgspec.json.decode((FIXTURES_DIR / "pilot_communities.geojson").read_bytes())
    async with conn.transaction():
        for feature in collection["features"]:
            await upsert_feature(conn, feature)
    return len(collection["features"])


def _items(name: str) -> list[dict[str, Any]]:
    return msgspec.json.decode((FIXTURES_DIR / name).read_bytes())["items"]


async def load_fixtures(dsn: str, settings: Settings | None = None) -> dict[str, int]:
    settings = settings or settings_from_env()
    conn = await asyncpg.connect(dsn)
    try:
        await register_codecs(conn)
        counts = {"communities": await load_communities(conn)}
        counts["network_beijing1"] = await load_network(conn, _items("network_beijing1.json"))
        counts["applications_beijing2"] = await load_applications(
            conn, _items("applications_beijing2.json")
        )
        counts["organisations"] = await load_organisations(
            conn, _items("organisations_beijing.json")
        )
        # Reported redemptions need the household key (BOAI_HOUSEHOLD_KEY or the data
        # directory's household.key, which `boai fixtures load` creates).
        if key_from(settings) is not None:
            counts["redemptions"] = await load_redemptions(conn, settings)
        else:
            log.warning("no household key: fixture redemptions not loaded")
    finally:
        await conn.close()
    log.info("fixtures loaded", extra={"fields": counts})
    return counts
