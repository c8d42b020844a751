"""Start and stop the delivery worker with the app (see worker.py)."""

from __future__ import annotations

from litestar import Litestar

from service.config import Settings
from service.notify.checks import problem
from service.notify.worker import NotificationWorker


def check(settings: Settings) -> None:
    if message := problem(settings):
        raise RuntimeError(message)


async def start_worker(app: Litestar) -> None:
    settings: Settings = app.state.settings
    # Without a URL nothing is sent: events wait in the outbox (and show on the status page).
    if settings.notify_worker and settings.webhook_url:
        app.state.notifier = NotificationWorker(settings)
        app.state.notifier.start()


async def stop_worker(app: Litestar) -> None:
    notifier = getattr(app.state, "notifier", None)
    if notifier is not None:
        await notifier.stop()
