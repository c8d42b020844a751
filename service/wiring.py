"""The composition root's event wiring: which domain reacts to which event.

Called by create_app, the fixture loader and the CLI before they touch applications, so
every path that submits or amends an application also rescores it.
"""

from __future__ import annotations

import asyncpg

from service import events
from service.review.scorecards import rescore


async def _rescore(conn: asyncpg.Connection, event: events.ApplicationChanged) -> None:
    await rescore(conn, event.application_id)


def wire() -> None:
    events.subscribe(events.ApplicationChanged, _rescore)
