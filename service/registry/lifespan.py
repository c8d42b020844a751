"""Start and stop this worker's registry index (service/registry/index_listener.py)."""

from __future__ import annotations

from litestar import Litestar

from service.registry.index_listener import RegistryIndexHolder


async def start_index(app: Litestar) -> None:
    settings = app.state.settings
    if not settings.database_url:  # open_pool, before it, has refused to start
        return
    # LISTEN needs a session: the direct DSN when the pool goes through pgbouncer
    app.state.registry_index = RegistryIndexHolder(settings.listen_dsn, app.state.pool)
    await app.state.registry_index.start()


async def stop_index(app: Litestar) -> None:
    holder = getattr(app.state, "registry_index", None)
    if holder is not None:
        await holder.stop()
