"""In-transaction domain events: typed events, subscribers wired by the composition root.

A publisher announces what happened without knowing who cares (applications does not
import review). Subscribers run at once, on the publisher's connection and inside its
transaction: a subscriber's failure rolls the whole write back, and what it wrote is
visible to the rest of the request (the 201 of a submission names its scorecard).
Litestar's `app.emit` listeners would run after the response, outside the transaction,
so a submission could be stored without a scorecard; hence this small bus instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import asyncpg


@dataclass(frozen=True, slots=True)
class ApplicationChanged:
    """An application was submitted or amended: whatever is derived from it is stale."""

    application_id: UUID


E = TypeVar("E")
Subscriber = Callable[[asyncpg.Connection, Any], Awaitable[None]]
_subscribers: dict[type, list[Subscriber]] = {}


def subscribe(
    event_type: type[E], subscriber: Callable[[asyncpg.Connection, E], Awaitable[None]]
) -> None:
    """Register once; registering the same subscriber again is a no-op (start-up may repeat)."""
    listeners = _subscribers.setdefault(event_type, [])
    if subscriber not in listeners:
        listeners.append(subscriber)


async def publish(conn: asyncpg.Connection, event: object) -> None:
    """Run every subscriber of the event's type, in order, on the caller's connection."""
    for subscriber in _subscribers.get(type(event), ()):
        await subscriber(conn, event)
