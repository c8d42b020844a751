"""Small helpers shared by the tests."""

from __future__ import annotations

from service.config import Settings


def make_settings(dsn: str, **overrides: object) -> Settings:
    return Settings(database_url=dsn, log_level="WARNING", **overrides)  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
