"""The job queue (pgqueuer) as this service uses it: one entrypoint, delivery of one event."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from pgqueuer import AsyncpgDriver, Queries

DELIVER = "notify.deliver"


class _JsonValueDriver(AsyncpgDriver):
    """pgqueuer over a connection of our pool, inside the caller's transaction.

    pgqueuer binds jsonb parameters as JSON text, which plain asyncpg expects; our pool's
    jsonb codec takes Python values (service/db/pool.py) and would store that text as a
    JSON string. So the text is decoded first, for the parameters the server types jsonb.
    """

    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__(connection)
        self._conn = connection

    async def fetch(self, query: str, *args: object) -> list[dict[str, object]]:
        statement = await self._conn.prepare(query)
        values = [
            _decoded(value, parameter.name)
            for value, parameter in zip(args, statement.get_parameters(), strict=True)
        ]
        return [dict(row) for row in await statement.fetch(*values)]


def _decoded(value: Any, type_name: str) -> Any:
    if type_name == "jsonb" and isinstance(value, str):
        return msgspec.json.decode(value)
    if type_name == "jsonb[]" and isinstance(value, list):
        return [msgspec.json.decode(v) if isinstance(v, str) else v for v in value]
    return value


async def enqueue_delivery(conn: asyncpg.Connection, event_id: bytes) -> None:
    """Queue the delivery of one event in the caller's transaction (deduplicated by id)."""
    await Queries(_JsonValueDriver(conn)).enqueue(
        DELIVER, event_id, dedupe_key=f"{DELIVER}:{event_id.hex()}"
    )
