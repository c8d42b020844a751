"""Reads and writes of the redemptions domain: thin wrappers over sql/redemptions.sql."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.db.queries import load

SQL = load("redemptions")
Rows = list[asyncpg.Record]


async def merchant_by_key(conn: asyncpg.Connection, digest: bytes) -> asyncpg.Record | None:
    row = await conn.fetchrow(SQL.merchant_by_key, digest)
    if row is not None:
        await conn.execute(SQL.touch_key, row["id"])
    return row


async def merchant_application(conn: asyncpg.Connection, application_id: UUID):
    return await conn.fetchrow(SQL.merchant_application, application_id)


async def active_key(conn: asyncpg.Connection, application_id: UUID):
    return await conn.fetchrow(SQL.active_key, application_id)


async def revoke_active_key(conn: asyncpg.Connection, application_id: UUID, by: str) -> bool:
    return await conn.fetchval(SQL.revoke_active_key, application_id, by) is not None


async def insert_key(conn: asyncpg.Connection, application_id: UUID, digest: bytes, by: str):
    return await conn.fetchrow(SQL.insert_key, application_id, digest, by)


async def audit(conn: asyncpg.Connection, entity: str, entity_id: str, action: str, actor: str,
                from_status: str | None, to_status: str | None, reason: str,
                details: dict[str, Any]) -> None:
    await conn.execute(SQL.insert_audit, entity, entity_id, action, actor, from_status,
                       to_status, reason, msgspec.to_builtins(details))


async def own_stores(conn: asyncpg.Connection, application_id: UUID,
                     store_ids: list[UUID]) -> set[UUID]:
    return {r["id"] for r in await conn.fetch(SQL.own_stores, application_id, store_ids)}


async def existing_txns(conn: asyncpg.Connection, application_id: UUID,
                        txn_ids: list[str]) -> dict[str, bytes]:
    rows = await conn.fetch(SQL.existing_txns, application_id, txn_ids)
    return {r["txn_id"]: bytes(r["content_hash"]) for r in rows}


async def known_reservations(conn: asyncpg.Connection, ids: list[UUID]) -> set[UUID]:
    return {r["id"] for r in await conn.fetch(SQL.known_reservations, ids)}


STAGE_COLUMNS = ("txn_id", "store_id", "at", "voucher_id", "household_hash", "phase",
                 "amount_fen", "reservation_id", "content_hash")
ITEM_STAGE_COLUMNS = ("txn_id", "line", "category", "name", "quantity", "unit_price_fen",
                      "amount_fen")


async def insert_batch(conn: asyncpg.Connection, application_id: UUID, batch_id: UUID,
                       records: list[tuple], items: list[tuple]) -> int:
    """Binary COPY of the batch into this connection's staging tables, then one INSERT …
    SELECT of records, items, rollup and price counts (in the caller's transaction); returns
    the records inserted."""
    await conn.execute(SQL.create_stage)
    await conn.copy_records_to_table("redemption_stage", records=records,
                                     columns=STAGE_COLUMNS)
    await conn.copy_records_to_table("redemption_item_stage", records=items,
                                     columns=ITEM_STAGE_COLUMNS)
    await conn.execute(SQL.stage_households)
    return await conn.fetchval(SQL.insert_staged, application_id, batch_id)


async def run_rule(conn: asyncpg.Connection, name: str, *args: Any) -> int:
    status = await conn.execute(SQL[name], *args)
    return int(status.split()[-1])


async def list_alerts(conn: asyncpg.Connection, status: str | None, rule: str | None,
                      store_id: UUID | None, limit: int) -> Rows:
    return await conn.fetch(SQL.list_alerts, status, rule, store_id, limit)


async def get_alert(conn: asyncpg.Connection, alert_id: int):
    return await conn.fetchrow(SQL.get_alert, alert_id)


async def alert_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {r["status"]: r["n"] for r in await conn.fetch(SQL.alert_counts)}


async def lock_alert(conn: asyncpg.Connection, alert_id: int):
    return await conn.fetchrow(SQL.lock_alert, alert_id)


async def update_alert_status(conn: asyncpg.Connection, alert_id: int, status: str, reason: str,
                              by: str) -> None:
    await conn.execute(SQL.update_alert_status, alert_id, status, reason, by)


async def consumption(conn: asyncpg.Connection, dims: list[bool], start: datetime | None,
                      end: datetime | None) -> Rows:
    return await conn.fetch(SQL.report_consumption, *dims, start, end)


async def consumption_rollup(conn: asyncpg.Connection, dims: list[bool], start: date | None,
                             end: date | None) -> Rows:
    return await conn.fetch(SQL.report_consumption_rollup, *dims, start, end)


async def routing(conn: asyncpg.Connection, start: datetime | None, end: datetime | None):
    return await conn.fetchrow(SQL.report_routing, start, end)


async def timeliness(conn: asyncpg.Connection, start: datetime | None,
                     end: datetime | None) -> Rows:
    return await conn.fetch(SQL.report_timeliness, start, end)
