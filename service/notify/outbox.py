"""Record an applicant notification in the caller's transaction, with its delivery job.

Written with the change it reports, so an event exists exactly when its change committed.
Payloads carry no personal data (no contacts, mobiles or ID numbers): ids, states and the
panel's own words to the applicant.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal
from uuid import UUID

import asyncpg

from service.notify import repository as repo
from service.notify.queue import enqueue_delivery

EventType = Literal["info_requested", "info_answered", "decision"]


async def record(
    conn: asyncpg.Connection, application_id: UUID, type_: EventType, data: dict[str, Any]
) -> UUID:
    if not conn.is_in_transaction():
        raise RuntimeError("an event is written in the transaction of the change it reports")
    event_id = uuid.uuid4()
    await repo.insert_event(conn, event_id, application_id, type_, data)
    await enqueue_delivery(conn, event_id.bytes)
    return event_id


async def events_of(
    conn: asyncpg.Connection, application_id: UUID, *, staff: bool
) -> list[dict[str, Any]]:
    out = []
    for r in await repo.events_of(conn, application_id):
        event = {
            "event_id": str(r["id"]),
            "type": r["type"],
            "occurred_at": r["occurred_at"].isoformat(),
            "data": r["data"],
            "delivery": r["status"],
            "attempts": r["attempts"],
            "delivered_at": r["delivered_at"].isoformat() if r["delivered_at"] else None,
        }
        if staff:  # why a delivery failed is for staff, who can fix the bridge
            event["last_error"] = r["last_error"]
            event["last_attempt_at"] = (
                r["last_attempt_at"].isoformat() if r["last_attempt_at"] else None
            )
        out.append(event)
    return out
