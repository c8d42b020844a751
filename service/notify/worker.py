"""The delivery worker inside each `boai serve` process (started in the app's lifespan).

pgqueuer does the queue work: it claims each job for one worker (row locks, SKIP
LOCKED), wakes on NOTIFY, and re-runs a job after the delay a retry asks for. This module
only starts and stops it, and starts it again when the database was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from datetime import timedelta

import asyncpg
import httpx
from pgqueuer import AsyncpgDriver, DatabaseRetryEntrypointExecutor, Queries, QueueManager

from service.config import Settings
from service.db.pool import create_pool
from service.notify.delivery import Deliverer
from service.notify.queue import DELIVER

log = logging.getLogger("boai.notify")

# Deliveries in flight per process (each holds one connection of the worker's own pool).
CONCURRENCY = 2


class NotificationWorker:
    def __init__(self, settings: Settings) -> None:
        if not settings.database_url:
            raise ValueError("the notification worker needs DATABASE_URL")
        self.dsn: str = settings.database_url
        # pgqueuer LISTENs on its queue connection: a direct one when the pool is pooled
        self.queue_dsn: str = settings.listen_dsn or settings.database_url
        self.settings = settings
        self._stopping = asyncio.Event()
        self._manager: QueueManager | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="boai-notify")

    async def stop(self) -> None:
        self._stopping.set()
        if self._manager is not None:
            self._manager.shutdown.set()
        if self._task is not None:
            # In-flight deliveries finish (bounded by the webhook timeout); then it ends.
            try:
                await asyncio.wait_for(self._task, self.settings.webhook_timeout + 5)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def _supervise(self) -> None:
        pause = 1.0
        while not self._stopping.is_set():
            try:
                await self._run()
                pause = 1.0
            except Exception:
                log.exception("notification worker stopped; starting again in %.0f s", pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
            pause = min(pause * 2, 30.0)

    async def _run(self) -> None:
        settings = self.settings
        # The queue's connection stays plain asyncpg (pgqueuer decodes its own JSON);
        # deliveries use a small pool with our codecs, apart from the request pool.
        conn = await asyncpg.connect(self.queue_dsn)
        db = await create_pool(
            self.dsn,
            max_size=CONCURRENCY,
            command_timeout=settings.db_command_timeout,
            acquire_timeout=settings.webhook_timeout + settings.db_command_timeout,
            pgbouncer=settings.pgbouncer,
        )
        client = httpx.AsyncClient(timeout=settings.webhook_timeout, follow_redirects=False)
        try:
            manager = QueueManager(Queries(AsyncpgDriver(conn)))
            # Our Deliverer asks for retries itself; this executor turns anything else it
            # raises (the database away mid-delivery) into a retry with backoff too.
            manager.entrypoint(
                DELIVER,
                on_failure="hold",
                executor_factory=functools.partial(
                    DatabaseRetryEntrypointExecutor,
                    max_attempts=settings.webhook_max_attempts,
                    initial_delay=timedelta(seconds=settings.webhook_backoff_base),
                    max_delay=timedelta(seconds=settings.webhook_backoff_max),
                ),
            )(Deliverer(settings, db, client))
            self._manager = manager
            if self._stopping.is_set():
                return
            # New jobs wake the queue by NOTIFY, but a retry re-queues its job by an UPDATE,
            # which pgqueuer's trigger does not announce: poll at least once per backoff base
            # so a retry goes out about when it is due.
            poll = min(max(settings.webhook_backoff_base, 0.1), 30.0)
            await manager.run(
                dequeue_timeout=timedelta(seconds=poll),
                batch_size=1,
                max_concurrent_tasks=CONCURRENCY,
                heartbeat_timeout=timedelta(seconds=60),
            )
        finally:
            self._manager = None
            await client.aclose()
            await db.close()
            await conn.close()
