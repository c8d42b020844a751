"""Deliver one outbox event to the webhook: signed, recorded, retried with backoff.

The event's row is locked for the length of the attempt, so two workers that somehow
hold the same event never both send it; `delivered_at` ends it for good. Delivery is
at least once (a crash between the receiver's 2xx and our commit sends it again), so
receivers deduplicate by the event id (`X-Boai-Event-Id`, also in the body).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import msgspec
from pgqueuer import Job, RetryRequested

from service.config import Settings
from service.db.pool import Database
from service.notify import repository as repo
from service.notify.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger("boai.notify")


def body_of(row: Any) -> bytes:
    """The webhook body: the same bytes for every attempt of one event."""
    return msgspec.json.encode(
        {
            "event_id": str(row["id"]),
            "type": row["type"],
            "application_id": str(row["application_id"]),
            "occurred_at": row["occurred_at"].isoformat(),
            "data": row["data"],
        }
    )


def backoff(settings: Settings, attempts_before: int) -> timedelta:
    seconds = settings.webhook_backoff_base * 2**attempts_before
    return timedelta(seconds=min(seconds, settings.webhook_backoff_max))


class Deliverer:
    def __init__(self, settings: Settings, db: Database, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.db = db
        self.client = client

    async def __call__(self, job: Job) -> None:
        if job.payload is None:  # not one of ours: every delivery job names its event
            log.warning("delivery job %s without an event id; skipped", job.id)
            return
        event_id = UUID(bytes=job.payload)
        retry_in: timedelta | None = None
        async with self.db.acquire() as conn, conn.transaction():
            row = await repo.claim_event(conn, event_id)
            # None: being delivered by another worker right now (or gone); not pending:
            # delivered or given up already.
            if row is None or row["status"] != "pending":
                return
            error = await self._post(row)
            if error is None:
                await repo.mark_delivered(conn, event_id)
                return
            final = row["attempts"] + 1 >= self.settings.webhook_max_attempts
            await repo.mark_attempt_failed(conn, event_id, error, final)
            if final:
                log.warning("notification %s failed for good: %s", event_id, error)
            else:
                retry_in = backoff(self.settings, row["attempts"])
        if retry_in is not None:
            # Raised after the commit, so the attempt stays recorded; the queue re-runs
            # the job once the delay has passed.
            raise RetryRequested(delay=retry_in, reason=error)

    async def _post(self, row: Any) -> str | None:
        """None when the receiver took it (2xx), else why not (no URL or secret in it)."""
        url, secret = self.settings.webhook_url, self.settings.webhook_secret
        if not (url and secret):  # the worker runs only with both (notify.lifespan)
            return "no webhook URL or secret configured"
        body = body_of(row)
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: str(row["id"]),
            SIGNATURE_HEADER: sign(secret, body),
        }
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError as exc:
            return type(exc).__name__
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
