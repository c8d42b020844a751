"""Domain events: a submission is rescored in its own transaction, with no shim between
applications and review (service/events.py, wired by service/wiring.py)."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest

from service import events
from service.applications import service as applications
from service.applications.schemas import Application
from service.rounds.service import create_round
from service.validation import collect
from tests.factories import merchant


def _application(seed: int) -> Application:
    app, errors = collect(Application, merchant(seed, round="events-1"))
    assert app is not None, errors
    return app


async def test_a_submission_through_the_service_gets_its_scorecard(
    conn: asyncpg.Connection,
) -> None:
    """The seed loader and tests call the service directly: the wiring still rescores."""
    await create_round(conn, "events-1", "事件测试批次", "open", None, "test")
    created = await applications.create(conn, _application(1))
    card = await conn.fetchrow(
        "SELECT rubric_version FROM scorecards WHERE application_id = $1", UUID(created["id"])
    )
    assert card is not None and card["rubric_version"] == 1


async def test_a_failing_subscriber_rolls_the_submission_back(conn: asyncpg.Connection) -> None:
    """Subscribers run inside the publisher's transaction: all or nothing."""
    await create_round(conn, "events-1", "事件测试批次", "open", None, "test")

    async def refuse(_conn: asyncpg.Connection, _event: events.ApplicationChanged) -> None:
        raise RuntimeError("subscriber failed")

    events.subscribe(events.ApplicationChanged, refuse)
    try:
        with pytest.raises(RuntimeError, match="subscriber failed"):
            await applications.create(conn, _application(2))
    finally:
        events._subscribers[events.ApplicationChanged].remove(refuse)
    stored = "SELECT count(*) FROM applications WHERE round_code = 'events-1'"
    assert await conn.fetchval(stored) == 0
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == 0


def test_subscribing_twice_runs_once() -> None:
    async def noop(_conn: asyncpg.Connection, _event: events.ApplicationChanged) -> None:
        return None

    events.subscribe(events.ApplicationChanged, noop)
    events.subscribe(events.ApplicationChanged, noop)
    try:
        assert events._subscribers[events.ApplicationChanged].count(noop) == 1
    finally:
        events._subscribers[events.ApplicationChanged].remove(noop)
