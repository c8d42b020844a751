"""Applicant notifications: the outbox, its signed webhook, retries and single delivery.

A real HTTP receiver (http.server on a free port) plays the foundation's WeChat bridge;
the app runs its delivery worker in its lifespan as `boai serve` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from pgqueuer import Queries

from service.app import create_app
from service.notify import outbox
from service.notify.signing import SignatureError, sign, verify
from service.rounds.repository import assign_reviewer
from tests.factories import merchant, open_round
from tests.support import bearer, make_settings
from tests.webhook_receiver import Receiver, eventually, receiving

SECRET = "test-webhook-secret"


@asynccontextmanager
async def serving(dsn: str, receiver: Receiver, **overrides: Any) -> AsyncIterator[AsyncTestClient]:
    """The app with its delivery worker on; leaving it stops the worker."""
    settings = make_settings(
        dsn,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        webhook_backoff_base=0.05,
        applicant_rate_per_minute=100_000,
        **overrides,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


@pytest.fixture
async def panel(conn: asyncpg.Connection, tokens: dict[str, str]) -> dict[str, str]:
    await open_round(conn)
    await assign_reviewer(conn, "beijing-2", "reviewer-1", "test")
    return tokens


async def delivered(conn: asyncpg.Connection, count: int) -> bool:
    done = await conn.fetchval(
        "SELECT count(*) FROM notification_events WHERE status = 'delivered'"
    )
    return done == count


async def test_each_event_reaches_the_receiver_once_signed(
    dsn: str, conn: asyncpg.Connection, panel: dict[str, str]
) -> None:
    reviewer = bearer(panel["reviewer"])
    with receiving() as receiver:
        async with serving(dsn, receiver) as client:
            made = await client.post("/api/v1/applications", json=merchant(seed=1))
            app = made.json()
            applicant = bearer(app["applicant_token"])
            asked = await client.post(
                f"/api/v1/applications/{app['id']}/info-requests",
                headers=reviewer,
                json={"question": "请补充食品经营许可证编号"},
            )
            assert asked.status_code == 201, asked.text
            answered = await client.patch(
                app["status_url"], headers=applicant, json={"answer": "JY11105000000000"}
            )
            assert answered.status_code == 200, answered.text
            etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
            decided = await client.post(
                f"/api/v1/applications/{app['id']}/decision",
                headers={**reviewer, "If-Match": etag},
                json={"decision": "approved", "reason": "覆盖团结湖"},
            )
            assert decided.status_code == 200, decided.text
            await eventually(lambda: delivered(conn, 3), "three deliveries")
            listed = await client.get(f"/api/v1/applications/{app['id']}/events", headers=applicant)
            staff_view = await client.get(
                f"/api/v1/applications/{app['id']}/events", headers=reviewer
            )
        # The worker has stopped: whatever it was going to send has been sent.
    events = listed.json()
    assert [e["type"] for e in events] == ["info_requested", "info_answered", "decision"]
    assert all(e["delivery"] == "delivered" and e["attempts"] == 1 for e in events)
    assert "last_error" not in events[0] and "last_error" in staff_view.json()[0]
    assert receiver.taken() == {e["event_id"]: 1 for e in events}
    assert len(receiver.deliveries) == 3
    bodies = []
    for d in receiver.deliveries:
        verify(SECRET, d.signature, d.body)  # raises when the signature is wrong
        body = msgspec.json.decode(d.body)
        assert body["event_id"] == d.event_id and body["application_id"] == app["id"]
        assert set(body) == {"event_id", "type", "application_id", "occurred_at", "data"}
        assert "13800138000" not in d.body.decode()  # the settlement contact's mobile
        bodies.append(body)
    by_type = {b["type"]: b["data"] for b in bodies}
    assert by_type["info_requested"]["question"] == "请补充食品经营许可证编号"
    assert by_type["info_answered"] == {"status": "under_review"}
    assert by_type["decision"]["decision"] == "approved"


async def test_receiver_failing_twice_gets_the_same_event_on_the_third_try(
    dsn: str, conn: asyncpg.Connection, panel: dict[str, str]
) -> None:
    with receiving(fail_first=2) as receiver:
        async with serving(dsn, receiver) as client:
            app = (await client.post("/api/v1/applications", json=merchant(seed=2))).json()
            asked = await client.post(
                f"/api/v1/applications/{app['id']}/info-requests",
                headers=bearer(panel["reviewer"]),
                json={"question": "门店营业执照是否在有效期内？"},
            )
            assert asked.status_code == 201
            await eventually(lambda: delivered(conn, 1), "the delivery after two failures")
    assert [d.status for d in receiver.deliveries] == [500, 500, 200]
    assert len({d.event_id for d in receiver.deliveries}) == 1
    assert len({d.body for d in receiver.deliveries}) == 1
    row = await conn.fetchrow("SELECT attempts, last_error, delivered_at FROM notification_events")
    assert row["attempts"] == 3 and row["last_error"] is None and row["delivered_at"] is not None


async def test_exhausted_retries_mark_the_event_failed_for_staff(
    dsn: str, conn: asyncpg.Connection, panel: dict[str, str]
) -> None:
    with receiving(fail_first=-1) as receiver:
        async with serving(dsn, receiver, webhook_max_attempts=2) as client:
            app = (await client.post("/api/v1/applications", json=merchant(seed=3))).json()
            await client.post(
                f"/api/v1/applications/{app['id']}/info-requests",
                headers=bearer(panel["reviewer"]),
                json={"question": "请说明配送范围"},
            )

            async def failed() -> list[dict[str, Any]]:
                r = await client.get(
                    f"/api/v1/applications/{app['id']}/events", headers=bearer(panel["reviewer"])
                )
                return [e for e in r.json() if e["delivery"] == "failed"]

            event = (await eventually(failed, "the event marked failed"))[0]
    assert event["attempts"] == 2 and event["last_error"] == "HTTP 500"
    assert event["delivered_at"] is None
    assert [d.status for d in receiver.deliveries] == [500, 500]


async def test_rolled_back_decision_records_no_event(
    client: AsyncTestClient, conn: asyncpg.Connection, panel: dict[str, str]
) -> None:
    reviewer = bearer(panel["reviewer"])
    app = (await client.post("/api/v1/applications", json=merchant(seed=4))).json()
    asked = await client.post(
        f"/api/v1/applications/{app['id']}/info-requests",
        headers=reviewer,
        json={"question": "请补充门店照片"},
    )
    assert asked.status_code == 201
    await client.patch(
        app["status_url"], headers=bearer(app["applicant_token"]), json={"answer": "已上传"}
    )
    # Approval enters the stores into the registry after the decision's event is written;
    # make that step fail so the whole decision rolls back.
    await conn.execute(
        """CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'registry refuses'; END $$;
           CREATE TRIGGER refuse BEFORE INSERT ON stores FOR EACH ROW EXECUTE FUNCTION refuse();"""
    )
    etag = (await client.get(app["status_url"], headers=reviewer)).headers["etag"]
    decided = await client.post(
        f"/api/v1/applications/{app['id']}/decision",
        headers={**reviewer, "If-Match": etag},
        json={"decision": "approved", "reason": "覆盖好"},
    )
    assert decided.status_code >= 500
    status = await conn.fetchval("SELECT status FROM applications WHERE id = $1::uuid", app["id"])
    assert status == "under_review"
    types = await conn.fetch("SELECT type FROM notification_events ORDER BY occurred_at")
    assert [t["type"] for t in types] == ["info_requested", "info_answered"]
    assert await conn.fetchval("SELECT count(*) FROM pgqueuer") == 2
    # No webhook configured: the events are recorded and listed, waiting to be sent.
    listed = await client.get(
        f"/api/v1/applications/{app['id']}/events", headers=bearer(app["applicant_token"])
    )
    assert [e["delivery"] for e in listed.json()] == ["pending", "pending"]


async def test_two_workers_deliver_each_event_once(
    dsn: str, conn: asyncpg.Connection, panel: dict[str, str]
) -> None:
    count = 20
    with receiving() as receiver:
        async with serving(dsn, receiver) as first, serving(dsn, receiver):
            app = (await first.post("/api/v1/applications", json=merchant(seed=5))).json()
            for i in range(count):
                async with conn.transaction():
                    await outbox.record(conn, app["id"], "info_requested", {"n": i})
            await eventually(lambda: delivered(conn, count), f"{count} deliveries")
    taken = receiver.taken()
    assert len(taken) == count and set(taken.values()) == {1}
    assert len(receiver.deliveries) == count


def test_signature_verifies_and_refuses_tampering() -> None:
    body = b'{"event_id":"e1"}'
    header = sign(SECRET, body, timestamp=1_700_000_000)
    assert verify(SECRET, header, body, now=1_700_000_100) == 1_700_000_000
    for bad_secret, bad_body, now in (
        ("another-secret", body, 1_700_000_100),
        (SECRET, b'{"event_id":"e2"}', 1_700_000_100),
        (SECRET, body, 1_700_000_000 + 301),  # replayed after the tolerance
    ):
        with pytest.raises(SignatureError):
            verify(bad_secret, header, bad_body, now=now)
    with pytest.raises(SignatureError):
        verify(SECRET, "v1=abc", body)
    # While a secret is rotated the sender may send two v1 values; either may match.
    rotated = header + ",v1=" + "0" * 64
    assert verify(SECRET, rotated, body, now=1_700_000_000) == 1_700_000_000



async def test_worker_survives_losing_its_database_connections(
    dsn: str, conn: asyncpg.Connection, panel: dict[str, str]
) -> None:
    with receiving() as receiver:
        async with serving(dsn, receiver) as client:
            app = (await client.post("/api/v1/applications", json=merchant(seed=6))).json()
            async with conn.transaction():
                await outbox.record(conn, app["id"], "info_requested", {"n": 1})
            await eventually(lambda: delivered(conn, 1), "the first delivery")
            # As when PostgreSQL restarts: every other session of this database is cut.
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            async with conn.transaction():
                await outbox.record(conn, app["id"], "info_requested", {"n": 2})
            await eventually(lambda: delivered(conn, 2), "the delivery after the cut")
    assert sorted(receiver.taken().values()) == [1, 1]


def test_webhook_url_without_secret_or_not_http_is_refused(dsn: str) -> None:
    with pytest.raises(RuntimeError, match="BOAI_WEBHOOK_SECRET"):
        create_app(make_settings(dsn, webhook_url="http://127.0.0.1:9/hook"))
    with pytest.raises(RuntimeError, match="http"):
        create_app(make_settings(dsn, webhook_url="file:///etc/passwd", webhook_secret="s"))


async def test_migrated_queue_schema_is_what_the_pinned_pgqueuer_expects(dsn: str) -> None:
    """Upgrading pgqueuer without a migration from `pgq sql upgrade` fails here."""
    plain = await asyncpg.connect(dsn)
    try:
        plan = await Queries.from_asyncpg_connection(plain).plan_upgrade()
    finally:
        await plain.close()
    assert list(plan.statements) == []
