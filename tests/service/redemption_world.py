"""A world for the feedback-loop tests: the first batch's merchants approved into the registry
(through the fixtures' own path), a client whose app has a household key, merchant keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.seed.loader import FIXTURES_DIR
from service.seed.rounds import load_network
from tests.support import bearer, make_settings

HOUSEHOLD_KEY = "test-household-secret"


@dataclass
class World:
    client: AsyncTestClient
    conn: asyncpg.Connection
    tokens: dict[str, str]
    # merchant legal name -> (application id, [store ids])
    merchants: dict[str, tuple[UUID, list[UUID]]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def admin(self) -> dict[str, str]:
        return bearer(self.tokens["admin"])

    def key(self, merchant: str) -> dict[str, str]:
        return bearer(self.keys[merchant])

    async def issue(self, merchant: str) -> str:
        app_id = self.merchants[merchant][0]
        r = await self.client.post(f"/api/v1/merchants/{app_id}/key", headers=self.admin())
        assert r.status_code == 201, r.text
        self.keys[merchant] = r.json()["key"]
        return self.keys[merchant]

    async def send(self, merchant: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        r = await self.client.post("/api/v1/redemptions", json={"records": records},
                                   headers=self.key(merchant))
        assert r.status_code == 200, r.text
        return r.json()


WUMART = "北京物美商业集团股份有限公司"
JINGKELONG = "北京京客隆商业集团股份有限公司"
CHAOSHIFA = "北京超市发连锁股份有限公司"


async def approved_network(conn: asyncpg.Connection) -> dict[str, tuple[UUID, list[UUID]]]:
    items = msgspec.json.decode((FIXTURES_DIR / "network_beijing1.json").read_bytes())["items"]
    await load_network(conn, items)
    rows = await conn.fetch(
        "SELECT a.id, a.legal_name, array_agg(s.id ORDER BY s.name) AS stores "
        "FROM applications a JOIN stores s ON s.application_id = a.id GROUP BY a.id")
    return {r["legal_name"]: (r["id"], list(r["stores"])) for r in rows}


@pytest.fixture(name="world")
async def world_fixture(service_dsn: str, conn: asyncpg.Connection,
                tokens: dict[str, str]) -> AsyncIterator[World]:
    merchants = await approved_network(conn)
    app = create_app(make_settings(service_dsn, household_key=HOUSEHOLD_KEY))
    async with AsyncTestClient(app=app) as client:
        w = World(client, conn, tokens, merchants)
        for name in merchants:
            await w.issue(name)
        yield w


async def store_named(conn: asyncpg.Connection, fragment: str) -> UUID:
    return await conn.fetchval("SELECT id FROM stores WHERE name LIKE '%' || $1 || '%'", fragment)


def record(store_id: UUID, txn: str, *, at: datetime | None = None, phase: str = "preparedness",
           household: str = "ZLB-0001", items: list[dict[str, Any]] | None = None,
           amount: int | None = None, **extra: Any) -> dict[str, Any]:
    items = items if items is not None else [item("grain_oil", "大米 5kg", 1, 3990)]
    total = sum(i["amount_fen"] for i in items) if amount is None else amount
    when = at or datetime.now(UTC) - timedelta(hours=2)
    return {"txn_id": txn, "store_id": str(store_id), "at": when.isoformat(),
            "voucher_id": f"V-{txn}", "household_ref": household, "phase": phase,
            "amount_fen": total, "items": items, **extra}


def item(category: str, name: str, quantity: float, unit: int,
         amount: int | None = None) -> dict[str, Any]:
    return {"category": category, "name": name, "quantity": quantity, "unit_price_fen": unit,
            "amount_fen": round(quantity * unit) if amount is None else amount}
